#include "ismc/rates/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "core/parallel.hpp"

namespace ismc {
namespace {

// Philox block numbers of the two random choices (see kmeans.hpp).
constexpr std::uint32_t seeding_block = 0x6B6D0001u;
constexpr std::uint32_t subsample_block = 0x6B6D0002u;
// Points per task of an assignment pass. Fixed, so partial sums and their combination
// order do not depend on the thread count.
constexpr std::size_t chunk_points = 4096;
// Largest coordinate magnitude accepted: squared distances then stay far from overflow.
constexpr double coordinate_limit = 1e100;

double uniform_draw(random_stream stream, std::uint64_t counter, std::uint32_t block) {
  const philox_block bits = random_bits(stream, counter, block);
  return uniform_closed_open(bits.v[0], bits.v[1]);
}

// floor(u · count) for u in [0, 1), kept below count against rounding.
std::size_t uniform_index(double u, std::size_t count) {
  const auto index = static_cast<std::size_t>(u * static_cast<double>(count));
  return std::min(index, count - 1);
}

double squared_distance(const double* a, const double* b, std::size_t dim) {
  double sum = 0.0;
  for (std::size_t k = 0; k < dim; ++k) {
    const double difference = a[k] - b[k];
    sum += difference * difference;
  }
  return sum;
}

bool rows_equal(const double* a, const double* b, std::size_t dim) {
  return std::equal(a, a + dim, b);
}

bool row_less(const double* a, const double* b, std::size_t dim) {
  return std::lexicographical_compare(a, a + dim, b, b + dim);
}

// Nearest centre of x (the lowest centre number on ties) and its squared distance. `Dim` is
// the dimension when known at compile time (so the inner loop unrolls), 0 otherwise.
template <std::size_t Dim>
std::size_t nearest_centre(const double* x, const double* centres, std::size_t clusters,
                           std::size_t runtime_dim, double* distance) {
  const std::size_t dim = Dim > 0 ? Dim : runtime_dim;
  std::size_t best = 0;
  double best_distance = squared_distance(x, centres, dim);
  for (std::size_t c = 1; c < clusters; ++c) {
    const double candidate = squared_distance(x, centres + c * dim, dim);
    best = candidate < best_distance ? c : best;
    best_distance = std::min(candidate, best_distance);
  }
  *distance = best_distance;
  return best;
}

// Indices of the first occurrences of distinct rows, in order of appearance, stopping once
// limit + 1 are found (so "at most limit distinct rows" is size() <= limit).
std::vector<std::size_t> first_distinct_rows(const double* points, std::size_t n, std::size_t dim,
                                             std::size_t limit) {
  std::vector<std::size_t> distinct;
  for (std::size_t i = 0; i < n && distinct.size() <= limit; ++i) {
    const double* row = points + i * dim;
    const bool seen = std::any_of(distinct.begin(), distinct.end(), [&](std::size_t j) {
      return rows_equal(row, points + j * dim, dim);
    });
    if (!seen) distinct.push_back(i);
  }
  return distinct;
}

// ---------------------------------------------------------------------------------------
// Assignment passes over fixed-size chunks.

// Points per cluster and inertia of a nearest-centre assignment.
struct assignment_totals {
  std::vector<std::size_t> counts;
  double inertia = 0.0;
};

// Labels points [first, last) (when `labels` is not null), counting into one chunk's slots
// and returning the chunk's inertia, accumulated in point order.
template <std::size_t Dim>
double label_chunk(const double* points, std::size_t runtime_dim, const double* centres,
                   std::size_t clusters, std::size_t first, std::size_t last, std::size_t* labels,
                   std::size_t* counts) {
  const std::size_t dim = Dim > 0 ? Dim : runtime_dim;
  double inertia = 0.0;
  for (std::size_t i = first; i < last; ++i) {
    double distance = 0.0;
    const std::size_t label =
        nearest_centre<Dim>(points + i * dim, centres, clusters, dim, &distance);
    ++counts[label];
    inertia += distance;
    if (labels != nullptr) labels[i] = label;
  }
  return inertia;
}

// Nearest-centre assignment of n points. Chunks accumulate in point order and are combined
// in chunk order, so the totals are the same bits for any thread count.
assignment_totals assign_points(const double* points, std::size_t n, std::size_t dim,
                                const std::vector<double>& centres, std::size_t* labels,
                                unsigned threads) {
  const std::size_t clusters = centres.size() / dim;
  const std::size_t chunks = (n + chunk_points - 1) / chunk_points;
  std::vector<std::size_t> chunk_counts(chunks * clusters, 0);
  std::vector<double> chunk_inertia(chunks, 0.0);
  detail::parallel_for(chunks, threads, [&](std::size_t chunk) {
    const std::size_t first = chunk * chunk_points;
    const std::size_t last = std::min(n, first + chunk_points);
    std::size_t* counts = chunk_counts.data() + chunk * clusters;
    const double* c = centres.data();
    switch (dim) {
      case 1:
        chunk_inertia[chunk] =
            label_chunk<1>(points, dim, c, clusters, first, last, labels, counts);
        break;
      case 2:
        chunk_inertia[chunk] =
            label_chunk<2>(points, dim, c, clusters, first, last, labels, counts);
        break;
      case 3:
        chunk_inertia[chunk] =
            label_chunk<3>(points, dim, c, clusters, first, last, labels, counts);
        break;
      default:
        chunk_inertia[chunk] =
            label_chunk<0>(points, dim, c, clusters, first, last, labels, counts);
        break;
    }
  });
  assignment_totals totals;
  totals.counts.assign(clusters, 0);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    for (std::size_t c = 0; c < clusters; ++c)
      totals.counts[c] += chunk_counts[chunk * clusters + c];
    totals.inertia += chunk_inertia[chunk];
  }
  return totals;
}

// Lloyd's assignment step for points in any dimension, with Hamerly's bounds (Hamerly
// 2010): per point an upper bound on the distance to its centre and a lower bound on the
// distance to every other centre, moved by the centres' shifts, let most points skip the
// scan over all centres. A point skips only when its bounds clear a margin far above
// rounding error, so the labels are exactly those of a full nearest-centre pass (lowest
// centre number on ties) and, points being independent, the same for any thread count.
class dense_assigner {
 public:
  dense_assigner(const double* points, std::size_t n, std::size_t dim, std::size_t clusters,
                 unsigned threads)
      : points_(points),
        n_(n),
        dim_(dim),
        clusters_(clusters),
        threads_(threads),
        labels_(n),
        upper_(n),
        lower_(n),
        moves_(clusters),
        half_gaps_(clusters) {
    // Bound drift from rounding is a tiny multiple of the data's extent.
    double extent = 0.0;
    for (std::size_t k = 0; k < dim; ++k) {
      double low = points[k];
      double high = points[k];
      for (std::size_t i = 1; i < n; ++i) {
        low = std::min(low, points[i * dim + k]);
        high = std::max(high, points[i * dim + k]);
      }
      extent += (high - low) * (high - low);
    }
    margin_ = 1e-9 * std::sqrt(extent);
  }

  // Assigns every point to its nearest centre; true when some label changed in this pass
  // (always true before the first commit). Lloyd only asks after a single pass since the
  // last commit, so "changed in this pass" is "differs from the committed partition".
  bool assign(const std::vector<double>& centres) {
    if (bounded_) prepare_bounds(centres);
    const std::size_t chunks = (n_ + chunk_points - 1) / chunk_points;
    const std::size_t width = clusters_ * dim_;
    std::vector<double> chunk_sums(chunks * width, 0.0);
    std::vector<std::size_t> chunk_counts(chunks * clusters_, 0);
    std::vector<std::size_t> chunk_changed(chunks, 0);
    detail::parallel_for(chunks, threads_, [&](std::size_t chunk) {
      const std::size_t first = chunk * chunk_points;
      const std::size_t last = std::min(n_, first + chunk_points);
      double* sums = chunk_sums.data() + chunk * width;
      std::size_t* counts = chunk_counts.data() + chunk * clusters_;
      switch (dim_) {
        case 2:
          assign_chunk<2>(centres, first, last, sums, counts, &chunk_changed[chunk]);
          break;
        case 3:
          assign_chunk<3>(centres, first, last, sums, counts, &chunk_changed[chunk]);
          break;
        default:
          assign_chunk<0>(centres, first, last, sums, counts, &chunk_changed[chunk]);
          break;
      }
    });
    sums_.assign(width, 0.0);
    counts_.assign(clusters_, 0);
    std::size_t changed = 0;
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
      for (std::size_t s = 0; s < width; ++s) sums_[s] += chunk_sums[chunk * width + s];
      for (std::size_t c = 0; c < clusters_; ++c) counts_[c] += chunk_counts[chunk * clusters_ + c];
      changed += chunk_changed[chunk];
    }
    previous_centres_ = centres;
    bounded_ = true;
    return !committed_ || changed > 0;
  }

  const std::vector<double>& sums() const { return sums_; }
  const std::vector<std::size_t>& counts() const { return counts_; }

  // The point farthest from its assigned centre (lowest index on ties), or null when every
  // point sits on a centre.
  const double* farthest_point() const {
    std::size_t best = n_;
    double best_distance = 0.0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double distance =
          squared_distance(points_ + i * dim_, previous_centres_.data() + labels_[i] * dim_, dim_);
      if (distance > best_distance) {
        best = i;
        best_distance = distance;
      }
    }
    return best == n_ ? nullptr : points_ + best * dim_;
  }

  // The last assignment becomes the reference for "the partition changed".
  void commit() { committed_ = true; }

 private:
  // How far each centre moved since the last assignment, and half the distance from each
  // centre to its nearest other centre.
  void prepare_bounds(const std::vector<double>& centres) {
    largest_move_ = 0.0;
    second_move_ = 0.0;
    mover_ = 0;
    for (std::size_t c = 0; c < clusters_; ++c) {
      moves_[c] = std::sqrt(
          squared_distance(centres.data() + c * dim_, previous_centres_.data() + c * dim_, dim_));
      if (moves_[c] > largest_move_) {
        second_move_ = largest_move_;
        largest_move_ = moves_[c];
        mover_ = c;
      } else {
        second_move_ = std::max(second_move_, moves_[c]);
      }
    }
    std::fill(half_gaps_.begin(), half_gaps_.end(), std::numeric_limits<double>::infinity());
    for (std::size_t c = 0; c < clusters_; ++c) {
      for (std::size_t other = c + 1; other < clusters_; ++other) {
        const double gap = 0.5 * std::sqrt(squared_distance(centres.data() + c * dim_,
                                                            centres.data() + other * dim_, dim_));
        half_gaps_[c] = std::min(half_gaps_[c], gap);
        half_gaps_[other] = std::min(half_gaps_[other], gap);
      }
    }
  }

  template <std::size_t Dim>
  void assign_chunk(const std::vector<double>& centres, std::size_t first, std::size_t last,
                    double* sums, std::size_t* counts, std::size_t* chunk_changed) {
    const std::size_t dim = Dim > 0 ? Dim : dim_;
    std::size_t changed = 0;
    for (std::size_t i = first; i < last; ++i) {
      const double* x = points_ + i * dim;
      std::size_t label = labels_[i];
      bool settled = false;
      if (bounded_) {
        upper_[i] += moves_[label];
        lower_[i] -= label == mover_ ? second_move_ : largest_move_;
        const double bound = std::max(half_gaps_[label], lower_[i]);
        if (upper_[i] + margin_ < bound) {
          settled = true;
        } else {
          upper_[i] = std::sqrt(squared_distance(x, centres.data() + label * dim, dim));
          settled = upper_[i] + margin_ < bound;
        }
      }
      if (!settled) {
        // Full scan: nearest (lowest number on ties) and second nearest centre.
        double best = std::numeric_limits<double>::infinity();
        double second = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < clusters_; ++c) {
          const double distance = squared_distance(x, centres.data() + c * dim, dim);
          if (distance < best) {
            second = best;
            best = distance;
            label = c;
          } else {
            second = std::min(second, distance);
          }
        }
        if (label != labels_[i]) ++changed;
        labels_[i] = label;
        upper_[i] = std::sqrt(best);
        lower_[i] = std::sqrt(second);
      }
      ++counts[label];
      for (std::size_t k = 0; k < dim; ++k) sums[label * dim + k] += x[k];
    }
    *chunk_changed = changed;
  }

  const double* points_;
  std::size_t n_;
  std::size_t dim_;
  std::size_t clusters_;
  unsigned threads_;
  std::vector<std::size_t> labels_;
  std::vector<double> upper_;  // ≥ distance to the assigned centre
  std::vector<double> lower_;  // ≤ distance to every other centre
  std::vector<double> moves_;
  std::vector<double> half_gaps_;
  std::vector<double> previous_centres_;
  std::vector<double> sums_;
  std::vector<std::size_t> counts_;
  double largest_move_ = 0.0;
  double second_move_ = 0.0;
  std::size_t mover_ = 0;
  double margin_ = 0.0;
  bool bounded_ = false;
  bool committed_ = false;
};

// Compensated (Neumaier) prefix sums of sorted 1-D data: prefix i ≈ high[i] + low[i].
struct prefix_sums {
  std::vector<double> high;
  std::vector<double> low;

  explicit prefix_sums(const std::vector<double>& values)
      : high(values.size() + 1, 0.0), low(values.size() + 1, 0.0) {
    double sum = 0.0;
    double compensation = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double x = values[i];
      const double t = sum + x;
      compensation += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
      high[i + 1] = sum;
      low[i + 1] = compensation;
    }
  }

  // Σ values[begin, end).
  double range(std::size_t begin, std::size_t end) const {
    return (high[end] - high[begin]) + (low[end] - low[begin]);
  }
};

// Lloyd's assignment step for sorted 1-D points: every cluster is a contiguous range,
// found by binary search between neighbouring centres, and its sum comes from prefix sums.
// Same tie rule as the dense pass: the lower centre number wins.
class line_assigner {
 public:
  line_assigner(const std::vector<double>& sorted, const prefix_sums& prefix, std::size_t clusters)
      : x_(sorted),
        prefix_(prefix),
        clusters_(clusters),
        begin_(clusters),
        end_(clusters),
        committed_begin_(clusters),
        committed_end_(clusters),
        sums_(clusters),
        counts_(clusters),
        order_(clusters) {}

  bool assign(const std::vector<double>& centres) {
    centres_ = centres;
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      return centres[a] < centres[b] || (centres[a] == centres[b] && a < b);
    });
    std::fill(begin_.begin(), begin_.end(), 0);
    std::fill(end_.begin(), end_.end(), 0);
    const std::size_t n = x_.size();
    std::size_t position = 0;
    for (std::size_t q = 0; q < clusters_;) {
      const std::size_t owner = order_[q];
      // Duplicates of this centre have higher numbers, lose every tie and stay empty.
      std::size_t next = q + 1;
      while (next < clusters_ && centres[order_[next]] == centres[owner]) ++next;
      std::size_t end = n;
      if (next < clusters_) {
        const std::size_t rival = order_[next];
        const double a = centres[owner];
        const double b = centres[rival];
        const bool rival_wins_ties = rival < owner;
        const auto split = std::partition_point(
            x_.begin() + static_cast<std::ptrdiff_t>(position), x_.end(), [&](double x) {
              const double to_owner = (x - a) * (x - a);
              const double to_rival = (x - b) * (x - b);
              return !(to_rival < to_owner || (to_rival == to_owner && rival_wins_ties));
            });
        end = static_cast<std::size_t>(split - x_.begin());
      }
      begin_[owner] = position;
      end_[owner] = end;
      position = end;
      q = next;
    }
    for (std::size_t c = 0; c < clusters_; ++c) {
      counts_[c] = end_[c] - begin_[c];
      sums_[c] = counts_[c] > 0 ? prefix_.range(begin_[c], end_[c]) : 0.0;
    }
    return !committed_ || begin_ != committed_begin_ || end_ != committed_end_;
  }

  const std::vector<double>& sums() const { return sums_; }
  const std::vector<std::size_t>& counts() const { return counts_; }

  // The farthest point from its centre is an end of its cluster's range.
  const double* farthest_point() const {
    std::size_t best = x_.size();
    double best_distance = 0.0;
    for (std::size_t c = 0; c < clusters_; ++c) {
      if (counts_[c] == 0) continue;
      for (const std::size_t i : {begin_[c], end_[c] - 1}) {
        const double distance = (x_[i] - centres_[c]) * (x_[i] - centres_[c]);
        if (distance > best_distance || (distance == best_distance && distance > 0.0 && i < best)) {
          best = i;
          best_distance = distance;
        }
      }
    }
    return best == x_.size() ? nullptr : &x_[best];
  }

  void commit() {
    committed_begin_ = begin_;
    committed_end_ = end_;
    committed_ = true;
  }

 private:
  const std::vector<double>& x_;
  const prefix_sums& prefix_;
  std::size_t clusters_;
  std::vector<std::size_t> begin_, end_;
  std::vector<std::size_t> committed_begin_, committed_end_;
  std::vector<double> sums_;
  std::vector<std::size_t> counts_;
  std::vector<std::size_t> order_;
  std::vector<double> centres_;
  bool committed_ = false;
};

// ---------------------------------------------------------------------------------------
// One restart: k-means++ seeding, then Lloyd.

// k-means++ (D² sampling): the first centre uniformly, each next one with probability
// proportional to the squared distance to the nearest centre chosen so far.
std::vector<double> kmeanspp_centres(const double* points, std::size_t n, std::size_t dim,
                                     std::size_t clusters, random_stream stream) {
  std::vector<double> centres(clusters * dim);
  std::size_t chosen = uniform_index(uniform_draw(stream, 0, seeding_block), n);
  std::copy(points + chosen * dim, points + (chosen + 1) * dim, centres.begin());
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  for (std::size_t k = 1; k < clusters; ++k) {
    const double* latest = centres.data() + (k - 1) * dim;
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      nearest[i] = std::min(nearest[i], squared_distance(points + i * dim, latest, dim));
      total += nearest[i];
    }
    chosen = n;
    if (total > 0.0) {
      // First point whose running sum passes u · total: always one at a positive distance.
      const double target = uniform_draw(stream, k, seeding_block) * total;
      double running = 0.0;
      std::size_t last_positive = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (nearest[i] > 0.0) last_positive = i;
        running += nearest[i];
        if (running > target) {
          chosen = i;
          break;
        }
      }
      if (chosen == n) chosen = last_positive;  // u · total rounded up to total
    } else {
      // Distances underflowed: take the first point that is not already a centre.
      for (std::size_t i = 0; i < n && chosen == n; ++i) {
        bool is_centre = false;
        for (std::size_t c = 0; c < k && !is_centre; ++c) {
          is_centre = rows_equal(points + i * dim, centres.data() + c * dim, dim);
        }
        if (!is_centre) chosen = i;
      }
      if (chosen == n) chosen = 0;  // no such point: a duplicate centre, dropped if empty
    }
    std::copy(points + chosen * dim, points + (chosen + 1) * dim,
              centres.begin() + static_cast<std::ptrdiff_t>(k * dim));
  }
  return centres;
}

// Lloyd iterations from `centres` (updated in place); returns the iterations run.
template <class Assigner>
std::size_t lloyd(Assigner& assigner, std::vector<double>& centres, std::size_t clusters,
                  std::size_t dim, std::size_t max_iterations, double shift_tolerance) {
  std::vector<double> updated(centres.size());
  bool have_previous = false;
  std::size_t iterations = 0;
  while (iterations < max_iterations) {
    bool changed = assigner.assign(centres);
    bool reseeded = false;
    // An empty cluster takes the point farthest from its centre, then all is reassigned.
    for (std::size_t round = 0; round < clusters; ++round) {
      const std::vector<std::size_t>& counts = assigner.counts();
      const auto empty =
          static_cast<std::size_t>(std::find(counts.begin(), counts.end(), 0) - counts.begin());
      if (empty == clusters) break;
      const double* farthest = assigner.farthest_point();
      if (farthest == nullptr) break;
      std::copy(farthest, farthest + dim,
                centres.begin() + static_cast<std::ptrdiff_t>(empty * dim));
      reseeded = true;
      changed = assigner.assign(centres);
    }
    ++iterations;
    // Same partition as last time: the centres already are its means.
    if (have_previous && !changed && !reseeded) break;

    const std::vector<double>& sums = assigner.sums();
    const std::vector<std::size_t>& counts = assigner.counts();
    double shift = 0.0;
    for (std::size_t c = 0; c < clusters; ++c) {
      for (std::size_t k = 0; k < dim; ++k) {
        const std::size_t s = c * dim + k;
        updated[s] = counts[c] > 0 ? sums[s] / static_cast<double>(counts[c]) : centres[s];
        shift += (updated[s] - centres[s]) * (updated[s] - centres[s]);
      }
    }
    centres.swap(updated);
    assigner.commit();
    have_previous = true;
    if (shift <= shift_tolerance) break;
  }
  return iterations;
}

// ---------------------------------------------------------------------------------------
// Input checks, subsampling, the exact answer for few distinct rows, canonical output.

std::string describe(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void check_input(const std::vector<double>& points, std::size_t dim,
                 const kmeans_options& options) {
  if (dim == 0) throw usage_error("kmeans: dim = 0; expected at least 1");
  if (points.empty()) throw usage_error("kmeans: no points; expected at least one");
  if (points.size() % dim != 0) {
    throw usage_error("kmeans: points has " + std::to_string(points.size()) +
                      " values, not a multiple of dim = " + std::to_string(dim));
  }
  for (std::size_t s = 0; s < points.size(); ++s) {
    if (!std::isfinite(points[s]) || std::abs(points[s]) > coordinate_limit) {
      throw usage_error("kmeans: points[" + std::to_string(s / dim) + "][" +
                        std::to_string(s % dim) + "] = " + describe(points[s]) +
                        "; expected a finite value of magnitude at most 1e100");
    }
  }
  if (options.clusters == 0) throw usage_error("kmeans: clusters = 0; expected at least 1");
  if (options.restarts == 0) throw usage_error("kmeans: restarts = 0; expected at least 1");
  if (options.restarts > std::numeric_limits<std::uint32_t>::max()) {
    throw usage_error("kmeans: restarts = " + std::to_string(options.restarts) +
                      "; expected at most 4294967295 (one Philox stream each)");
  }
  if (options.subsample < options.clusters) {
    throw usage_error("kmeans: subsample = " + std::to_string(options.subsample) +
                      "; expected at least clusters = " + std::to_string(options.clusters));
  }
  if (!std::isfinite(options.tolerance) || options.tolerance < 0.0) {
    throw usage_error("kmeans: tolerance = " + describe(options.tolerance) +
                      "; expected a finite value >= 0");
  }
}

// `count` rows drawn uniformly without replacement (Floyd's algorithm), in input order.
std::vector<double> draw_subsample(const std::vector<double>& points, std::size_t n,
                                   std::size_t dim, std::size_t count, std::uint64_t seed) {
  const random_stream stream{seed, 0};
  std::unordered_set<std::size_t> picked;
  picked.reserve(2 * count);
  std::vector<std::size_t> indices;
  indices.reserve(count);
  for (std::size_t j = n - count; j < n; ++j) {
    const std::size_t draw = j - (n - count);
    const std::size_t t = uniform_index(uniform_draw(stream, draw, subsample_block), j + 1);
    const std::size_t index = picked.insert(t).second ? t : j;
    if (index == j) picked.insert(j);
    indices.push_back(index);
  }
  std::sort(indices.begin(), indices.end());
  std::vector<double> rows(count * dim);
  for (std::size_t r = 0; r < count; ++r) {
    std::copy(points.begin() + static_cast<std::ptrdiff_t>(indices[r] * dim),
              points.begin() + static_cast<std::ptrdiff_t>((indices[r] + 1) * dim),
              rows.begin() + static_cast<std::ptrdiff_t>(r * dim));
  }
  return rows;
}

// Mean squared distance of the points to their mean (the total variance).
double total_variance(const double* points, std::size_t n, std::size_t dim) {
  std::vector<double> mean(dim, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < dim; ++k) mean[k] += points[i * dim + k];
  }
  for (double& m : mean) m /= static_cast<double>(n);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += squared_distance(points + i * dim, mean.data(), dim);
  return sum / static_cast<double>(n);
}

// At most C distinct rows: one cluster per distinct row, exactly.
kmeans_result exact_clustering(const std::vector<double>& points, std::size_t n, std::size_t dim,
                               std::vector<std::size_t> distinct) {
  const double* data = points.data();
  std::sort(distinct.begin(), distinct.end(), [&](std::size_t a, std::size_t b) {
    return row_less(data + a * dim, data + b * dim, dim);
  });
  kmeans_result result;
  result.clusters = distinct.size();
  for (const std::size_t i : distinct) {
    result.centres.insert(result.centres.end(), data + i * dim, data + (i + 1) * dim);
  }
  result.labels.resize(n);
  result.sizes.assign(result.clusters, 0);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = 0;
    while (!rows_equal(data + i * dim, result.centres.data() + c * dim, dim)) ++c;
    result.labels[i] = c;
    ++result.sizes[c];
  }
  return result;
}

}  // namespace

kmeans_result kmeans(const std::vector<double>& points, std::size_t dim,
                     const kmeans_options& options) {
  check_input(points, dim, options);
  const std::size_t n = points.size() / dim;
  const std::size_t clusters = options.clusters;
  const unsigned threads = detail::resolve_threads(options.threads);

  const std::vector<std::size_t> distinct = first_distinct_rows(points.data(), n, dim, clusters);
  if (distinct.size() <= clusters) return exact_clustering(points, n, dim, distinct);

  // The points k-means runs on: a subsample when there are many, sorted when 1-D.
  std::vector<double> sample;
  const double* clustered = points.data();
  std::size_t m = n;
  if (n > options.subsample) {
    sample = draw_subsample(points, n, dim, options.subsample, options.seed);
    if (first_distinct_rows(sample.data(), options.subsample, dim, clusters).size() > clusters) {
      clustered = sample.data();
      m = options.subsample;
    } else {
      sample.clear();  // too few distinct rows drawn: cluster everything
    }
  }
  if (dim == 1) {
    if (clustered == points.data()) sample = points;
    std::sort(sample.begin(), sample.end());
    clustered = sample.data();
  }
  const double shift_tolerance = options.tolerance * total_variance(clustered, m, dim);

  // Restarts run in parallel; threads left over share each restart's assignment passes.
  const unsigned outer = static_cast<unsigned>(std::min<std::size_t>(threads, options.restarts));
  const unsigned inner = std::max(1u, threads / outer);
  struct restart_outcome {
    std::vector<double> centres;
    std::size_t iterations = 0;
    double inertia = 0.0;
  };
  std::vector<restart_outcome> outcomes(options.restarts);
  const prefix_sums prefix = dim == 1 ? prefix_sums(sample) : prefix_sums(std::vector<double>{});
  detail::parallel_for(options.restarts, outer, [&](std::size_t r) {
    restart_outcome& outcome = outcomes[r];
    const random_stream stream{options.seed, static_cast<std::uint32_t>(r)};
    outcome.centres = kmeanspp_centres(clustered, m, dim, clusters, stream);
    if (dim == 1) {
      line_assigner assigner(sample, prefix, clusters);
      outcome.iterations =
          lloyd(assigner, outcome.centres, clusters, dim, options.max_iterations, shift_tolerance);
    } else {
      dense_assigner assigner(clustered, m, dim, clusters, inner);
      outcome.iterations =
          lloyd(assigner, outcome.centres, clusters, dim, options.max_iterations, shift_tolerance);
    }
    outcome.inertia = assign_points(clustered, m, dim, outcome.centres, nullptr, inner).inertia;
  });
  std::size_t winner = 0;
  for (std::size_t r = 1; r < options.restarts; ++r) {
    if (outcomes[r].inertia < outcomes[winner].inertia) winner = r;
  }
  const std::vector<double>& centres = outcomes[winner].centres;

  // Label every input point by its nearest winning centre.
  std::vector<std::size_t> labels(n);
  const assignment_totals totals =
      assign_points(points.data(), n, dim, centres, labels.data(), threads);

  // Canonical order: drop empty clusters, sort the rest by centre, renumber.
  std::vector<std::size_t> kept;
  for (std::size_t c = 0; c < clusters; ++c) {
    if (totals.counts[c] > 0) kept.push_back(c);
  }
  std::stable_sort(kept.begin(), kept.end(), [&](std::size_t a, std::size_t b) {
    return row_less(centres.data() + a * dim, centres.data() + b * dim, dim);
  });
  std::vector<std::size_t> renumber(clusters, clusters);
  kmeans_result result;
  result.clusters = kept.size();
  for (std::size_t q = 0; q < kept.size(); ++q) {
    renumber[kept[q]] = q;
    result.centres.insert(result.centres.end(), centres.data() + kept[q] * dim,
                          centres.data() + (kept[q] + 1) * dim);
    result.sizes.push_back(totals.counts[kept[q]]);
  }
  for (std::size_t& label : labels) label = renumber[label];
  result.labels = std::move(labels);
  result.inertia = totals.inertia;
  result.iterations = outcomes[winner].iterations;
  return result;
}

}  // namespace ismc

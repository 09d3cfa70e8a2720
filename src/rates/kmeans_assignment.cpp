#include "rates/kmeans_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "core/parallel.hpp"

namespace ismc::detail {
namespace {

// Points per task of an assignment pass. Fixed, so partial sums and their combination
// order do not depend on the thread count.
constexpr std::size_t chunk_points = 4096;

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

}  // namespace

// Chunks accumulate in point order and are combined in chunk order, so the totals are the
// same bits for any thread count.
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

// ---------------------------------------------------------------------------------------
// dense_assigner

dense_assigner::dense_assigner(const double* points, std::size_t n, std::size_t dim,
                               std::size_t clusters, unsigned threads)
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

// How far each centre moved since the last assignment, and half the distance from each
// centre to its nearest other centre.
void dense_assigner::prepare_bounds(const std::vector<double>& centres) {
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
void dense_assigner::assign_chunk(const std::vector<double>& centres, std::size_t first,
                                  std::size_t last, double* sums, std::size_t* counts,
                                  std::size_t* chunk_changed) {
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

bool dense_assigner::assign(const std::vector<double>& centres) {
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

const double* dense_assigner::farthest_point() const {
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

// ---------------------------------------------------------------------------------------
// prefix_sums, line_assigner

prefix_sums::prefix_sums(const std::vector<double>& values)
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

bool line_assigner::assign(const std::vector<double>& centres) {
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

// The farthest point from its centre is an end of its cluster's range.
const double* line_assigner::farthest_point() const {
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

void line_assigner::commit() {
  committed_begin_ = begin_;
  committed_end_ = end_;
  committed_ = true;
}

}  // namespace ismc::detail

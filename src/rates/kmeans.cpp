#include "ismc/rates/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"
#include "core/parallel.hpp"
#include "rates/kmeans_assignment.hpp"

namespace ismc {
namespace {

// The assignment step (rates/kmeans_assignment.hpp).
using detail::assign_points;
using detail::assignment_totals;
using detail::dense_assigner;
using detail::line_assigner;
using detail::prefix_sums;
using detail::squared_distance;

// Philox blocks of the two random choices, in the k-means domain (core/streams.hpp).
constexpr std::uint32_t seeding_block = streams::kmeans_seeding_block;
constexpr std::uint32_t subsample_block = streams::kmeans_subsample_block;
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

bool rows_equal(const double* a, const double* b, std::size_t dim) {
  return std::equal(a, a + dim, b);
}

bool row_less(const double* a, const double* b, std::size_t dim) {
  return std::lexicographical_compare(a, a + dim, b, b + dim);
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

void check_input(const std::vector<double>& points, std::size_t dim,
                 const kmeans_options& options) {
  if (dim == 0) throw usage_error(bad_value("kmeans: dim", dim, "at least 1"));
  if (points.empty()) throw usage_error(bad_value("kmeans: points", "none", "at least one"));
  if (points.size() % dim != 0) {
    throw usage_error(bad_value("kmeans: points", std::to_string(points.size()) + " values",
                                "a multiple of dim = " + std::to_string(dim)));
  }
  for (std::size_t s = 0; s < points.size(); ++s) {
    if (!std::isfinite(points[s]) || std::abs(points[s]) > coordinate_limit) {
      throw usage_error(bad_value(
          "kmeans: points[" + std::to_string(s / dim) + "][" + std::to_string(s % dim) + "]",
          points[s], "a finite value of magnitude at most 1e100"));
    }
  }
  if (options.clusters == 0) {
    throw usage_error(bad_value("kmeans: clusters", options.clusters, "at least 1"));
  }
  if (options.restarts == 0) {
    throw usage_error(bad_value("kmeans: restarts", options.restarts, "at least 1"));
  }
  if (options.restarts > std::numeric_limits<std::uint32_t>::max()) {
    throw usage_error(bad_value("kmeans: restarts", options.restarts,
                                "at most 4294967295 (one Philox stream each)"));
  }
  if (options.subsample < options.clusters) {
    throw usage_error(bad_value("kmeans: subsample", options.subsample,
                                "at least clusters = " + std::to_string(options.clusters)));
  }
  if (!std::isfinite(options.tolerance) || options.tolerance < 0.0) {
    throw usage_error(bad_value("kmeans: tolerance", options.tolerance, "a finite value >= 0"));
  }
}

// `count` rows drawn uniformly without replacement (Floyd's algorithm), in input order.
std::vector<double> draw_subsample(const std::vector<double>& points, std::size_t n,
                                   std::size_t dim, std::size_t count, std::uint64_t seed) {
  const random_stream stream = streams::kmeans_subsample(seed);
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
    const random_stream stream = streams::kmeans_seeding(options.seed, r);
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

#include "ismc/rates/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "core/parallel.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/t_test.hpp"
#include "ismc/rates/tiles.hpp"
#include "ismc/rates/tilt_bound.hpp"
#include "rates/calibrate_cuda.hpp"
#include "rates/exact_rates.hpp"

namespace ismc {

namespace {

// Simulations per task: one task's top-m heap and counts, merged in task order.
constexpr std::uint64_t sims_per_task = 65536;

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw input_error("", 0, field, message);
}

// Calls `run` with the study's family (the statistic value s(x) is simulated, so the
// family, not its model, is needed; the pairwise tables are not: no decision is taken).
template <class Run>
void with_family(const rates_study& study, Run&& run) {
  const model_spec& spec = study.model;
  if (spec.family == "gaussian") {
    run(make_gaussian_location_test(spec.dim, study.test.kind, study.test.critical));
    return;
  }
  if (spec.family == "normal_unknown_variance") {
    normal_t_test family;
    family.observations = static_cast<std::uint32_t>(spec.observations);
    family.critical = study.test.critical;
    run(family);
    return;
  }
  binomial_pairwise_test family;
  family.arms = static_cast<int>(spec.trials.size());
  for (std::size_t i = 0; i < spec.trials.size(); ++i)
    family.trials[i] = static_cast<std::uint32_t>(spec.trials[i]);
  family.critical = study.test.critical;
  if (study.test.kind == test_kind::count) {
    run(static_cast<const binomial_count_test&>(family));
    return;
  }
  family.statistic_kind = study.test.kind == test_kind::posterior ? binomial_statistic::posterior
                                                                  : binomial_statistic::difference;
  run(family);
}

std::vector<double> tile_centre(const tile_set& tiles, std::size_t j) {
  return {tiles.centres.begin() + static_cast<std::ptrdiff_t>(j * tiles.dim),
          tiles.centres.begin() + static_cast<std::ptrdiff_t>((j + 1) * tiles.dim)};
}

// η → θ for the study's family (the identity but for the t-test).
std::vector<double> user_point(const model_spec& model, const std::vector<double>& eta) {
  std::vector<double> theta(eta);
  if (model.family == "normal_unknown_variance")
    normal_t_test{}.user_from_natural(eta.data(), theta.data());
  return theta;
}

}  // namespace

top_values::top_values(std::size_t capacity) : capacity_(capacity) { heap_.reserve(capacity); }

void top_values::push(double value) {
  if (capacity_ == 0 || std::isnan(value)) return;
  const auto greater = std::greater<double>();  // a min-heap: the smallest held on top
  if (heap_.size() < capacity_) {
    heap_.push_back(value);
    std::push_heap(heap_.begin(), heap_.end(), greater);
    return;
  }
  if (!(value > heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), greater);
  heap_.back() = value;
  std::push_heap(heap_.begin(), heap_.end(), greater);
}

double top_values::smallest() const {
  if (heap_.size() < capacity_ || heap_.empty()) return -std::numeric_limits<double>::infinity();
  return heap_.front();
}

std::uint64_t calibration_rank(double alpha0, std::uint64_t sims) {
  return static_cast<std::uint64_t>(std::floor((static_cast<double>(sims) + 1.0) * alpha0));
}

std::uint64_t smallest_calibration_sims(double alpha0) {
  auto sims = static_cast<std::uint64_t>(std::max(std::ceil(1.0 / alpha0) - 1.0, 1.0));
  while (sims > 1 && calibration_rank(alpha0, sims - 1) >= 1) --sims;
  while (calibration_rank(alpha0, sims) < 1) ++sims;
  return sims;
}

std::vector<double> calibration_alpha0(const rates_study& study) {
  const tile_set tiles = make_tiles(study);
  const tilt_family family = tilt_family_for(study.model);
  const double alpha = study.calibration.alpha;
  const std::uint64_t sims = study.calibration.sims;
  std::vector<double> alpha0(tiles.meets_null.size(), 0.0);
  for (std::size_t j = 0; j < alpha0.size(); ++j) {
    if (tiles.meets_null[j] == 0) continue;
    alpha0[j] = tilt_inverse(family, tile_centre(tiles, j), tiles.radii, alpha);
    if (!(alpha0[j] > 0.0)) {
      fail("tiles.radii", "the tile of target " + std::to_string(j) +
                              " is too wide: no centre rate >= 1e-300 keeps its Tilt-Bound "
                              "below calibrate.alpha = " +
                              number_text(alpha) + "; expected smaller radii");
    }
    if (calibration_rank(alpha0[j], sims) == 0) {
      fail("calibrate.sims",
           got_expected(sims, "at least " + std::to_string(smallest_calibration_sims(alpha0[j])) +
                                  " (the tile of target " + std::to_string(j) +
                                  " has alpha0 = " + number_text(alpha0[j]) +
                                  ", and m = floor((K + 1) alpha0) must "
                                  "be >= 1)"));
    }
  }
  return alpha0;
}

rates_result calibrate_critical(const rates_study& study, backend& backend,
                                const run_hooks& hooks) {
  if (study.run.method != rate_method::calibrate) {
    throw usage_error(bad_value("run.method", to_string(study.run.method), "\"calibrate\""));
  }
  const tile_set tiles = make_tiles(study);
  const std::vector<double> alpha0 = calibration_alpha0(study);
  const std::size_t dim = study.model.dim;
  const std::vector<double> targets = grid_targets(study.grid, dim);
  const std::size_t n_targets = targets.size() / dim;
  const std::uint64_t sims = study.calibration.sims;
  const std::uint64_t chunks = (sims + sims_per_task - 1) / sims_per_task;
  const std::uint64_t seed = study.run.seed;
  const bool common = study.run.common_random_numbers;

  std::vector<std::size_t> null_tiles, other_tiles;
  for (std::size_t j = 0; j < n_targets; ++j)
    (tiles.meets_null[j] != 0 ? null_tiles : other_tiles).push_back(j);

  std::vector<std::uint64_t> rank(n_targets, 0);
  for (std::size_t j : null_tiles) rank[j] = calibration_rank(alpha0[j], sims);

  std::vector<top_values> kept;  // per null tile, the m largest of its K statistics
  std::vector<std::uint64_t> other_counts(other_tiles.size(), 0);
  double critical = -std::numeric_limits<double>::infinity();
  std::size_t critical_tile = null_tiles.front();
  std::vector<double> threshold(n_targets, 0.0);

  bool on_device = false;
  with_family(study, [&](const auto& family) {
    using family_type = std::decay_t<decltype(family)>;
    // The device's fused top-m (kernels/calibrate.cu) for families whose statistic is
    // ISMC_HD; the pass over the other tiles stays on the host.
#if defined(ISMC_HAVE_CUDA)
    if constexpr (!std::is_same_v<family_type, binomial_pairwise_test>) {
      if (backend.name() == "cuda") {
        std::vector<double> thetas;
        std::vector<std::uint64_t> ranks;
        for (std::size_t j : null_tiles) {
          thetas.insert(thetas.end(), targets.begin() + static_cast<std::ptrdiff_t>(j * dim),
                        targets.begin() + static_cast<std::ptrdiff_t>((j + 1) * dim));
          ranks.push_back(rank[j]);
        }
        const auto tops = detail::calibrate_top_cuda(family, thetas, null_tiles, ranks, sims, seed,
                                                     common, hooks);
        for (std::size_t n = 0; n < null_tiles.size(); ++n) {
          kept.emplace_back(static_cast<std::size_t>(ranks[n]));
          for (double value : tops[n]) kept.back().push(value);
        }
        on_device = true;
      }
    }
#endif
    // Pass 1: each task keeps its m largest statistics; merged per tile in task order.
    hooks.begin("calibrate", sims * n_targets);
    if (!on_device) {
      std::vector<top_values> task_top;
      task_top.reserve(null_tiles.size() * chunks);
      for (std::size_t t = 0; t < null_tiles.size() * chunks; ++t) {
        const std::uint64_t begin = (t % chunks) * sims_per_task;
        const std::uint64_t length = std::min(sims, begin + sims_per_task) - begin;
        task_top.emplace_back(
            static_cast<std::size_t>(std::min(rank[null_tiles[t / chunks]], length)));
      }
      detail::parallel_for(task_top.size(), hooks.threads, [&](std::size_t t) {
        hooks.check_interrupt();
        const std::size_t j = null_tiles[t / chunks];
        const std::uint64_t begin = (t % chunks) * sims_per_task;
        const std::uint64_t end = std::min(sims, begin + sims_per_task);
        const random_stream stream{seed, streams::target(j, common)};
        double x[family_type::max_sample_size];
        top_values& top = task_top[t];
        for (std::uint64_t i = begin; i < end; ++i) {
          family.simulate(targets.data() + j * dim, stream, i, x);
          top.push(family.statistic(x));
        }
        hooks.advance(end - begin);
      });
      kept.reserve(null_tiles.size());
      for (std::size_t n = 0; n < null_tiles.size(); ++n) {
        kept.emplace_back(static_cast<std::size_t>(rank[null_tiles[n]]));
        for (std::uint64_t c = 0; c < chunks; ++c)
          for (double value : task_top[n * chunks + c].values()) kept.back().push(value);
      }
    }
    for (std::size_t n = 0; n < null_tiles.size(); ++n) {
      const std::size_t j = null_tiles[n];
      threshold[j] = kept[n].smallest();
      if (n == 0 || threshold[j] > critical) {
        critical = threshold[j];
        critical_tile = j;
      }
    }
    // Pass 2: the other tiles' statistics, counted above the critical value.
    std::vector<std::uint64_t> task_counts(other_tiles.size() * chunks, 0);
    detail::parallel_for(task_counts.size(), hooks.threads, [&](std::size_t t) {
      hooks.check_interrupt();
      const std::size_t j = other_tiles[t / chunks];
      const std::uint64_t begin = (t % chunks) * sims_per_task;
      const std::uint64_t end = std::min(sims, begin + sims_per_task);
      const random_stream stream{seed, streams::target(j, common)};
      double x[family_type::max_sample_size];
      std::uint64_t above = 0;
      for (std::uint64_t i = begin; i < end; ++i) {
        family.simulate(targets.data() + j * dim, stream, i, x);
        above += family.statistic(x) > critical ? 1 : 0;
      }
      task_counts[t] = above;
      hooks.advance(end - begin);
    });
    hooks.end();
    for (std::size_t n = 0; n < other_tiles.size(); ++n)
      for (std::uint64_t c = 0; c < chunks; ++c) other_counts[n] += task_counts[n * chunks + c];
  });

  rates_result result;
  result.backend = on_device ? "cuda" : "cpu";
  if (on_device) {
    result.warnings.push_back(
        "calibrate: the null tiles' statistics ran on the device, the "
        "other tiles' counts on the host");
  } else if (backend.name() != "cpu") {
    result.warnings.push_back("calibrate: ran on the host (CPU threads), not on backend '" +
                              backend.name() + "'");
  }
  // The calibrated test, for its exact rates (a model without one gives none).
  test_spec calibrated = study.test;
  calibrated.critical = critical;
  std::unique_ptr<model> exact_model;
  try {
    if (std::isfinite(critical)) exact_model = make_model(study.model, calibrated);
  } catch (const usage_error& e) {
    result.warnings.push_back(std::string("calibrate: no exact rates at the critical value: ") +
                              e.what());
  }
  std::vector<std::uint64_t> counts(n_targets, 0);
  for (std::size_t n = 0; n < null_tiles.size(); ++n) {
    for (double value : kept[n].values()) counts[null_tiles[n]] += value > critical ? 1 : 0;
  }
  for (std::size_t n = 0; n < other_tiles.size(); ++n) counts[other_tiles[n]] = other_counts[n];

  std::optional<double> exact_type_i_error;
  bool exact_everywhere = exact_model != nullptr;
  for (std::size_t j = 0; j < n_targets; ++j) {
    const double* theta = targets.data() + j * dim;
    rate_row row;
    row.theta.assign(theta, theta + dim);
    row.method = rate_method::calibrate;
    row.sims = sims;
    row.rejections = counts[j];
    row.estimate = static_cast<double>(counts[j]) / static_cast<double>(sims);
    row.std_error = std::sqrt(row.estimate * (1.0 - row.estimate) / static_cast<double>(sims));
    const interval ci = clopper_pearson_interval(counts[j], sims, study.run.confidence);
    row.ci_low = ci.low;
    row.ci_high = ci.high;
    row.upper_bound = clopper_pearson_upper(counts[j], sims, study.run.confidence);
    row.null_tile = tiles.meets_null[j] != 0;
    if (exact_model) row.exact = detail::exact_rate_or_none(*exact_model, theta);
    if (tiles.meets_null[j] != 0) {
      row.alpha0 = alpha0[j];
      row.threshold = threshold[j];
      if (exact_model) {
        // The centre and the 2^d vertices, in user coordinates.
        const std::vector<double> centre = tile_centre(tiles, j);
        const std::size_t corners = std::size_t{1} << dim;
        for (std::size_t corner = 0; corner <= corners && exact_everywhere; ++corner) {
          std::vector<double> eta(centre);
          if (corner < corners) {
            for (std::size_t n = 0; n < dim; ++n)
              eta[n] += ((corner >> n) & 1u) != 0 ? tiles.radii[n] : -tiles.radii[n];
          }
          const std::vector<double> point = user_point(study.model, eta);
          const auto exact = detail::exact_rate_or_none(*exact_model, point.data());
          if (!exact) {
            exact_everywhere = false;
            break;
          }
          exact_type_i_error = std::max(exact_type_i_error.value_or(0.0), *exact);
        }
      }
    }
    result.rows.push_back(std::move(row));
  }
  calibration_result summary;
  summary.critical = critical;
  summary.alpha = study.calibration.alpha;
  summary.sims = sims;
  summary.tile = critical_tile;
  summary.null_tiles = null_tiles.size();
  if (exact_everywhere) summary.exact_type_i_error = exact_type_i_error;
  result.calibration = summary;
  return result;
}

}  // namespace ismc

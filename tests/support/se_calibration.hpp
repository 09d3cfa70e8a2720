#pragma once
/// @file se_calibration.hpp
/// @brief The standard-error calibration over seeds that the family tests share
/// (binomial_test, t_test_test). Plain Monte Carlo: z against the exact SE for the mean, z
/// against the estimated SE for the spread. Importance sampling: z against the estimated SE
/// for both (there is no exact SE), at sizes whose z-bias, computed beforehand
/// (`importance_z_bias`), is small.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc::test {

/// The mean over seeds of (estimate − exact)/√(f(1 − f)/N) and the standard deviation of
/// (estimate − exact)/SE, at the first target, over `seeds` runs seeded first_seed, ….
struct se_calibration {
  double mean_z = 0.0;  ///< with the exact SE
  double sd_z = 0.0;    ///< with the estimated SE
};

/// Runs `seeds` plain studies of `model` at `targets` and returns the calibration of the
/// first target's row against its exact rate `exact`.
inline se_calibration plain_se_calibration(const model& model, const std::vector<double>& targets,
                                           const plain_spec& plain, double exact,
                                           std::uint64_t first_seed, int seeds) {
  const double exact_se = std::sqrt(exact * (1.0 - exact) / static_cast<double>(plain.sims));
  const auto backend = make_cpu_backend();
  double sum_z = 0.0, sum_estimated = 0.0, sum_estimated_squares = 0.0;
  for (int seed = 0; seed < seeds; ++seed) {
    run_spec run;
    run.seed = first_seed + static_cast<std::uint64_t>(seed);
    const rate_row row = estimate_plain(model, targets, run, plain, *backend).rows[0];
    EXPECT_GT(row.std_error, 0.0);
    sum_z += (row.estimate - exact) / exact_se;
    const double z = (row.estimate - exact) / row.std_error;
    sum_estimated += z;
    sum_estimated_squares += z * z;
  }
  se_calibration result;
  result.mean_z = sum_z / seeds;
  const double mean_estimated = sum_estimated / seeds;
  result.sd_z =
      std::sqrt((sum_estimated_squares - seeds * mean_estimated * mean_estimated) / (seeds - 1));
  return result;
}

/// The z-bias of an importance run, computed beforehand from one run at a fixed seed with
/// `scale` times the simulations per proposal (a large pilot of the estimator itself): the
/// plain rule of issue 16 (z with an estimated SE is biased by about −0.5/√(expected
/// rejections), the skewness of the terms over √N) with the expected rejections N·f replaced
/// by the effective ones, ESS·f, and the ESS at the calibration's size the large run's over
/// `scale` (ESS grows linearly in the simulations). Returns 0.5/√(ESS·f) at the first target.
inline double importance_z_bias(const model& model, const std::vector<double>& targets,
                                importance_spec spec, double exact, std::uint64_t seed,
                                std::uint64_t scale) {
  const auto backend = make_cpu_backend();
  run_spec run;
  run.seed = seed;
  spec.sims_per_proposal *= scale;
  const rate_row row = estimate_importance(model, targets, run, spec, *backend).rows[0];
  EXPECT_TRUE(row.ess.has_value());
  const double ess = row.ess.value_or(0.0) / static_cast<double>(scale);
  return 0.5 / std::sqrt(ess * exact);
}

/// Runs `seeds` importance studies of `model` at `targets` and returns the calibration of
/// the first target's row against its exact rate `exact`: the mean and the standard
/// deviation of (estimate − exact)/SE with the estimated SE (`mean_z`, `sd_z`).
inline se_calibration importance_se_calibration(const model& model,
                                                const std::vector<double>& targets,
                                                const importance_spec& spec, double exact,
                                                std::uint64_t first_seed, int seeds) {
  const auto backend = make_cpu_backend();
  double sum = 0.0, sum_squares = 0.0;
  for (int seed = 0; seed < seeds; ++seed) {
    run_spec run;
    run.seed = first_seed + static_cast<std::uint64_t>(seed);
    const rate_row row = estimate_importance(model, targets, run, spec, *backend).rows[0];
    EXPECT_GT(row.std_error, 0.0);
    const double z = (row.estimate - exact) / row.std_error;
    sum += z;
    sum_squares += z * z;
  }
  se_calibration result;
  result.mean_z = sum / seeds;
  result.sd_z = std::sqrt((sum_squares - seeds * result.mean_z * result.mean_z) / (seeds - 1));
  return result;
}

}  // namespace ismc::test

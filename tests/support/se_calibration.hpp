#pragma once
/// @file se_calibration.hpp
/// @brief The plain Monte Carlo standard-error calibration over seeds that the family tests
/// share (binomial_test, t_test_test): z against the exact SE for the mean, z against the
/// estimated SE for the spread.

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

}  // namespace ismc::test

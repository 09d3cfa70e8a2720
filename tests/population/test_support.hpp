#pragma once
/// @file test_support.hpp
/// @brief Shared fixtures of the population tests (samples_test, hyper_likelihood_test,
/// point_estimates_test, exact_posterior_test): constants, ragged samples, sample moments.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "ismc/population/samples.hpp"

namespace ismc::testing {

inline constexpr double pi = 3.14159265358979323846;
inline constexpr double infinity = std::numeric_limits<double>::infinity();
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Ragged samples from per-object sizes, values N(centre_i, 1) with centres spread out.
inline population_samples ragged_samples(const std::vector<std::size_t>& sizes, bool with_log_p0,
                                         std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> log_density(-3.0, 1.0);
  population_samples samples;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double centre = -2.0 + 0.8 * static_cast<double>(i);
    for (std::size_t n = 0; n < sizes[i]; ++n) {
      samples.values.push_back(centre + normal(engine));
      if (with_log_p0) samples.log_p0.push_back(log_density(engine));
    }
    samples.offsets.push_back(samples.values.size());
  }
  return samples;
}

// The mean and the sample variance (divisor n − 1) of values.
inline double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}
inline double variance_of(const std::vector<double>& values) {
  const double mean = mean_of(values);
  double sum = 0.0;
  for (double value : values) sum += (value - mean) * (value - mean);
  return sum / static_cast<double>(values.size() - 1);
}

}  // namespace ismc::testing

#pragma once
/// @file moments.hpp (private)
/// @brief The mean and the sum of squared deviations of a set of values, shared by the
/// point-estimate posterior (point_estimates.cpp) and the exact posterior
/// (exact_posterior.cpp).

#include <vector>

namespace ismc::detail {

/// The mean of values and Σ (v − mean)², in two passes.
struct mean_and_squares {
  double mean;
  double squares;
};
inline mean_and_squares moments_of(const std::vector<double>& values) {
  double mean = 0.0;
  for (double value : values) mean += value;
  mean /= static_cast<double>(values.size());
  double squares = 0.0;
  for (double value : values) squares += (value - mean) * (value - mean);
  return {mean, squares};
}

}  // namespace ismc::detail

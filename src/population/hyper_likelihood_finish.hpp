#pragma once
/// @file hyper_likelihood_finish.hpp (private)
/// @brief The host-side steps of the hyper-likelihood posterior around the sums over
/// objects, written once for both backends: the CPU (hyper_likelihood_posterior,
/// hyper_likelihood.cpp) and the CUDA class (kernels/hyper_likelihood.cu). They are the
/// check of the variance cut, the prior filter (only θ inside the flat priors are
/// evaluated), the rules for −∞ and NaN, and the variance cut (Talbot & Golomb 2023).

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "models/population_priors.hpp"

namespace ismc::detail {

/// Refuses a variance cut that is not > 0 (NaN included) with `usage_error`; +∞ means no
/// cut. Both backends check it before anything else, so they refuse the same inputs with
/// the same error.
inline void check_variance_cut(double variance_cut) {
  if (!(variance_cut > 0.0)) {
    throw usage_error(bad_value("hyper_likelihood_posterior: variance_cut", variance_cut,
                                "a value > 0 (+inf for no cut)"));
  }
}

/// ln L̂ and σ² of one θ from the sums over objects of ln L̂_i and σ²_i: a NaN ln L̂ is −∞,
/// and σ² is +∞ where ln L̂ is −∞ or σ² is NaN (so no NaN leaves either backend).
inline hyper_likelihood_value finish_hyper_likelihood(double log_likelihood_sum,
                                                      double variance_sum) {
  constexpr double infinity = std::numeric_limits<double>::infinity();
  hyper_likelihood_value value;
  value.log_likelihood = std::isnan(log_likelihood_sum) ? -infinity : log_likelihood_sum;
  value.variance =
      value.log_likelihood == -infinity || std::isnan(variance_sum) ? infinity : variance_sum;
  return value;
}

/// The posterior's log density at a θ inside the priors from its finished value: ln L̂ where
/// σ² ≤ variance_cut, −∞ where σ² is above the cut.
inline double cut_by_variance(const hyper_likelihood_value& value, double variance_cut) {
  return value.variance <= variance_cut ? value.log_likelihood
                                        : -std::numeric_limits<double>::infinity();
}

/// `hyper_likelihood_posterior::log_density` on any backend: out[b] = −∞ for every θ_b
/// outside the priors (`inside_priors`; NaN is outside). The θ inside, in batch order, are
/// evaluated in one call `evaluate(inside, count, values)` (`inside`: count × 2, row-major;
/// `values`: count finished values, see `finish_hyper_likelihood`), not made when no θ is
/// inside; then out[b] = `cut_by_variance` of θ_b's value.
template <class Evaluate>
void hyper_posterior_log_density(const double* thetas, std::size_t batch, double variance_cut,
                                 double* out, Evaluate&& evaluate) {
  std::vector<double> inside;
  std::vector<std::size_t> where;
  inside.reserve(2 * batch);
  where.reserve(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    out[b] = -std::numeric_limits<double>::infinity();
    if (inside_priors(thetas[2 * b], thetas[2 * b + 1])) {
      inside.push_back(thetas[2 * b]);
      inside.push_back(thetas[2 * b + 1]);
      where.push_back(b);
    }
  }
  if (where.empty()) return;
  std::vector<hyper_likelihood_value> values(where.size());
  evaluate(static_cast<const double*>(inside.data()), where.size(), values.data());
  for (std::size_t n = 0; n < where.size(); ++n) {
    out[where[n]] = cut_by_variance(values[n], variance_cut);
  }
}

}  // namespace ismc::detail

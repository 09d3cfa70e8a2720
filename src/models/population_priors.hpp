#pragma once
/// @file population_priors.hpp (private)
/// @brief The flat priors of the population hyper-parameters, shared by the
/// partial-pooling model (models/), the hyper-likelihood (population/) and the device code.

#include "ismc/core/config.hpp"

namespace ismc::detail {

/// The flat priors of the population study: θ_μ ~ U(−5, 5), θ_σ ~ U(0, 2).
inline constexpr double theta_mu_lower = -5.0;
inline constexpr double theta_mu_upper = 5.0;
inline constexpr double theta_sigma_upper = 2.0;

/// Whether (θ_μ, θ_σ) lies in the open support of the priors; NaN is outside.
ISMC_HD inline bool inside_priors(double theta_mu, double theta_sigma) {
  return theta_mu > theta_mu_lower && theta_mu < theta_mu_upper && theta_sigma > 0.0 &&
         theta_sigma < theta_sigma_upper;
}

}  // namespace ismc::detail

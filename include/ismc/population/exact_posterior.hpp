#pragma once
/// @file exact_posterior.hpp
/// @brief The exact posterior of the population parameters by quadrature: the reference
/// every method of the population study is compared with.

#include <vector>

namespace ismc {

/// The exact posterior of (θ_μ, θ_σ) given x under the flat priors, by 1-D quadrature over
/// θ_σ (x_i ~ N(θ_μ, θ_σ² + α²) marginally; θ_μ | θ_σ, x is Gaussian, truncation to
/// (−5, 5) included): midpoint rule on 20,000 cells of (0, 2); θ_μ's quantiles by
/// bisection on its mixture CDF. Throws `usage_error` for an empty or non-finite x or α
/// not finite and > 0.
struct population_exact {
  double mean_mu, sd_mu, q05_mu, q50_mu, q95_mu;
  double mean_sigma, sd_sigma, q05_sigma, q50_sigma, q95_sigma;
};
population_exact exact_population_posterior(const std::vector<double>& x, double alpha);

}  // namespace ismc

#pragma once
/// @file eight_schools.hpp
/// @brief The eight-schools hierarchical model (Rubin 1981; BDA3 §5.5) and its exact
/// posterior by one-dimensional quadrature, the reference every sampler is tested against.
///
/// Model: μ ~ N(0, 5²), τ ~ half-Cauchy(0, 5), θ_j ~ N(μ, τ²), y_j ~ N(θ_j, σ_j²),
/// j = 1..J. The samplers get it through `make_posterior("eight_schools_centered", …)` or
/// `make_posterior("eight_schools_noncentered", …)` (posterior.hpp), or directly from
/// the factories below.

#include <memory>
#include <vector>

#include "ismc/models/posterior.hpp"

namespace ismc {

/// Standard deviation of the normal prior on μ (posteriordb's `mu ~ normal(0, 5)`).
inline constexpr double eight_schools_mu_prior_sd = 5.0;
/// Scale of the half-Cauchy prior on τ (posteriordb's `tau ~ cauchy(0, 5)`, τ > 0).
inline constexpr double eight_schools_tau_prior_scale = 5.0;

/// Posterior means and standard deviations of the eight-schools parameters, on the
/// constrained scale and in the data's units.
struct eight_schools_moments {
  double mu_mean = 0.0;
  double mu_sd = 0.0;
  double tau_mean = 0.0;
  double tau_sd = 0.0;
  std::vector<double> theta_mean;  ///< one per school, in the data's order
  std::vector<double> theta_sd;    ///< one per school, in the data's order
};

/// The exact posterior moments of μ, τ and θ_1..θ_J given y and σ (J ≥ 2 schools).
///
/// Integrates θ and μ out analytically (y_j | μ, τ ~ N(μ, σ_j² + τ²); μ | τ, y and
/// θ_j | μ, τ, y are Gaussian) and integrates log τ numerically on a fine grid
/// (trapezoidal rule, 20,001 points over log τ ∈ [−30, 12]), in double precision; for
/// posteriordb's data the result does not change in its tenth digit with ten times more
/// or fewer points. Throws `usage_error` when y and σ differ in length,
/// have fewer than 2 values (τ's posterior sd is infinite for J = 1), hold a non-finite
/// value or a σ ≤ 0.
eight_schools_moments eight_schools_exact_posterior(const std::vector<double>& y,
                                                    const std::vector<double>& sigma);

/// `eight_schools_centered` on Stan data {J, y[J], sigma[J]}: q = (μ, log τ, θ_1..θ_J);
/// outputs mu, tau, theta.1..theta.J; initial values {mu, tau, theta[J]}. Throws
/// `input_error` (file "", the field named: `J`, `y`, `sigma[3]`, …) when J is missing or
/// not a positive integer, y or sigma is missing, not an array of J values or holds a
/// non-finite value, or a σ_j ≤ 0.
std::unique_ptr<posterior_model> make_eight_schools_centered(const stan_data& data);

/// `eight_schools_noncentered` on the same data: q = (μ, log τ, ν_1..ν_J), θ_j = μ + τ ν_j;
/// outputs mu, tau, nu.1..nu.J, theta.1..theta.J; initial values {mu, tau, nu[J]}.
/// Same errors.
std::unique_ptr<posterior_model> make_eight_schools_noncentered(const stan_data& data);

}  // namespace ismc

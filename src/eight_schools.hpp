#pragma once
/// @file eight_schools.hpp (private)
/// @brief The two parameterizations of eight schools as `posterior_model`s, built by
/// `make_posterior` (posterior.cpp) under their names.

#include <memory>

#include "ismc/posterior.hpp"

namespace ismc {

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

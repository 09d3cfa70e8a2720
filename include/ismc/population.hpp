#pragma once
/// @file population.hpp (kept for one release: include the headers below directly)
/// @brief Population inference from per-object posterior samples (seed 000; Hogg, Myers &
/// Bovy 2010): μ_i ~ N(θ_μ, θ_σ), x_i ~ N(μ_i, α), flat priors θ_μ ~ U(−5, 5),
/// θ_σ ~ U(0, 2). Three ways to the hyper-parameters: fitting per-object point estimates
/// (biased), the importance-sampled hyper-likelihood L̂(θ) from per-object posterior
/// samples, and the full partial-pooling model. See docs/spec/samplers.md.
///
/// The whole population layer: the samples, the hyper-likelihood, the point estimates, the
/// exact posterior and the study that runs them all.

#include "ismc/models/partial_pooling.hpp"
#include "ismc/population/exact_posterior.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/samples.hpp"

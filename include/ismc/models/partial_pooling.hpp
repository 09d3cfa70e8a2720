#pragma once
/// @file partial_pooling.hpp
/// @brief The full partial-pooling model of the population study (μ_i latent), as a
/// posterior for NUTS and as a batched density with its gradient, on the CPU or a device.

#include <memory>
#include <vector>

#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/models/posterior.hpp"

namespace ismc {

/// The full partial-pooling model on observations x with noise α: parameters θ_μ, θ_σ,
/// μ_1 … μ_n (n + 2 of them), θ_μ and θ_σ on logit scales of their uniform priors with
/// Jacobians; outputs `theta_mu`, `theta_sigma`, `mu.1` … `mu.n`; initial values
/// {theta_mu, theta_sigma, mu[n]}. The log density is Stan's lp__ for the same program:
/// the normalized log joint plus ln 20 + n ln 2π + n ln α (src/models/partial_pooling.cpp).
/// Throws `input_error` (field `x[i]`, 1-based, or `alpha`) for an empty x, a non-finite
/// x_i, or α not finite and > 0.
///
/// `kind` says where the log density and its gradient are computed: `cpu` (the reference,
/// one q at a time in the calling thread), `cuda` (`make_partial_pooling_density` on the
/// device, called with batch 1 for every gradient NUTS asks for; concurrent chains take
/// turns) or `automatic` (CUDA when compiled in, a device is present and the model has at
/// least a threshold of objects (src/models/partial_pooling_backend.hpp); the CPU otherwise).
/// Throws as `make_backend` when CUDA is asked for and cannot be had (`not_compiled` without CUDA,
/// `runtime_failure` without a device), before looking at x and α. On the device, a failing
/// CUDA call makes log_density throw `device_error`.
std::unique_ptr<posterior_model> make_partial_pooling(std::vector<double> x, double alpha,
                                                      backend_kind kind = backend_kind::cpu);

/// The partial-pooling model's log density (as `make_partial_pooling`'s, the same lp on the
/// same unconstrained q = (a, b, μ_1 … μ_n), dim n + 2) as a batched density with its
/// gradient (`has_gradient()` is true). Parameters are named `theta_mu_unconstrained`,
/// `theta_sigma_unconstrained`, `mu.1` … `mu.n`. On `cpu`: threads over the rows, at most
/// `hooks.threads` and at most one per 65,536 objects of work (batch × n), each row
/// bit-identical to `make_partial_pooling(x, alpha)->log_density` whatever the thread count;
/// `hooks.interrupt` is honoured (throws `interrupted`). On `cuda`
/// (kernels/partial_pooling.cu): x is copied to the device once; a call copies the
/// q in and lp and the gradients out, one block per row; results agree with the CPU's to
/// rounding (the sums over objects are added in another order) and are deterministic;
/// concurrent calls take turns. `automatic` without a device is the CPU; with one, calls of
/// at least a threshold of objects (src/models/partial_pooling_backend.hpp) of work (batch × n) go
/// to the device and smaller ones to the CPU. The errors as `make_partial_pooling(x, alpha, kind)`.
std::unique_ptr<batched_log_density> make_partial_pooling_density(
    std::vector<double> x, double alpha, backend_kind kind = backend_kind::cpu);

}  // namespace ismc

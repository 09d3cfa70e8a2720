#pragma once
/// @file batched.hpp
/// @brief Log densities of a batch of parameter vectors in one call: what an ensemble
/// sampler asks for once per half-ensemble, and what a GPU evaluates well.

#include <cstddef>
#include <string>
#include <vector>

#include "ismc/progress.hpp"

namespace ismc {

/// A log density evaluated for many parameter vectors at once. Implementations must be
/// safe to call concurrently on const objects.
class batched_log_density {
 public:
  virtual ~batched_log_density() = default;

  /// Number of parameters.
  virtual std::size_t dim() const = 0;

  /// Names of the parameters, for output (e.g. `theta_mu`, `theta_sigma`).
  virtual std::vector<std::string> names() const = 0;

  /// log p(θ_b) for the `batch` vectors θ_b stored row-major in `thetas` (batch × dim),
  /// written to `out` (batch values); −∞ outside the support. `hooks.threads` bounds the
  /// CPU threads used.
  virtual void log_density(const double* thetas, std::size_t batch, double* out,
                           const run_hooks& hooks = {}) const = 0;
};

}  // namespace ismc

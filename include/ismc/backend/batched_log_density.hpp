#pragma once
/// @file batched.hpp
/// @brief Log densities (and, where a sampler needs them, gradients) of a batch of
/// parameter vectors in one call: what an ensemble sampler asks for once per half-ensemble,
/// what NUTS asks for once per leapfrog step, and what a GPU evaluates well.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ismc/core/progress.hpp"

namespace ismc {

/// Where the calls of a density that routes each call by its size went: the host (the CPU
/// reference) or the device.
struct routed_calls {
  std::uint64_t cpu = 0;     ///< calls evaluated on the host
  std::uint64_t device = 0;  ///< calls evaluated on the device
};

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

  /// Whether `log_density_gradient` is implemented. The default: no.
  virtual bool has_gradient() const { return false; }

  /// log p(θ_b) and its gradient ∂ log p / ∂θ at the `batch` vectors θ_b of `thetas`
  /// (batch × dim, row-major): log p to `out` (batch values, −∞ outside the support, as
  /// `log_density` writes them) and the gradient to `gradients` (batch × dim, row-major:
  /// row b holds ∂ log p(θ_b) / ∂θ_b[0 … dim)). A row whose log p is −∞ gets an
  /// unspecified gradient (possibly NaN). `hooks` as for `log_density`. The default throws
  /// `usage_error` naming the density: only densities whose `has_gradient()` is true
  /// implement it.
  virtual void log_density_gradient(const double* thetas, std::size_t batch, double* out,
                                    double* gradients, const run_hooks& hooks = {}) const;

  /// For a density that sends each call to the host or the device by the call's size (an
  /// `automatic` backend with a device): the calls (`log_density` and
  /// `log_density_gradient`) made so far, per side. Empty, the default, for a density that
  /// runs every call in one place.
  virtual std::optional<routed_calls> calls_by_side() const { return std::nullopt; }
};

}  // namespace ismc

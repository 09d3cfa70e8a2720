#pragma once
/// @file point_estimates.hpp
/// @brief The point-estimate method of the population study: θ fitted to per-object
/// medians as if they were exact (biased; the seed's warning).

#include <cstddef>
#include <string>
#include <vector>

#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/population/samples.hpp"

namespace ismc {

/// The point-estimate method the seed warns against: θ fitted to per-object medians m_i as
/// if they were exact, ln L = Σ ln N(m_i; θ_μ, θ_σ) (normalized densities), with the same
/// flat priors (−∞ outside, their constant dropped). Throws `input_error` (field `medians`)
/// for no medians or a non-finite one.
class point_estimate_posterior : public batched_log_density {
 public:
  explicit point_estimate_posterior(std::vector<double> medians);
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"theta_mu", "theta_sigma"}; }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks = {}) const override;

 private:
  std::vector<double> medians_;
  double mean_ = 0.0;     ///< m̄
  double squares_ = 0.0;  ///< Q = Σ (m_i − m̄)²
};

/// Per-object medians of the samples (the point estimates); for an even count the mean of
/// the two middle values. Validates the samples (throws as `validate`).
std::vector<double> sample_medians(const population_samples& samples);

}  // namespace ismc

#pragma once
/// @file ensemble.hpp
/// @brief The affine-invariant ensemble sampler of Goodman & Weare (2010) with emcee's
/// stretch move: red–blue halves, one batched log-density call per half.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/progress.hpp"

namespace ismc {

/// Settings of an ensemble run.
struct ensemble_config {
  std::size_t walkers = 32;  ///< at least 2 × dim, even
  std::size_t steps = 2000;  ///< iterations, every one recorded
  double stretch = 2.0;      ///< emcee's a
  std::uint64_t seed = 0;
  std::vector<double> initial;  ///< walkers × dim starting points (finite log density)
};

/// Every walker's position at every step.
struct ensemble_result {
  std::size_t walkers = 0, steps = 0, dim = 0;
  std::vector<double> chain;           ///< [step][walker][dim], row-major
  std::vector<double> log_density;     ///< [step][walker]
  std::vector<double> acceptance;      ///< per walker: accepted / steps
  double acceptance_fraction() const;  ///< mean over walkers
};

/// Runs the sampler. Throws `usage_error` for too few walkers (< 2 × dim, or odd), a bad
/// start (wrong size, non-finite log density) or a bad stretch (≤ 1).
ensemble_result run_ensemble(const batched_log_density& target, const ensemble_config& config,
                             const run_hooks& hooks = {});

/// emcee's integrated autocorrelation time of one series per walker (`series[walker][step]`):
/// the FFT autocorrelation averaged over walkers, Sokal's automatic window with c = 5.
struct autocorrelation_time {
  double tau = 0.0;
  bool reliable = true;  ///< false when steps < 50 τ (emcee's tolerance): warn
};
autocorrelation_time integrated_autocorrelation_time(const std::vector<std::vector<double>>& series,
                                                     double c = 5.0, double tolerance = 50.0);

}  // namespace ismc

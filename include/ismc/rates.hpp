#pragma once
/// @file rates.hpp
/// @brief Estimating rejection rates over a set of targets: plain Monte Carlo and
/// mixture importance sampling.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ismc/backend.hpp"
#include "ismc/model.hpp"
#include "ismc/progress.hpp"
#include "ismc/study.hpp"

namespace ismc {

/// The estimate at one target: one row of the output CSV.
struct rate_row {
  std::vector<double> theta;    ///< the target θ_j
  double estimate = 0.0;        ///< f̂_j
  double std_error = 0.0;       ///< estimated standard error of f̂_j
  double ci_low = 0.0;          ///< two-sided interval at the study's confidence
  double ci_high = 1.0;
  double upper_bound = 1.0;     ///< one-sided upper bound at the study's confidence
  std::uint64_t sims = 0;       ///< simulations spent per target (all stages)
  rate_method method = rate_method::plain;
  std::optional<double> exact;  ///< the exact rate, when the test has one
  std::uint64_t rejections = 0; ///< plain: R; importance: rejections among the pilot
  std::optional<double> ess;           ///< importance: effective sample size
  std::optional<double> ess_per_sim;   ///< importance: ESS over simulations per target
};

/// The result of a study: rows in target order, plus what a reader needs to trust them.
struct rates_result {
  std::vector<rate_row> rows;
  std::vector<std::string> warnings;  ///< fallbacks and other notes for the output
  std::string backend;                ///< the backend that ran it
};

/// Plain Monte Carlo at every target: R/N, its standard error sqrt(f̂(1 − f̂)/N), the
/// Clopper–Pearson interval and upper bound at `run.confidence`.
/// @param targets row-major, n_targets × model.dim()
rates_result estimate_plain(const model& model, const std::vector<double>& targets,
                            const run_spec& run, const plain_spec& plain, backend& backend,
                            const run_hooks& hooks = {});

/// Runs a study with a given model (a program's own test, say): dispatches on
/// `study.run.method`. The study's model and test sections are not used.
rates_result run_rates(const model& model, const rates_study& study, backend& backend,
                       const run_hooks& hooks = {});

/// Validates a study, builds its model and runs it.
rates_result run_rates(const rates_study& study, backend& backend, const run_hooks& hooks = {});

}  // namespace ismc

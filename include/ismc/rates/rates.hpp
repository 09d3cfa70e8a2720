#pragma once
/// @file rates.hpp
/// @brief Estimating rejection rates over a set of targets: plain Monte Carlo and
/// mixture importance sampling.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/rates/study.hpp"

namespace ismc {

/// The estimate at one target: one row of the output CSV.
struct rate_row {
  std::vector<double> theta;  ///< the target θ_j
  double estimate = 0.0;      ///< f̂_j
  double std_error = 0.0;     ///< estimated standard error of f̂_j
  double ci_low = 0.0;        ///< two-sided interval at the study's confidence
  double ci_high = 1.0;
  double upper_bound = 1.0;  ///< one-sided upper bound at the study's confidence
  std::uint64_t sims = 0;    ///< simulations spent per target (all stages)
  rate_method method = rate_method::plain;
  std::optional<double> exact;        ///< the exact rate, when the test has one
  std::uint64_t rejections = 0;       ///< plain: R; importance: rejections among the pilot
  std::optional<double> ess;          ///< importance: effective sample size
  std::optional<double> ess_per_sim;  ///< importance: ESS over simulations per target
  std::optional<bool> null_tile;      ///< validate, calibrate: the tile meets the null region
  std::optional<double> tile_bound;   ///< validate: the Tilt-Bound of upper_bound over the tile
  std::optional<double> tilt_slack;   ///< validate: tile_bound − upper_bound
  std::optional<double> alpha0;       ///< calibrate, null tiles: the inverse Tilt-Bound of α
  std::optional<double> threshold;    ///< calibrate, null tiles: the m-th largest statistic
};

/// How an importance-sampling run chose its proposals: enough to see why an estimate is
/// what it is.
struct importance_details {
  std::uint64_t pilot_sims = 0;                 ///< pilot simulations per target (after doublings)
  std::vector<std::uint64_t> pilot_rejections;  ///< per target
  std::size_t clusters = 0;                     ///< clusters C actually used
  std::vector<double> cluster_centres;          ///< C × model.cluster_size(), the k-means centres
  std::vector<std::uint64_t> cluster_sizes;     ///< pilot rejections nearest to each centre
  std::vector<double> proposals;  ///< K × dim: the J targets' own, then the C clusters'
  mixture_weights weights;        ///< sparse, per target
  /// Per target: the target whose pilot counts set its cluster weights; itself when it had
  /// pilot rejections, else the nearest target (Euclidean in θ) that had some.
  std::vector<std::size_t> weight_source;
  std::uint64_t sims_per_proposal = 0;  ///< N
  double sims_per_target = 0.0;         ///< every simulation of the study over J
};

/// The result of a study: rows in target order, plus what a reader needs to trust them.
struct rates_result {
  std::vector<rate_row> rows;
  std::vector<std::string> warnings;  ///< fallbacks and other notes for the output
  std::string backend;                ///< the backend that ran it
  /// Where each stage that ran did run (`cpu` or `cuda`), in run order: a model without a
  /// device form runs on the host under any backend, and then `warnings` says so once.
  std::vector<stage_record> stages;
  std::optional<importance_details> importance;   ///< set by importance-sampling runs
  std::optional<tile_summary> tiles;              ///< set by method validate
  std::optional<calibration_result> calibration;  ///< set by method calibrate
};

/// Plain Monte Carlo at every target: R/N, its standard error sqrt(f̂(1 − f̂)/N), the
/// Clopper–Pearson interval and upper bound at `run.confidence`.
/// @param targets row-major, n_targets × model.dim()
rates_result estimate_plain(const model& model, const std::vector<double>& targets,
                            const run_spec& run, const plain_spec& plain, backend& backend,
                            const run_hooks& hooks = {});

/// Mixture importance sampling at every target (the spec's pipeline): pilot simulations,
/// k-means on the pooled rejections, weights, importance simulations, the balance-heuristic
/// estimate, its standard error and effective sample size. Falls back to plain Monte Carlo
/// on the pilot, with a warning, when the pilot sees no rejection even after doubling
/// `max_pilot_doublings` times.
rates_result estimate_importance(const model& model, const std::vector<double>& targets,
                                 const run_spec& run, const importance_spec& importance,
                                 backend& backend, const run_hooks& hooks = {});

/// Rows of plain Monte Carlo from rejection counts (R_j of N at each target).
std::vector<rate_row> plain_rows(const model& model, const std::vector<double>& targets,
                                 const std::vector<std::uint64_t>& rejections, std::uint64_t sims,
                                 double confidence);

/// Runs a study with a given model (a program's own test, say): dispatches on
/// `study.run.method`. The study's model and test sections are not used.
rates_result run_rates(const model& model, const rates_study& study, backend& backend,
                       const run_hooks& hooks = {});

/// Validates a study, builds its model and runs it.
rates_result run_rates(const rates_study& study, backend& backend, const run_hooks& hooks = {});

/// `run_rates(study, ...)` for a study that already passed `validate` (as `io::load_study`
/// returns it; changing `run.seed` keeps it valid): the study is not checked again.
rates_result run_rates(validated_t, const rates_study& study, backend& backend,
                       const run_hooks& hooks = {});

}  // namespace ismc

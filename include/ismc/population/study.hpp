#pragma once
/// @file study.hpp
/// @brief The population study (seed 000) as a value, and its run: three ways to the
/// population's hyper-parameters θ = (θ_μ, θ_σ) — (a) fitting per-object point estimates,
/// (b) the importance-sampled hyper-likelihood L̂(θ) with the ensemble sampler, (c) NUTS on
/// the full partial-pooling model — each next to the exact posterior. `ismc population`
/// reads the study from a TOML file (io/population_study_file.hpp); a program may build it
/// directly. The run does no I/O: it returns numbers, and reports progress through
/// `run_hooks`.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/population/exact_posterior.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/ensemble.hpp"

namespace ismc {

/// A population study, every default filled in. Field names in messages are those of the
/// study file (`section.key`, io/population_study_file.hpp).
struct population_study {
  bool simulate = true;        ///< [data] simulate: draw the data from `setting` and `seed`
  population_setting setting;  ///< [data] objects, theta_mu, theta_sigma, alpha, samples_per_object
  std::string samples_path;    ///< [data] samples: the per-object samples (with simulate = false)
  std::string x_path;          ///< [data] x: the observations, one per object (optional)
  bool alpha_given = false;    ///< with read samples: whether [data] alpha was given
  std::uint64_t seed = 42;     ///< [run] seed: of the simulation and of every sampler
  bool point = true;           ///< [methods] point: the ensemble on the point estimates
  bool importance = true;      ///< [methods] importance: the ensemble on L̂
  bool nuts = true;            ///< [methods] nuts: NUTS on the partial-pooling model
  std::size_t walkers = 32;    ///< [ensemble] walkers: even, ≥ 4
  std::size_t steps = 2000;    ///< [ensemble] steps
  std::size_t burn = 500;      ///< [ensemble] burn: steps dropped, < steps
  std::size_t chains = 4;      ///< [nuts] chains
  std::size_t warmup = 1000;   ///< [nuts] warmup: iterations per chain
  std::size_t draws = 1000;    ///< [nuts] draws: iterations per chain
  /// [likelihood] variance_cut: ln L̂ = −∞ where its variance σ² exceeds this (> 0)
  double variance_cut = std::numeric_limits<double>::infinity();
  /// [likelihood] precision: "double" (the default) or "mixed", the CPU's exponentials of L̂
  /// (`hyper_likelihood_precision`: mixed is faster, |Δ ln L̂| ≤ 1.2e-9 per object)
  hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision;
};

/// Checks that a study is consistent: simulated data (objects ≥ 2, samples_per_object ≥ 1,
/// θ_σ > 0, α > 0) or a samples file (then alpha > 0 when given, and x and alpha with
/// NUTS), at least one method, walkers even and ≥ 4, burn < steps, chains and draws ≥ 1,
/// variance_cut > 0. Throws `input_error` (file "", the field named as in the study file,
/// the value and what was expected).
void validate(const population_study& study);

/// A study ready to run: its data, and the targets of the hyper-likelihood and of NUTS set
/// up on their backend.
struct prepared_population_study {
  population_study study;
  /// The samples and observations (`x` empty where a read study has none; `mu`, the true
  /// values, only for simulated data).
  population_data data;
  std::unique_ptr<batched_log_density> importance_target;  ///< with study.importance
  std::unique_ptr<posterior_model> nuts_model;             ///< with study.nuts
};

/// Validates `study` and sets up what it runs on: the data, simulated from
/// (`study.setting`, `study.seed`) when `study.simulate`, else `read` (the samples and
/// observations of its files, as io::read_population_data reads them: validated, one
/// observation per object or none); then the hyper-likelihood (with study.importance) and
/// the partial-pooling model (with study.nuts) on `backend`, so that a backend that cannot
/// be had fails here, before any sampling. Throws `input_error` for a bad study or data
/// (field `samples`, `log_p0` or `x`), `usage_error` for `read` data with a simulated
/// study, and as `make_hyper_likelihood` and `make_partial_pooling` for the backend.
prepared_population_study prepare_population_study(const population_study& study,
                                                   backend_kind backend = backend_kind::cpu,
                                                   population_data read = {});

/// `prepare_population_study` for a study that passed `validate` and data that passed its
/// checks (as `io::load_population_study` and `io::read_population_data` return them;
/// changing `study.seed` keeps them valid): nothing is checked again.
prepared_population_study prepare_population_study(validated_t, const population_study& study,
                                                   backend_kind backend, population_data read);

/// The methods of the study, in the order they run.
enum class population_method {
  point,       ///< the ensemble on the point estimates (per-object medians)
  importance,  ///< the ensemble on the importance-sampled hyper-likelihood L̂
  nuts,        ///< NUTS on the full partial-pooling model
};

/// `point`, `importance` or `nuts`.
std::string to_string(population_method method);

/// What one method found.
struct population_method_result {
  population_method method = population_method::point;
  /// The kept draws, [walker or chain][draw]: for the ensemble every walker at steps
  /// `first_step` … steps − 1; for NUTS every chain's sampling draws. lp is the log density
  /// the sampler saw (the ensemble's target; NUTS's lp__).
  std::vector<std::vector<double>> lp, theta_mu, theta_sigma;
  std::size_t first_step = 0;         ///< the ensemble: the step of the first kept draw (burn)
  parameter_summary summary_mu{};     ///< of theta_mu
  parameter_summary summary_sigma{};  ///< of theta_sigma
  /// The ensemble: the mean fraction of accepted moves, and the integrated
  /// autocorrelation times of the kept θ_μ and θ_σ.
  double acceptance_fraction = 0.0;
  autocorrelation_time tau_mu, tau_sigma;
  std::size_t divergent = 0;  ///< NUTS: divergent transitions over all chains' draws
  /// The importance method on an `automatic` backend with a device, whose hyper-likelihood
  /// sends each batched call to the host or the device by its size: this run's calls per
  /// side. Empty where every call ran in one place (the backend's).
  std::optional<routed_calls> calls_by_side;
};

/// Everything a population study found.
struct population_study_result {
  std::uint64_t seed = 0;                 ///< the study's seed
  std::size_t objects = 0;                ///< objects in the data
  std::vector<double> x;                  ///< the observations (empty when the study has none)
  std::optional<population_exact> exact;  ///< the exact posterior, when x is known
  std::vector<population_method_result> methods;  ///< the study's methods, in run order
};

/// Runs a prepared study: each method in turn (point, importance, nuts, those switched
/// on), the ensemble started in a small ball around the per-object medians' mean and
/// spread, NUTS as `run_nuts_chains` (Stan's defaults but warmup and draws); then the
/// summaries and the exact posterior. Deterministic in the study's seed whatever
/// `hooks.threads`. Reports each sampler's progress through `hooks`; throws `interrupted`
/// when `hooks.interrupt` is set.
population_study_result run_population_study(const prepared_population_study& prepared,
                                             const run_hooks& hooks = {});

/// `run_population_study(prepare_population_study(study, backend, read), hooks)`.
population_study_result run_population_study(const population_study& study,
                                             const run_hooks& hooks = {},
                                             backend_kind backend = backend_kind::cpu,
                                             population_data read = {});

}  // namespace ismc

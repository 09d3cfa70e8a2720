#pragma once
// `ismc population STUDY.toml`: the seed-000 comparison of three ways to the population's
// hyper-parameters (θ_μ, θ_σ): (a) fitting per-object point estimates, (b) the
// importance-sampled hyper-likelihood with the ensemble sampler, (c) NUTS on the full
// partial-pooling model, each next to the exact posterior.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "ismc/population/samples.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/exact_posterior.hpp"
#include "ismc/models/partial_pooling.hpp"

namespace ismc::cli {

/// A population study, every default filled in. The file format:
///
///     [data]
///     simulate = true            # simulate the seed's setting ...
///     objects = 1000
///     theta_mu = 0.0
///     theta_sigma = 1.0
///     alpha = 1.0                # measurement noise; needed for nuts and the exact posterior
///     samples_per_object = 1000
///     # samples = "samples.csv"  # ... or read per-object samples: columns object,value[,log_p0]
///     # x = "observations.csv"   # observations, header x, one per object in order of first
///                                #   appearance in the samples file (needed for nuts)
///     [run]
///     seed = 42
///     [methods]
///     point = true
///     importance = true
///     nuts = true
///     [ensemble]
///     walkers = 32               # even, at least 4 (2 × the dimension)
///     steps = 2000
///     burn = 500
///     [nuts]
///     chains = 4
///     warmup = 1000
///     draws = 1000
///     [likelihood]
///     variance_cut = 1.0         # optional: ln L̂ = −∞ where its variance σ² exceeds this
struct population_study {
  bool simulate = true;
  population_setting setting;
  std::string samples_path;
  std::string x_path;
  bool alpha_given = false;  ///< with read samples: whether [data] alpha was given
  std::uint64_t seed = 42;
  bool point = true;
  bool importance = true;
  bool nuts = true;
  std::size_t walkers = 32;
  std::size_t steps = 2000;
  std::size_t burn = 500;
  std::size_t chains = 4;
  std::size_t warmup = 1000;
  std::size_t draws = 1000;
  double variance_cut = std::numeric_limits<double>::infinity();
};

/// Reads and checks a population study file (errors name the file, line and field).
population_study load_population_study(const std::string& path);
population_study parse_population_study(const std::string& text, const std::string& source_name);

/// Reads per-object samples from a CSV with columns `object,value` and optionally
/// `log_p0`; objects in order of first appearance. Errors name the file and line.
population_samples read_population_samples(const std::string& path);

/// Reads observations: a CSV with header `x`, one value per row.
std::vector<double> read_observations(const std::string& path);

/// The flags of `ismc population`.
struct population_options {
  std::string study_path;
  std::string out_dir = ".";
  std::optional<std::uint64_t> seed;
  std::string backend = "auto";
  unsigned threads = 0;
  bool quiet = false;
};

/// Runs `ismc population`; returns the exit code.
int run_population_command(const population_options& options);

}  // namespace ismc::cli

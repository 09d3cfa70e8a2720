#pragma once
/// @file population_study_file.hpp
/// @brief Reads a population study from a TOML file into an `ismc::population_study`, and
/// the data files it names (per-object samples, observations) into the population layer's
/// values.
///
/// The format (every key is shown with its default; every section and key is optional):
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
///     precision = "double"       # or "mixed": exponentials to 1.2e-9 relative, sums in
///                                # double (|Δ ln L̂| ≤ 1.2e-9 per object), faster on AVX-512
///
/// Rules: only these sections and keys exist; any other (a typo) is an error. `samples`
/// goes with simulate = false (or no simulate); the keys of the simulated setting
/// (objects, theta_mu, theta_sigma, samples_per_object) are then errors. Every value is
/// checked by `ismc::validate`.
///
/// Every error is an `ismc::input_error` naming the file, the line, the field
/// (`section.key`), the value and what was expected, e.g.
/// `study.toml:12: field 'ensemble.walkers': got 2, expected an even integer >= 4 (…)`.

#include <string>
#include <vector>

#include "ismc/population/samples.hpp"
#include "ismc/population/study.hpp"

namespace ismc::io {

/// Reads and validates the population study file at `path`. A relative `[data] samples`
/// or `x` path is taken relative to the study file's folder (so a study and its data move
/// together); the returned study holds the resolved path.
/// @throws ismc::input_error when the file cannot be read, is not valid TOML, or
///         describes an invalid study (the message names file, line and field).
population_study load_population_study(const std::string& path);

/// Parses and validates population study text; `source_name` names it in error messages
/// (a path). Data paths are kept as written. @throws ismc::input_error as `load_population_study`.
population_study parse_population_study(const std::string& text, const std::string& source_name);

/// Reads per-object samples from a CSV with columns `object,value` and optionally
/// `log_p0` (in any order, other columns ignored); objects in order of first appearance,
/// blank lines skipped. @throws ismc::input_error naming the file and line (and the field
/// `value` or `log_p0`) for a missing header, a short row, or a value that is not a finite
/// number.
population_samples read_population_samples(const std::string& path);

/// Reads observations: a CSV with header `x`, one finite value per row.
/// @throws ismc::input_error naming the file and line otherwise.
std::vector<double> read_observations(const std::string& path);

/// The data files of a study that reads its data (`study.simulate` false): the samples of
/// `study.samples_path`, validated (`ismc::validate`), and the observations of
/// `study.x_path` when given, one per object. Empty data for a simulated study (nothing to
/// read). What `prepare_population_study` takes as `read`.
/// @throws ismc::input_error naming the file for unreadable or invalid data, or a count of
///         observations other than the number of objects.
population_data read_population_data(const population_study& study);

}  // namespace ismc::io

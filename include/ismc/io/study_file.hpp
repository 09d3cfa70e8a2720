#pragma once
/// @file study_file.hpp
/// @brief Reads a rates study from a TOML file into an `ismc::rates_study`.
///
/// The format (every key is shown; `#` marks the defaults of optional keys):
///
///     [model]                      # required section
///     family = "gaussian"          # optional; the only family so far
///     dim = 1                      # REQUIRED: dimension of theta, in [1, 64]
///
///     [test]                       # required section
///     kind = "one_sided"           # REQUIRED: one_sided | two_sided | sum | max | norm
///     critical = 1.96              # REQUIRED: critical value c (on ||x||^2 for norm)
///
///     [grid]                       # REQUIRED: either a Cartesian grid ...
///     lower = [-2.0]               #   one value per coordinate
///     upper = [2.0]                #   lower <= upper
///     points = [11]                #   points per coordinate (1: just `lower`)
///     # thetas = [[0.0], [1.5]]    # ... or an explicit list of targets (not both)
///
///     [run]                        # optional section
///     method = "plain"             # plain | importance | validate | calibrate
///     seed = 42                    # integer >= 0 (the --seed flag overrides it)
///     confidence = 0.99            # in (0, 1), for intervals and upper bounds
///     common_random_numbers = true
///     chunk_targets = 10000        # targets per chunk under --out-dir, > 0
///
///     [plain]                      # optional; used when method = "plain"
///     sims = 100000                # simulations per target, > 0
///
///     [importance]                 # optional; used when method = "importance"
///     pilot_sims = 1000            # pilot simulations per target, > 0
///     clusters = 5                 # k-means clusters, > 0
///     self_weight = 0.01           # in (0, 1]
///     sims_per_proposal = 1000     # importance simulations per proposal, > 1
///     kmeans_restarts = 10
///     kmeans_max_iterations = 300
///     kmeans_subsample = 100000
///     max_pilot_doublings = 10     # >= 0
///
///     [tiles]                      # optional; for method = "validate" and "calibrate"
///     radii = [0.05]               # half-widths in natural coordinates, >= 0; default
///                                  #   half the grid spacing (required with thetas and
///                                  #   for the t-test)
///     [null]                       # optional; required for method = "calibrate"
///     normals = [[1.0]]            # the null region a_k . eta <= b_k
///     offsets = [0.0]              #   one b_k per normal
///     [validate]                   # optional; used when method = "validate"
///     estimator = "plain"          # plain | importance
///     [calibrate]                  # optional; used when method = "calibrate"
///     alpha = 0.025                # in (0, 1)
///     sims = 65536                 # K statistics per null tile, > 0
///
/// Rules: only these sections and keys exist; any other (a typo) is an error, also in a
/// section whose method the study does not use. Where a float is expected an integer is
/// accepted (`critical = 2`), never the reverse. `inf` and `nan` are rejected. Grid
/// coordinates run in grid order, the last one fastest. Every value is checked by
/// `ismc::validate`, also in the section of a method the study does not use.
///
/// Every error is an `ismc::input_error` naming the file, the line, the field
/// (`section.key`), the value and what was expected, e.g.
/// `study.toml:7: field 'plain.sims': got -5, expected an integer > 0`.

#include <string>

#include "ismc/rates/study.hpp"

namespace ismc::io {

/// Reads and validates the study file at `path`; its memory is checked as `scope` holds the
/// study (`ismc::validate`).
/// @throws ismc::input_error when the file cannot be read, is not valid TOML, or
///         describes an invalid study (the message names file, line and field).
rates_study load_study(const std::string& path, memory_scope scope = memory_scope::whole);

/// Parses and validates study text; `source_name` names it in error messages (a path).
/// @throws ismc::input_error as `load_study`.
rates_study parse_study(const std::string& text, const std::string& source_name,
                        memory_scope scope = memory_scope::whole);

}  // namespace ismc::io

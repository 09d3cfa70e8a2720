#pragma once
/// @file study.hpp
/// @brief A rejection-rate study as a value: every field resolved, every default filled.
/// The CLI builds it from a TOML file; a program may build it directly.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/tiles.hpp"

namespace ismc {

/// `[model]`: the parametric family.
struct model_spec {
  /// "gaussian" (X ~ N(θ, I_dim)), "normal_unknown_variance" (n observations of
  /// N(μ, σ²), θ = (μ, σ); rates/t_test.hpp) or "binomial" (arms y_i ~ Binomial(n_i, p_i),
  /// θ_i = logit p_i; rates/binomial.hpp).
  std::string family = "gaussian";
  std::size_t dim = 1;             ///< dimension of θ (2 for normal_unknown_variance)
  std::uint64_t observations = 0;  ///< normal_unknown_variance: n ≥ 2; unused otherwise
  /// binomial: trials n_i per arm, 1 ≤ n_i ≤ 10⁶, 1 to 8 arms (dim is their number).
  std::vector<std::uint64_t> trials;
};

/// `[test]`: the test and its critical value.
struct test_spec {
  test_kind kind = test_kind::one_sided;
  double critical = 1.96;  ///< c; on ‖x‖² for the `norm` test, on t for `t`
};

/// `[grid]`: a Cartesian grid (lower, upper, points per coordinate) or an explicit list.
struct grid_spec {
  std::vector<double> lower;
  std::vector<double> upper;
  std::vector<std::size_t> points;
  std::vector<std::vector<double>> thetas;  ///< explicit targets; used when not empty
};

/// How rates are estimated: `validate` bounds every tile (rates/validate.hpp), `calibrate`
/// calibrates the critical value over the null region (rates/calibrate.hpp).
enum class rate_method { plain, importance, validate, calibrate };

/// `plain`, `importance`, `validate` or `calibrate`.
std::string to_string(rate_method method);

/// `[run]`: settings common to every method.
struct run_spec {
  rate_method method = rate_method::plain;
  std::uint64_t seed = 42;
  double confidence = 0.99;           ///< in (0, 1): for intervals and upper bounds
  bool common_random_numbers = true;  ///< one noise stream for all targets
  /// Targets per chunk when the study runs in a study directory (`--out-dir`): each chunk
  /// is computed and logged whole; the rows do not depend on it. > 0.
  std::uint64_t chunk_targets = 10000;
};

/// `[plain]`: plain Monte Carlo.
struct plain_spec {
  std::uint64_t sims = 100000;  ///< simulations per target, > 0
};

/// `[importance]`: mixture importance sampling (the seed's defaults).
struct importance_spec {
  std::uint64_t pilot_sims = 1000;          ///< pilot simulations per target
  std::size_t clusters = 5;                 ///< k-means clusters C
  double self_weight = 0.01;                ///< weight on the target's own parameter, (0, 1]
  std::uint64_t sims_per_proposal = 1000;   ///< importance simulations per proposal
  std::size_t kmeans_restarts = 10;         ///< k-means++ restarts; the best inertia wins
  std::size_t kmeans_max_iterations = 300;  ///< Lloyd iterations per restart
  std::size_t kmeans_subsample = 100000;    ///< cluster at most this many pooled rejections
  std::size_t max_pilot_doublings = 10;     ///< pilot doublings when nothing is rejected
};

/// A whole rates study.
struct rates_study {
  model_spec model;
  test_spec test;
  grid_spec grid;
  run_spec run;
  plain_spec plain;
  importance_spec importance;
  tiles_spec tiles;            ///< `[tiles]`: the boxes around the targets
  null_spec null;              ///< `[null]`: the null region
  validate_spec validation;    ///< `[validate]`
  calibrate_spec calibration;  ///< `[calibrate]`
};

/// The targets of a grid, row-major (count × dim), in grid order: the last coordinate
/// varies fastest. Explicit `thetas` are returned as listed.
std::vector<double> grid_targets(const grid_spec& grid, std::size_t dim);

/// What the memory limit (core/memory.hpp) is checked against. `whole`: every row of the
/// study is held until the end (`estimate_rates`, `ismc rates --out`). `chunked`: the study
/// runs in a study directory (`ismc rates --out-dir`): the targets' parameters and the
/// importance plan are held for the whole study, the rows and the simulations' counts one
/// chunk (`run.chunk_targets` targets) at a time.
enum class memory_scope { whole, chunked };

/// Checks every field of a study; throws `input_error` naming the field otherwise. The size
/// of the grid and of the simulations is checked against the memory limit as `scope` holds
/// them.
void validate(const rates_study& study, memory_scope scope = memory_scope::whole);

/// Builds the model a study describes.
std::unique_ptr<model> make_model(const model_spec& model, const test_spec& test);

}  // namespace ismc

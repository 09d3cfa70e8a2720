#pragma once
/// @file tiles.hpp
/// @brief Tiles and the null region: each target is the centre of a box in the model's
/// natural coordinates, and the null region is an intersection of half-spaces a·η ≤ b
/// there; with the settings of the methods that use them (`validate`, `calibrate`).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ismc {

struct rates_study;

/// `[tiles]`: the half-widths of every tile, in natural coordinates.
struct tiles_spec {
  /// One radius ≥ 0 per natural coordinate, the same for every tile; empty: half the grid
  /// spacing of a Cartesian grid (a grid of natural coordinates: Gaussian and binomial);
  /// required with an explicit `grid.thetas` and for the t-test (whose grid is in (μ, σ)).
  std::vector<double> radii;
};

/// `[null]`: the null region {η : a_k·η ≤ b_k for every k}, in natural coordinates (the
/// user coordinates for the Gaussian and binomial families; for the t-test μ ≤ 0 is η₀ ≤ 0).
struct null_spec {
  std::vector<std::vector<double>> normals;  ///< a_k, one per half-space, each of length dim
  std::vector<double> offsets;               ///< b_k, one per half-space
  /// True when the study gave a null region.
  bool given() const { return !normals.empty(); }
};

/// `[validate]`: which estimator's upper bounds the Tilt-Bound carries to the tiles.
struct validate_spec {
  /// False: plain Monte Carlo (Clopper–Pearson); true: importance sampling (the
  /// Chernoff–Hoeffding bound on the grouped terms).
  bool importance = false;
};

/// `[calibrate]`: the calibration of the critical value.
struct calibrate_spec {
  double alpha = 0.025;        ///< the type I error to control over the null region, (0, 1)
  std::uint64_t sims = 65536;  ///< K: simulated statistics per null tile
};

/// The tiles of a study: centres and radii in natural coordinates, and which tiles count
/// for the type I error.
struct tile_set {
  std::size_t dim = 0;           ///< natural dimension
  std::vector<double> centres;   ///< row-major, one η₀ per target, in target order
  std::vector<double> radii;     ///< dim values, the same for every tile
  std::vector<char> meets_null;  ///< per tile: 1 when it meets the null region
};

/// What method `validate` found over the tiles: the summary line.
struct tile_summary {
  double largest_bound = 0.0;  ///< the largest tile bound over the null tiles
  std::size_t tile = 0;        ///< the target (tile) where it is, in target order
  std::size_t null_tiles = 0;  ///< tiles that meet the null region
  bool over_null = false;      ///< false: the study gave no [null], the largest is over every tile
  /// Tiles whose importance bound exceeds plain Monte Carlo's at equal cost (target order).
  std::vector<std::size_t> weaker_than_plain;
};

/// What method `calibrate` found: the critical value and the tile that set it.
struct calibration_result {
  double critical = 0.0;   ///< the largest threshold over the null tiles; reject when s > critical
  double alpha = 0.0;      ///< the type I error controlled over the null region
  std::uint64_t sims = 0;  ///< K, statistics simulated per null tile
  std::size_t tile = 0;    ///< the null tile (target index) whose threshold is the critical
  std::size_t null_tiles = 0;  ///< tiles calibrated on
  /// The largest exact rate at `critical` over the null tiles' centres and vertices (in user
  /// coordinates), where the model has an exact rate.
  std::optional<double> exact_type_i_error;
};

/// A point of the box centre ± radii that lies in the null region (a·η ≤ b + 1e-9·scale for
/// every half-space), or nullopt when there is none. One half-space: the closed form
/// a·η₀ − Σ|a_i| r_i ≤ b; several: phase 1 of a dense simplex (Bland's rule) on the box.
/// Borderline cases count as meeting (conservative for the type I error).
std::optional<std::vector<double>> null_point_in_tile(const std::vector<double>& centre,
                                                      const std::vector<double>& radii,
                                                      const null_spec& null);

/// Whether the box centre ± radii meets the null region (`null_point_in_tile`); every
/// tile meets a region that was not given.
bool tile_meets_null(const std::vector<double>& centre, const std::vector<double>& radii,
                     const null_spec& null);

/// The radii of a study's tiles: `tiles.radii`, or half the grid spacing per coordinate.
/// @throws input_error naming `tiles.radii` when it is needed and missing
std::vector<double> tile_radii(const rates_study& study);

/// The tiles of a validated study: its targets in natural coordinates, the radii, and
/// which tiles meet the null region.
tile_set make_tiles(const rates_study& study);

/// Checks `[tiles]`, `[null]`, `[validate]` and `[calibrate]` (every section, used or not);
/// for methods `validate` and `calibrate` also that the tiles can be formed (radii given
/// or a Cartesian grid of natural coordinates with at least 2 points per coordinate) and,
/// for `calibrate`, that a null region is given. Called by `validate(const rates_study&)`.
/// @throws input_error naming the field, its value and what was expected
void validate_region(const rates_study& study);

}  // namespace ismc

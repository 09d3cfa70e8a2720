#include "ismc/rates/tiles.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/rates/study.hpp"
#include "ismc/rates/t_test.hpp"
#include "ismc/rates/tilt_bound.hpp"

namespace ismc {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw input_error("", 0, field, message);
}

// Slack allowed on a·η ≤ b, relative to the scale of the half-space and the box: a tile
// that only grazes the boundary counts (conservative for the type I error).
double tolerance(const std::vector<double>& normal, double offset,
                 const std::vector<double>& centre, const std::vector<double>& radii) {
  double scale = std::fabs(offset);
  for (std::size_t n = 0; n < normal.size(); ++n)
    scale += std::fabs(normal[n]) * (std::fabs(centre[n]) + radii[n]);
  return 1e-9 * std::max(scale, 1.0);
}

// Phase 1 of the simplex method (dense tableau, Bland's rule) for {x ≥ 0 : A x ≤ b}: a
// feasible x, or nullopt. `rows` × `columns` matrix A, row-major.
std::optional<std::vector<double>> feasible_point(const std::vector<double>& a,
                                                  const std::vector<double>& b, std::size_t columns,
                                                  double slack) {
  const std::size_t rows = b.size();
  std::vector<std::size_t> artificial_row;
  for (std::size_t i = 0; i < rows; ++i)
    if (b[i] < 0.0) artificial_row.push_back(i);
  // Columns: x (columns), slacks (rows), artificials, then the right-hand side.
  const std::size_t width = columns + rows + artificial_row.size() + 1;
  const std::size_t rhs = width - 1;
  std::vector<double> t(rows * width, 0.0);
  std::vector<std::size_t> basic(rows);
  std::size_t next_artificial = columns + rows;
  for (std::size_t i = 0; i < rows; ++i) {
    const double sign = b[i] < 0.0 ? -1.0 : 1.0;
    for (std::size_t j = 0; j < columns; ++j) t[i * width + j] = sign * a[i * columns + j];
    t[i * width + columns + i] = sign;
    t[i * width + rhs] = sign * b[i];
    if (b[i] < 0.0) {
      t[i * width + next_artificial] = 1.0;
      basic[i] = next_artificial++;
    } else {
      basic[i] = columns + i;
    }
  }
  const auto is_artificial = [&](std::size_t column) {
    return column >= columns + rows;
  };
  constexpr double eps = 1e-12;
  for (int iteration = 0; iteration < 10000; ++iteration) {
    // Reduced cost of column j: −Σ over rows whose basic variable is artificial.
    std::size_t entering = width;
    for (std::size_t j = 0; j < rhs && entering == width; ++j) {
      if (is_artificial(j)) continue;
      if (std::find(basic.begin(), basic.end(), j) != basic.end()) continue;
      double reduced = 0.0;
      for (std::size_t i = 0; i < rows; ++i)
        if (is_artificial(basic[i])) reduced -= t[i * width + j];
      if (reduced < -eps) entering = j;
    }
    if (entering == width) break;
    std::size_t leaving = rows;
    double best = 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
      const double pivot = t[i * width + entering];
      if (pivot <= eps) continue;
      const double ratio = t[i * width + rhs] / pivot;
      if (leaving == rows || ratio < best - eps ||
          (ratio <= best + eps && basic[i] < basic[leaving])) {
        leaving = i;
        best = ratio;
      }
    }
    if (leaving == rows) break;  // unbounded direction: cannot happen in phase 1
    const double pivot = t[leaving * width + entering];
    for (std::size_t j = 0; j < width; ++j) t[leaving * width + j] /= pivot;
    for (std::size_t i = 0; i < rows; ++i) {
      if (i == leaving) continue;
      const double factor = t[i * width + entering];
      if (factor == 0.0) continue;
      for (std::size_t j = 0; j < width; ++j) t[i * width + j] -= factor * t[leaving * width + j];
    }
    basic[leaving] = entering;
  }
  double infeasibility = 0.0;
  for (std::size_t i = 0; i < rows; ++i)
    if (is_artificial(basic[i])) infeasibility += std::max(t[i * width + rhs], 0.0);
  if (infeasibility > slack) return std::nullopt;
  std::vector<double> x(columns, 0.0);
  for (std::size_t i = 0; i < rows; ++i)
    if (basic[i] < columns) x[basic[i]] = std::max(t[i * width + rhs], 0.0);
  return x;
}

void check_natural_values(const std::string& field, const std::vector<double>& values,
                          std::size_t dim) {
  if (values.size() != dim) {
    fail(field, got_expected(
                    std::to_string(values.size()) + (values.size() == 1 ? " value" : " values"),
                    std::to_string(dim) +
                        " (one per natural coordinate, model.dim = " + std::to_string(dim) + ")"));
  }
  for (double value : values)
    if (!std::isfinite(value)) fail(field, got_expected(value, "a finite number"));
}

// θ → η for the study's family (the identity but for the t-test).
std::vector<double> natural_target(const model_spec& model, const double* theta) {
  std::vector<double> eta(theta, theta + model.dim);
  if (model.family == "normal_unknown_variance")
    normal_t_test{}.natural_from_user(theta, eta.data());
  return eta;
}

}  // namespace

std::optional<std::vector<double>> null_point_in_tile(const std::vector<double>& centre,
                                                      const std::vector<double>& radii,
                                                      const null_spec& null) {
  const std::size_t dim = centre.size();
  if (!null.given()) return centre;
  if (null.normals.size() == 1) {
    // The box's lowest a·η is at η_i = η₀_i − sign(a_i) r_i.
    const std::vector<double>& normal = null.normals[0];
    std::vector<double> point(centre);
    double lowest = 0.0;
    for (std::size_t n = 0; n < dim; ++n) {
      point[n] -= (normal[n] > 0.0 ? 1.0 : normal[n] < 0.0 ? -1.0 : 0.0) * radii[n];
      lowest += normal[n] * point[n];
    }
    if (lowest <= null.offsets[0] + tolerance(normal, null.offsets[0], centre, radii)) return point;
    return std::nullopt;
  }
  // u = η − (η₀ − r) ≥ 0: a·u ≤ b − a·(η₀ − r) for every half-space, and u ≤ 2r.
  const std::size_t rows = null.normals.size() + dim;
  std::vector<double> a(rows * dim, 0.0), b(rows, 0.0);
  double slack = 0.0;
  for (std::size_t k = 0; k < null.normals.size(); ++k) {
    double shifted = null.offsets[k];
    for (std::size_t n = 0; n < dim; ++n) {
      a[k * dim + n] = null.normals[k][n];
      shifted -= null.normals[k][n] * (centre[n] - radii[n]);
    }
    b[k] = shifted;
    slack += tolerance(null.normals[k], null.offsets[k], centre, radii);
  }
  for (std::size_t n = 0; n < dim; ++n) {
    const std::size_t row = null.normals.size() + n;
    a[row * dim + n] = 1.0;
    b[row] = 2.0 * radii[n];
  }
  const auto u = feasible_point(a, b, dim, slack);
  if (!u) return std::nullopt;
  std::vector<double> point(dim);
  for (std::size_t n = 0; n < dim; ++n)
    point[n] = centre[n] - radii[n] + std::min((*u)[n], 2.0 * radii[n]);
  return point;
}

bool tile_meets_null(const std::vector<double>& centre, const std::vector<double>& radii,
                     const null_spec& null) {
  return null_point_in_tile(centre, radii, null).has_value();
}

std::vector<double> tile_radii(const rates_study& study) {
  if (!study.tiles.radii.empty()) return study.tiles.radii;
  const std::string method = "method \"" + to_string(study.run.method) + "\"";
  if (!study.grid.thetas.empty()) {
    fail("tiles.radii",
         "missing; expected the tiles' half-widths (one per natural coordinate) with an "
         "explicit grid.thetas, for " +
             method);
  }
  if (study.model.family == "normal_unknown_variance") {
    fail("tiles.radii",
         "missing; expected the tiles' half-widths in natural coordinates (mu/sigma^2, "
         "-1/(2 sigma^2)) for family \"normal_unknown_variance\", whose grid is in (mu, "
         "sigma), for " +
             method);
  }
  std::vector<double> radii(study.model.dim);
  for (std::size_t n = 0; n < radii.size(); ++n) {
    if (study.grid.points[n] < 2) {
      fail("tiles.radii", "missing; expected the tiles' half-widths: grid.points[" +
                              std::to_string(n) + "] = " + std::to_string(study.grid.points[n]) +
                              " gives no grid spacing to halve, for " + method);
    }
    radii[n] = 0.5 * (study.grid.upper[n] - study.grid.lower[n]) /
               static_cast<double>(study.grid.points[n] - 1);
  }
  return radii;
}

tile_set make_tiles(const rates_study& study) {
  tile_set tiles;
  tiles.dim = study.model.dim;
  tiles.radii = tile_radii(study);
  const std::vector<double> targets = grid_targets(study.grid, tiles.dim);
  const std::size_t count = targets.size() / tiles.dim;
  tiles.centres.reserve(targets.size());
  tiles.meets_null.resize(count);
  for (std::size_t j = 0; j < count; ++j) {
    const std::vector<double> eta = natural_target(study.model, targets.data() + j * tiles.dim);
    tiles.centres.insert(tiles.centres.end(), eta.begin(), eta.end());
    tiles.meets_null[j] = tile_meets_null(eta, tiles.radii, study.null) ? 1 : 0;
  }
  return tiles;
}

void validate_region(const rates_study& study) {
  const std::size_t dim = study.model.dim;
  if (!study.tiles.radii.empty()) {
    check_natural_values("tiles.radii", study.tiles.radii, dim);
    for (double radius : study.tiles.radii)
      if (radius < 0.0) fail("tiles.radii", got_expected(radius, "a half-width >= 0"));
  }
  const null_spec& null = study.null;
  if (null.offsets.size() != null.normals.size()) {
    fail("null.offsets",
         got_expected(std::to_string(null.offsets.size()) +
                          (null.offsets.size() == 1 ? " value" : " values"),
                      std::to_string(null.normals.size()) + " (one b per normal in null.normals)"));
  }
  for (std::size_t k = 0; k < null.normals.size(); ++k) {
    const std::string field = "null.normals[" + std::to_string(k) + "]";
    check_natural_values(field, null.normals[k], dim);
    if (std::all_of(null.normals[k].begin(), null.normals[k].end(),
                    [](double value) { return value == 0.0; })) {
      fail(field, "got a zero vector, expected a normal a with some a_i != 0 (a.eta <= b)");
    }
    if (!std::isfinite(null.offsets[k])) {
      fail("null.offsets", got_expected(null.offsets[k], "a finite number"));
    }
  }
  const calibrate_spec& calibration = study.calibration;
  if (!(calibration.alpha > 0.0 && calibration.alpha < 1.0)) {
    fail("calibrate.alpha", got_expected(calibration.alpha, "a rate strictly between 0 and 1"));
  }
  if (calibration.sims < 1)
    fail("calibrate.sims", got_expected(calibration.sims, "an integer > 0"));

  const rate_method method = study.run.method;
  if (method != rate_method::validate && method != rate_method::calibrate) return;
  if (dim > tilt_max_dim) {
    fail("model.dim", got_expected(dim, "at most " + std::to_string(tilt_max_dim) +
                                            " for method \"" + to_string(method) +
                                            "\" (the Tilt-Bound visits a tile's 2^d vertices)"));
  }
  const std::vector<double> radii = tile_radii(study);
  if (study.model.family == "normal_unknown_variance") {
    // Every tile inside the natural parameter space η₁ < 0.
    const tile_set tiles = make_tiles(study);
    for (std::size_t j = 0; j < tiles.meets_null.size(); ++j) {
      const double top = tiles.centres[j * dim + 1] + radii[1];
      if (!(top < 0.0)) {
        fail("tiles.radii",
             got_expected(radii[1], "a radius below -eta_1 = 1/(2 sigma^2) = " +
                                        number_text(-tiles.centres[j * dim + 1]) + " at target " +
                                        std::to_string(j) + " (tiles must stay in eta_1 < 0)"));
      }
    }
  }
  if (method == rate_method::calibrate) {
    if (!null.given()) {
      fail("null",
           "missing; expected [null] normals = [[...]] and offsets = [...] (the null "
           "region a.eta <= b) for method \"calibrate\"");
    }
    const tile_set tiles = make_tiles(study);
    if (std::none_of(tiles.meets_null.begin(), tiles.meets_null.end(),
                     [](char meets) { return meets != 0; })) {
      fail("null",
           "no tile meets the null region; expected at least one null tile to "
           "calibrate on");
    }
    // m = ⌊(K + 1) α₀⌋ ≥ 1 at every null tile, before any simulation.
    calibration_alpha0(study);
  }
}

}  // namespace ismc

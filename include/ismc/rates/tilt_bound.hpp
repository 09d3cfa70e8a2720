#pragma once
/// @file tilt_bound.hpp
/// @brief The Tilt-Bound (imprint, arXiv 2212.10042): a bound on a rejection rate over a
/// whole box of natural parameters from a bound at its centre, and its inverse.
///
/// For an exponential family with log-partition A, a test φ with rate f(η) = E_η φ, η =
/// η₀ + v and q ≥ 1 (Hölder's inequality on E_η₀[φ · p_η/p_η₀]):
///
///     f(η) ≤ f(η₀)^{1 − 1/q} · exp([A(η₀ + q v) − A(η₀)]/q − [A(η₀ + v) − A(η₀)]).
///
/// The bound increases with f(η₀), so an upper confidence bound at the centre carries to
/// the tile. One q serves a whole tile: the one minimising the largest bound over the
/// box's vertices (for a fixed q the vertex argument of imprint holds), searched in
/// [1, min(10⁷, the largest q with η₀ + q v in the natural parameter space)]. For the
/// Gaussian location family (A = ‖η‖²/2, every vertex of a centred box at the same ‖v‖)
/// the optimum is closed-form. docs/spec/rejection-rates.md states the argument.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ismc/rates/study.hpp"

namespace ismc {

/// The largest natural dimension a tile may have: its 2^d vertices are enumerated.
inline constexpr std::size_t tilt_max_dim = 16;
/// The largest q the search considers.
inline constexpr double tilt_max_q = 1e7;

/// A family as the Tilt-Bound sees it: its natural dimension, A(η) and its natural
/// parameter space.
struct tilt_family {
  std::size_t dim = 1;  ///< length of η
  /// A(η), finite inside the natural parameter space.
  std::function<double(const double* eta)> log_partition;
  /// The supremum of the q > 0 with η + q v inside the (open) natural parameter space;
  /// empty when that space is all of ℝ^d (every q allowed).
  std::function<double(const double* eta, const double* v)> max_scale;
  /// True for the Gaussian location family (A = ‖η‖²/2): the closed forms apply.
  bool gaussian = false;
};

/// The Gaussian location family N(η, I_d): A(η) = ‖η‖²/2, all of ℝ^d, closed forms.
tilt_family gaussian_tilt_family(std::size_t dim);
/// Binomial arms with trials n_i: A(η) = Σ n_i log(1 + e^{η_i}), all of ℝ^d.
tilt_family binomial_tilt_family(const std::vector<std::uint64_t>& trials);
/// The one-sample t-test's family with n observations: A(η) = n (−η₀²/(4η₁) − ½ log(−2η₁)),
/// on η₁ < 0.
tilt_family t_test_tilt_family(std::uint64_t observations);
/// The tilt family of a study's model (`gaussian`, `binomial` or `normal_unknown_variance`).
/// @throws usage_error naming `model.family` for another family
tilt_family tilt_family_for(const model_spec& model);

/// A bound over a tile and the q that gave it.
struct tilt_result {
  double bound = 1.0;  ///< the largest bound over the tile's vertices, in [0, 1]
  double q = 1.0;      ///< the tilt q ≥ 1 used for every vertex
};

/// The Tilt-Bound at one point η₀ + v for a given q, in log form:
/// (1 − 1/q) ln f₀ + [A(η₀ + q v) − A(η₀)]/q − [A(η₀ + v) − A(η₀)] (−∞ when f₀ = 0 and
/// q > 1). No checks: η₀ + q v must lie in the natural parameter space.
double tilt_log_bound(const tilt_family& family, const double* eta0, const double* v, double q,
                      double log_f0);

/// The Gaussian closed form over a box whose vertices are at distance `vertex_norm` = ‖r‖
/// from its centre: exp(−(√(−ln f₀) − ‖r‖/√2)²) when √(−2 ln f₀) ≥ ‖r‖, else 1.
/// @param f0 the rate (or its upper bound) at the centre, in [0, 1]
double gaussian_tilt_bound(double f0, double vertex_norm);

/// The q of the Gaussian closed form: √(−2 ln f₀)/‖r‖ (at least 1; ∞ when f₀ = 0 or ‖r‖ = 0).
double gaussian_tilt_q(double f0, double vertex_norm);

/// The Gaussian inverse: the centre rate α₀ = exp(−(√(−ln α) + ‖r‖/√2)²) whose bound over
/// the box is α.
double gaussian_tilt_inverse(double alpha, double vertex_norm);

/// The Tilt-Bound of a centre rate `f0` over the box η₀ ± radii (one q for every vertex):
/// the closed form for a Gaussian family, else a golden-section search for q on ln q.
/// @param eta0 the tile's centre, `family.dim` values, inside the natural parameter space
/// @param radii the half-widths, `family.dim` values ≥ 0, the whole box inside the space
/// @param f0 the rate or its upper bound at the centre, in [0, 1]
/// @throws usage_error for more than `tilt_max_dim` coordinates, a negative or non-finite
/// radius, f0 outside [0, 1], or a box leaving the natural parameter space
tilt_result tilt_bound(const tilt_family& family, const std::vector<double>& eta0,
                       const std::vector<double>& radii, double f0);

/// The inverse Tilt-Bound: the largest centre rate α₀ (to a relative 1e-12, from below)
/// whose bound over the box is at most `alpha`; closed form for a Gaussian family, else
/// bisection on ln f₀. 0 when even f₀ = 1e-300 gives a bound above α (a tile too wide).
/// @param alpha the rate to guarantee over the tile, in (0, 1)
/// @throws usage_error as `tilt_bound`, or for α outside (0, 1)
double tilt_inverse(const tilt_family& family, const std::vector<double>& eta0,
                    const std::vector<double>& radii, double alpha);

}  // namespace ismc

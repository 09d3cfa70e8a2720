#include "ismc/rates/tilt_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ismc/core/error.hpp"
#include "ismc/rates/binomial.hpp"

namespace ismc {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
// The smallest centre rate the inverse considers.
constexpr double smallest_rate = 1e-300;

void check_tile(const tilt_family& family, const std::vector<double>& eta0,
                const std::vector<double>& radii) {
  if (family.dim > tilt_max_dim) {
    throw usage_error(bad_value("tile dimension", family.dim,
                                "at most " + std::to_string(tilt_max_dim) +
                                    " (the Tilt-Bound visits the 2^d vertices of a tile)"));
  }
  if (eta0.size() != family.dim || radii.size() != family.dim) {
    throw usage_error(bad_value("tile",
                                std::to_string(eta0.size()) + " centre and " +
                                    std::to_string(radii.size()) + " radius values",
                                std::to_string(family.dim) + " of each"));
  }
  for (std::size_t n = 0; n < family.dim; ++n) {
    if (!std::isfinite(eta0[n])) {
      throw usage_error(
          bad_value("tile centre[" + std::to_string(n) + "]", eta0[n], "a finite number"));
    }
    if (!(radii[n] >= 0.0 && std::isfinite(radii[n]))) {
      throw usage_error(
          bad_value("tiles.radii[" + std::to_string(n) + "]", radii[n], "a finite number >= 0"));
    }
  }
}

// The vertices' offsets v, 2^k of them for the k coordinates with a radius > 0.
std::vector<std::vector<double>> vertices(const std::vector<double>& radii) {
  std::vector<std::size_t> spread;
  for (std::size_t n = 0; n < radii.size(); ++n)
    if (radii[n] > 0.0) spread.push_back(n);
  std::vector<std::vector<double>> result;
  const std::size_t count = std::size_t{1} << spread.size();
  result.reserve(count);
  for (std::size_t corner = 0; corner < count; ++corner) {
    std::vector<double> v(radii.size(), 0.0);
    for (std::size_t b = 0; b < spread.size(); ++b) {
      const std::size_t n = spread[b];
      v[n] = ((corner >> b) & 1u) != 0 ? radii[n] : -radii[n];
    }
    result.push_back(std::move(v));
  }
  return result;
}

// The largest q allowed for every vertex: below 10^7 and (by a relative margin) below the
// boundary of the natural parameter space.
double largest_q(const tilt_family& family, const std::vector<double>& eta0,
                 const std::vector<std::vector<double>>& corners) {
  double q = tilt_max_q;
  if (!family.max_scale) return q;
  for (const auto& v : corners) {
    const double scale = family.max_scale(eta0.data(), v.data());
    if (!(scale > 1.0)) {
      throw usage_error(bad_value("tile",
                                  "a box reaching a vertex outside the natural "
                                  "parameter space",
                                  "every vertex inside it (smaller tiles.radii)"));
    }
    q = std::min(q, 1.0 + (scale - 1.0) * (1.0 - 1e-9));
  }
  return q;
}

double worst_log_bound(const tilt_family& family, const std::vector<double>& eta0,
                       const std::vector<std::vector<double>>& corners, double q, double log_f0) {
  double worst = -infinity;
  for (const auto& v : corners)
    worst = std::max(worst, tilt_log_bound(family, eta0.data(), v.data(), q, log_f0));
  return worst;
}

double vertex_norm(const std::vector<double>& radii) {
  double squared = 0.0;
  for (double r : radii) squared += r * r;
  return std::sqrt(squared);
}

// The general search, for a box already checked: golden-section on ln q over
// [0, ln q_max], the endpoints kept as candidates (any q gives a valid bound, so a
// non-unimodal objective only costs tightness).
tilt_result search(const tilt_family& family, const std::vector<double>& eta0,
                   const std::vector<std::vector<double>>& corners, double q_max, double f0) {
  if (f0 >= 1.0) return {1.0, 1.0};
  if (f0 <= 0.0) return {0.0, q_max};
  const double log_f0 = std::log(f0);
  const auto objective = [&](double log_q) {
    return worst_log_bound(family, eta0, corners, std::exp(log_q), log_f0);
  };
  tilt_result best{1.0, 1.0};  // q = 1: the bound 1
  const auto consider = [&](double log_q, double value) {
    const double bound = std::exp(value);
    if (bound < best.bound) best = {bound, std::exp(log_q)};
  };
  const double golden = 0.5 * (std::sqrt(5.0) - 1.0);
  double low = 0.0;
  double high = std::log(q_max);
  consider(high, objective(high));
  double left = high - golden * (high - low);
  double right = low + golden * (high - low);
  double f_left = objective(left);
  double f_right = objective(right);
  for (int iteration = 0; iteration < 200 && high - low > 1e-12; ++iteration) {
    if (f_left <= f_right) {
      high = right;
      right = left;
      f_right = f_left;
      left = high - golden * (high - low);
      f_left = objective(left);
    } else {
      low = left;
      left = right;
      f_left = f_right;
      right = low + golden * (high - low);
      f_right = objective(right);
    }
  }
  consider(left, f_left);
  consider(right, f_right);
  best.bound = std::min(best.bound, 1.0);
  return best;
}

}  // namespace

tilt_family gaussian_tilt_family(std::size_t dim) {
  tilt_family family;
  family.dim = dim;
  family.log_partition = [dim](const double* eta) {
    double squared = 0.0;
    for (std::size_t n = 0; n < dim; ++n) squared += eta[n] * eta[n];
    return 0.5 * squared;
  };
  family.gaussian = true;
  return family;
}

tilt_family binomial_tilt_family(const std::vector<std::uint64_t>& trials) {
  tilt_family family;
  family.dim = trials.size();
  family.log_partition = [trials](const double* eta) {
    double total = 0.0;
    for (std::size_t i = 0; i < trials.size(); ++i)
      total += static_cast<double>(trials[i]) * binomial::softplus(eta[i]);
    return total;
  };
  return family;
}

tilt_family t_test_tilt_family(std::uint64_t observations) {
  tilt_family family;
  family.dim = 2;
  const double n = static_cast<double>(observations);
  family.log_partition = [n](const double* eta) {
    return n * (-eta[0] * eta[0] / (4.0 * eta[1]) - 0.5 * std::log(-2.0 * eta[1]));
  };
  // η₁ + q v₁ < 0: every q when v₁ ≤ 0, else q < −η₁/v₁.
  family.max_scale = [](const double* eta, const double* v) {
    if (!(eta[1] < 0.0)) return 0.0;
    return v[1] > 0.0 ? -eta[1] / v[1] : infinity;
  };
  return family;
}

tilt_family tilt_family_for(const model_spec& model) {
  if (model.family == "gaussian") return gaussian_tilt_family(model.dim);
  if (model.family == "binomial") return binomial_tilt_family(model.trials);
  if (model.family == "normal_unknown_variance") return t_test_tilt_family(model.observations);
  throw usage_error(bad_value("model.family", model.family,
                              "\"gaussian\", \"normal_unknown_variance\" or \"binomial\" for "
                              "the Tilt-Bound"));
}

double tilt_log_bound(const tilt_family& family, const double* eta0, const double* v, double q,
                      double log_f0) {
  double shifted[tilt_max_dim];
  const double at_centre = family.log_partition(eta0);
  for (std::size_t n = 0; n < family.dim; ++n) shifted[n] = eta0[n] + q * v[n];
  const double tilted = (family.log_partition(shifted) - at_centre) / q;
  for (std::size_t n = 0; n < family.dim; ++n) shifted[n] = eta0[n] + v[n];
  const double moved = family.log_partition(shifted) - at_centre;
  // (1 − 1/q) ln f₀, with 0 · (−∞) = 0 at q = 1.
  const double weight = 1.0 - 1.0 / q;
  const double from_centre = weight == 0.0 ? 0.0 : weight * log_f0;
  return from_centre + tilted - moved;
}

double gaussian_tilt_bound(double f0, double vertex_norm) {
  if (f0 >= 1.0) return 1.0;
  if (f0 <= 0.0) return 0.0;
  const double root = std::sqrt(-std::log(f0));
  const double shift = vertex_norm / std::sqrt(2.0);
  if (root < shift) return 1.0;  // √(−2 ln f₀) < ‖v‖: q = 1
  const double gap = root - shift;
  return std::exp(-gap * gap);
}

double gaussian_tilt_q(double f0, double vertex_norm) {
  if (f0 >= 1.0) return 1.0;
  if (f0 <= 0.0 || vertex_norm == 0.0) return infinity;
  return std::max(1.0, std::sqrt(-2.0 * std::log(f0)) / vertex_norm);
}

double gaussian_tilt_inverse(double alpha, double vertex_norm) {
  const double sum = std::sqrt(-std::log(alpha)) + vertex_norm / std::sqrt(2.0);
  return std::exp(-sum * sum);
}

tilt_result tilt_bound(const tilt_family& family, const std::vector<double>& eta0,
                       const std::vector<double>& radii, double f0) {
  check_tile(family, eta0, radii);
  if (!(f0 >= 0.0 && f0 <= 1.0)) {
    throw usage_error(bad_value("centre rate f0", f0, "a rate in [0, 1]"));
  }
  if (family.gaussian) {
    const double norm = vertex_norm(radii);
    const double q = gaussian_tilt_q(f0, norm);
    return {gaussian_tilt_bound(f0, norm), q};
  }
  const auto corners = vertices(radii);
  return search(family, eta0, corners, largest_q(family, eta0, corners), f0);
}

double tilt_inverse(const tilt_family& family, const std::vector<double>& eta0,
                    const std::vector<double>& radii, double alpha) {
  check_tile(family, eta0, radii);
  if (!(alpha > 0.0 && alpha < 1.0)) {
    throw usage_error(bad_value("alpha", alpha, "a rate strictly between 0 and 1"));
  }
  if (family.gaussian) return gaussian_tilt_inverse(alpha, vertex_norm(radii));
  const auto corners = vertices(radii);
  const double q_max = largest_q(family, eta0, corners);
  const auto bound = [&](double log_f0) {
    return search(family, eta0, corners, q_max, std::exp(log_f0)).bound;
  };
  // The bound is at least f₀ and increases with it: bisect ln f₀ in [ln 1e-300, ln α].
  double low = std::log(smallest_rate);
  double high = std::log(alpha);
  if (bound(low) > alpha) return 0.0;
  if (bound(high) <= alpha) return alpha;
  while (high - low > 1e-12) {
    const double middle = 0.5 * (low + high);
    (bound(middle) <= alpha ? low : high) = middle;
  }
  return std::exp(low);
}

}  // namespace ismc

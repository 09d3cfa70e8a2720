#include "ismc/rates/intervals.hpp"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"

namespace ismc {

namespace {

void check(std::uint64_t rejections, std::uint64_t sims, double confidence) {
  if (sims == 0) throw usage_error(bad_value("Clopper-Pearson: sims", sims, "an integer > 0"));
  if (rejections > sims) {
    throw usage_error(bad_value("Clopper-Pearson: rejections", rejections,
                                "at most sims = " + std::to_string(sims)));
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw usage_error(bad_value("confidence", confidence, "a value in (0, 1)"));
  }
}

// Quantile p of Beta(a, b).
double beta_quantile(double a, double b, double p) {
  return boost::math::quantile(boost::math::beta_distribution<double>(a, b), p);
}

double standard_normal_quantile(double p) {
  return boost::math::quantile(boost::math::normal_distribution<double>(0.0, 1.0), p);
}

void check_hoeffding(double mean, std::uint64_t n, double bound, double confidence) {
  if (n == 0) throw usage_error(bad_value("Chernoff-Hoeffding: n", n, "an integer > 0"));
  if (!(bound > 0.0 && std::isfinite(bound))) {
    throw usage_error(bad_value("Chernoff-Hoeffding: bound", bound, "a finite value > 0"));
  }
  if (!(mean >= 0.0 && mean <= bound * (1.0 + 1e-9))) {
    throw usage_error(bad_value("Chernoff-Hoeffding: mean", mean,
                                "a value in [0, bound = " + number_text(bound) + "]"));
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw usage_error(bad_value("confidence", confidence, "a value in (0, 1)"));
  }
}

// KL(m ‖ p) between Bernoulli(m) and Bernoulli(p), 0 ≤ m ≤ 1, 0 < p < 1 (0·log 0 = 0).
double bernoulli_kl(double m, double p) {
  double kl = 0.0;
  if (m > 0.0) kl += m * std::log(m / p);
  if (m < 1.0) kl += (1.0 - m) * (std::log1p(-m) - std::log1p(-p));
  return kl;
}

// The p in [m, 1] (upwards) or [0, m] (downwards) farthest from m with n·KL(m ‖ p) ≤ level:
// KL grows monotonically away from m, so bisection until the bracket cannot shrink.
double kl_bound(double m, double n, double level, bool upwards) {
  double inside = m;
  double outside = upwards ? 1.0 : 0.0;
  if (m == outside) return m;
  for (int step = 0; step < 2000; ++step) {
    const double middle = inside + (outside - inside) / 2.0;
    if (middle == inside || middle == outside) break;
    if (n * bernoulli_kl(m, middle) <= level) {
      inside = middle;
    } else {
      outside = middle;
    }
  }
  // No double strictly between: the bound is at the edge itself (m near 1, n·KL still below
  // the level at the last double under 1).
  return std::nextafter(inside, outside) == outside && (outside == 0.0 || outside == 1.0) ? outside
                                                                                          : inside;
}

}  // namespace

double hoeffding_kl_upper(double mean, std::uint64_t n, double bound, double confidence) {
  check_hoeffding(mean, n, bound, confidence);
  const double m = std::min(mean / bound, 1.0);
  const double level = -std::log1p(-confidence);
  return bound * kl_bound(m, static_cast<double>(n), level, true);
}

interval hoeffding_kl_interval(double mean, std::uint64_t n, double bound, double confidence) {
  check_hoeffding(mean, n, bound, confidence);
  const double m = std::min(mean / bound, 1.0);
  const double level = -std::log((1.0 - confidence) / 2.0);
  const double nd = static_cast<double>(n);
  return {bound * kl_bound(m, nd, level, false), bound * kl_bound(m, nd, level, true)};
}

interval clopper_pearson_interval(std::uint64_t rejections, std::uint64_t sims, double confidence) {
  check(rejections, sims, confidence);
  const double alpha = 1.0 - confidence;
  const double r = static_cast<double>(rejections);
  const double n = static_cast<double>(sims);
  const double low = rejections == 0 ? 0.0 : beta_quantile(r, n - r + 1.0, alpha / 2.0);
  const double high = rejections == sims ? 1.0 : beta_quantile(r + 1.0, n - r, 1.0 - alpha / 2.0);
  return {low, high};
}

double clopper_pearson_upper(std::uint64_t rejections, std::uint64_t sims, double confidence) {
  check(rejections, sims, confidence);
  if (rejections == sims) return 1.0;
  const double r = static_cast<double>(rejections);
  const double n = static_cast<double>(sims);
  return beta_quantile(r + 1.0, n - r, confidence);
}

interval normal_interval(double estimate, double std_error, double confidence) {
  const double z = standard_normal_quantile(0.5 + confidence / 2.0);
  return {std::clamp(estimate - z * std_error, 0.0, 1.0),
          std::clamp(estimate + z * std_error, 0.0, 1.0)};
}

double normal_upper(double estimate, double std_error, double confidence) {
  const double z = standard_normal_quantile(confidence);
  return std::clamp(estimate + z * std_error, 0.0, 1.0);
}

}  // namespace ismc

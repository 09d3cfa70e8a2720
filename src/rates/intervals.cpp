#include "ismc/rates/intervals.hpp"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>

#include "ismc/core/error.hpp"

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

}  // namespace

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

// The exact rate of the one-sample t-test (include/ismc/rates/t_test_exact.hpp).
#include "ismc/rates/t_test_exact.hpp"

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "ismc/core/error.hpp"

namespace ismc {

double t_test_exact_rate(std::uint64_t n, double mu, double sigma, double critical) {
  if (n < 2) throw usage_error(bad_value("observations", n, "at least 2"));
  if (!std::isfinite(mu)) throw usage_error(bad_value("mu", mu, "a finite mean"));
  if (!(std::isfinite(sigma) && sigma > 0.0)) {
    throw usage_error(bad_value("sigma", sigma, "a finite standard deviation > 0"));
  }
  if (!std::isfinite(critical)) {
    throw usage_error(bad_value("critical", critical, "a finite number"));
  }
  const double degrees_of_freedom = static_cast<double>(n - 1);
  const double noncentrality = std::sqrt(static_cast<double>(n)) * mu / sigma;
  if (noncentrality == 0.0) {
    return boost::math::cdf(
        boost::math::complement(boost::math::students_t(degrees_of_freedom), critical));
  }
  return boost::math::cdf(boost::math::complement(
      boost::math::non_central_t(degrees_of_freedom, noncentrality), critical));
}

}  // namespace ismc

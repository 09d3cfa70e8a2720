// The exact rate of the one-sample t-test (src/rates/t_test_exact.cpp): closed forms of the
// central t, and the noncentral law against an integral over the chi-square law.
#include "ismc/rates/t_test_exact.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ismc/core/error.hpp"

namespace {

TEST(TTestExactRate, CentralTMatchesClosedForms) {
  // n = 2 (1 df, Cauchy): P(T > c) = ½ − atan(c)/π.
  EXPECT_NEAR(ismc::t_test_exact_rate(2, 0.0, 1.0, 1.0), 0.25, 1e-15);
  EXPECT_NEAR(ismc::t_test_exact_rate(2, 0.0, 3.0, -2.5), 0.5 + std::atan(2.5) / M_PI, 1e-15);
  // n = 3 (2 df): P(T > c) = ½ − c / (2√(2 + c²)).
  for (double c : {-1.0, 0.3, 1.0, 4.303, 30.0}) {
    const double exact = 0.5 - c / (2 * std::sqrt(2 + c * c));
    EXPECT_NEAR(ismc::t_test_exact_rate(3, 0.0, 2.0, c) / exact, 1.0, 1e-13) << c;
  }
  // n = 5 (4 df): P(T > c) = ½ − (3/4)·x·(1 − x²/3), x = c/√(4 + c²).
  for (double c : {0.5, 2.776, 8.0}) {
    const double x = c / std::sqrt(4 + c * c);
    const double exact = 0.5 - 0.75 * x * (1 - x * x / 3);
    EXPECT_NEAR(ismc::t_test_exact_rate(5, 0.0, 1.0, c) / exact, 1.0, 1e-12) << c;
  }
}

// P(T_{ν,δ} > c) = E Φc(c √(V/ν) − δ), V ~ χ²_ν, integrated over w = √V (which removes the
// singularity of the χ²_1 density at 0) by adaptive Gauss–Kronrod on [0, ∞).
double rate_by_chi_square_integral(std::uint64_t n, double mu, double sigma, double critical) {
  const double nu = static_cast<double>(n - 1);
  const double delta = std::sqrt(static_cast<double>(n)) * mu / sigma;
  const boost::math::chi_squared law(nu);
  auto integrand = [&](double w) {
    if (w <= 0) return 0.0;  // the limit at w = 0 is finite; one point has no weight
    const double v = w * w;
    const double upper_normal =
        0.5 * std::erfc((critical * w / std::sqrt(nu) - delta) / std::sqrt(2.0));
    return pdf(law, v) * 2 * w * upper_normal;
  };
  double error = 0;
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      integrand, 0.0, std::numeric_limits<double>::infinity(), 15, 1e-12, &error);
}

TEST(TTestExactRate, NoncentralTMatchesTheChiSquareIntegral) {
  for (std::uint64_t n : {2u, 5u, 30u, 200u}) {
    for (double effect : {-0.5, 0.2, 1.0}) {
      for (double critical : {-1.0, 1.7, 3.0}) {
        const double sigma = 2.0, mu = effect * sigma;
        const double rate = ismc::t_test_exact_rate(n, mu, sigma, critical);
        const double reference = rate_by_chi_square_integral(n, mu, sigma, critical);
        // Relative 1e-9 above rates of 1e-9; below, Boost's upper tail at δ < 0 keeps an
        // absolute accuracy of about 1e-20 only (1e-18 against 1.2008e-18 at n = 200,
        // δ = −7.07, critical 1.7; 0 against 1.2e-23 at critical 3).
        EXPECT_NEAR(rate, reference, std::max(1e-9 * reference, 1e-19))
            << "n=" << n << " mu/sigma=" << effect << " critical=" << critical << " rate=" << rate;
      }
    }
  }
  // The rate increases with μ and decreases with the critical value.
  EXPECT_LT(ismc::t_test_exact_rate(20, 0.1, 1.0, 2.0), ismc::t_test_exact_rate(20, 0.2, 1.0, 2.0));
  EXPECT_GT(ismc::t_test_exact_rate(20, 0.1, 1.0, 2.0), ismc::t_test_exact_rate(20, 0.1, 1.0, 2.1));
}

TEST(TTestExactRate, RejectsBadInput) {
  const auto message = [](auto call) {
    try {
      call();
    } catch (const ismc::usage_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { ismc::t_test_exact_rate(1, 0.0, 1.0, 1.0); }),
            "observations: got 1, expected at least 2");
  EXPECT_EQ(message([] { ismc::t_test_exact_rate(10, 0.0, 0.0, 1.0); }),
            "sigma: got 0, expected a finite standard deviation > 0");
  EXPECT_EQ(message([] { ismc::t_test_exact_rate(10, 0.0, -1.0, 1.0); }),
            "sigma: got -1, expected a finite standard deviation > 0");
  EXPECT_EQ(message([] { ismc::t_test_exact_rate(10, NAN, 1.0, 1.0); }),
            "mu: got nan, expected a finite mean");
  EXPECT_EQ(message([] { ismc::t_test_exact_rate(10, 0.0, 1.0, INFINITY); }),
            "critical: got inf, expected a finite number");
}

}  // namespace

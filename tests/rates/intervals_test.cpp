#include "ismc/rates/intervals.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <string>

#include "support/error_messages.hpp"
#include "ismc/core/error.hpp"

namespace ismc {
namespace {

TEST(ClopperPearson, PublishedValues) {
  // 5 of 10 at 95%: (0.1870860, 0.8129140), the textbook example.
  const interval half = clopper_pearson_interval(5, 10, 0.95);
  EXPECT_NEAR(half.low, 0.1870860, 5e-7);
  EXPECT_NEAR(half.high, 0.8129140, 5e-7);
  // 0 of 20 at 95%: upper 1 − 0.025^(1/20) = 0.1684335.
  const interval none = clopper_pearson_interval(0, 20, 0.95);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.1684335, 5e-7);
}

TEST(ClopperPearson, ZeroAndAllRejectionsHaveClosedForms) {
  for (std::uint64_t n : {1u, 7u, 1000u, 100000u}) {
    for (double confidence : {0.9, 0.95, 0.99}) {
      const double alpha = 1.0 - confidence;
      const double nd = static_cast<double>(n);
      const interval none = clopper_pearson_interval(0, n, confidence);
      EXPECT_EQ(none.low, 0.0);
      EXPECT_NEAR(none.high, 1.0 - std::pow(alpha / 2.0, 1.0 / nd), 1e-12);
      EXPECT_NEAR(clopper_pearson_upper(0, n, confidence), 1.0 - std::pow(alpha, 1.0 / nd), 1e-12);
      const interval all = clopper_pearson_interval(n, n, confidence);
      EXPECT_EQ(all.high, 1.0);
      EXPECT_NEAR(all.low, std::pow(alpha / 2.0, 1.0 / nd), 1e-12);
      EXPECT_EQ(clopper_pearson_upper(n, n, confidence), 1.0);
    }
  }
}

// The defining property: at the lower bound P(X ≥ R) = α/2, at the upper P(X ≤ R) = α/2,
// checked with Boost's binomial distribution (a different code path from the beta quantile).
TEST(ClopperPearson, BoundsSolveTheBinomialTailEquations) {
  const std::uint64_t cases[][2] = {{1, 10}, {3, 50}, {17, 1000}, {2500, 100000}, {999, 1000}};
  for (const auto& c : cases) {
    const std::uint64_t r = c[0], n = c[1];
    const double confidence = 0.99;
    const double alpha = 1.0 - confidence;
    const interval ci = clopper_pearson_interval(r, n, confidence);
    using boost::math::binomial_distribution;
    const double rd = static_cast<double>(r), nd = static_cast<double>(n);
    const double upper_tail_at_low = boost::math::cdf(
        boost::math::complement(binomial_distribution<double>(nd, ci.low), rd - 1.0));
    const double lower_tail_at_high =
        boost::math::cdf(binomial_distribution<double>(nd, ci.high), rd);
    EXPECT_NEAR(upper_tail_at_low, alpha / 2.0, 1e-9) << r << "/" << n;
    EXPECT_NEAR(lower_tail_at_high, alpha / 2.0, 1e-9) << r << "/" << n;
    const double upper = clopper_pearson_upper(r, n, confidence);
    EXPECT_NEAR(boost::math::cdf(binomial_distribution<double>(nd, upper), rd), alpha, 1e-9);
    EXPECT_LT(upper, ci.high);
    EXPECT_LT(ci.low, rd / nd);
    EXPECT_GT(ci.high, rd / nd);
  }
}

TEST(ClopperPearson, RejectsBadArguments) {
  EXPECT_THROW(clopper_pearson_interval(1, 0, 0.99), usage_error);
  EXPECT_THROW(clopper_pearson_interval(11, 10, 0.99), usage_error);
  EXPECT_THROW(clopper_pearson_upper(1, 10, 1.0), usage_error);
  EXPECT_THROW(clopper_pearson_upper(1, 10, 0.0), usage_error);
}

// The messages name the argument, the value as it reads back (never 0.000000 for a tiny
// number) and what was expected.
TEST(ClopperPearson, MessagesNameTheValueAndTheExpectation) {
  EXPECT_EQ(testing::usage_message([] { clopper_pearson_upper(1, 10, 2.5e-10 - 1.0); }),
            "confidence: got -0.99999999975, expected a value in (0, 1)");
  EXPECT_EQ(testing::usage_message([] { clopper_pearson_interval(0, 10, -1e-9); }),
            "confidence: got -1e-09, expected a value in (0, 1)");
  EXPECT_EQ(testing::usage_message([] { clopper_pearson_interval(11, 10, 0.99); }),
            "Clopper-Pearson: rejections: got 11, expected at most sims = 10");
  EXPECT_EQ(testing::usage_message([] { clopper_pearson_interval(1, 0, 0.99); }),
            "Clopper-Pearson: sims: got 0, expected an integer > 0");
}

TEST(NormalInterval, UsesTheNormalQuantileAndClamps) {
  const interval ci = normal_interval(0.5, 0.1, 0.95);
  EXPECT_NEAR(ci.low, 0.5 - 1.959963984540054 * 0.1, 1e-12);
  EXPECT_NEAR(ci.high, 0.5 + 1.959963984540054 * 0.1, 1e-12);
  EXPECT_NEAR(normal_upper(0.5, 0.1, 0.99), 0.5 + 2.3263478740408408 * 0.1, 1e-12);
  const interval clamped = normal_interval(1e-6, 1e-3, 0.99);
  EXPECT_EQ(clamped.low, 0.0);
  EXPECT_EQ(normal_upper(0.9999, 0.1, 0.99), 1.0);
}

}  // namespace
}  // namespace ismc

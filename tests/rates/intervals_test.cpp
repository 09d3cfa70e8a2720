#include "ismc/rates/intervals.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <random>
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

// Chernoff–Hoeffding (KL) bound, Hoeffding 1963 Thm 1. With Ȳ = 0: n·KL(0 ‖ p) = −n log(1 − p),
// so the bound is B·(1 − α^(1/n)) in closed form (two-sided: α/2).
TEST(HoeffdingKl, ZeroMeanHasTheClosedForm) {
  for (std::uint64_t n : {1u, 10u, 1000u, 1000000u}) {
    for (double bound : {1.0, 4.0, 100.0}) {
      for (double confidence : {0.9, 0.99}) {
        const double alpha = 1.0 - confidence;
        const double nd = static_cast<double>(n);
        const double upper = hoeffding_kl_upper(0.0, n, bound, confidence);
        EXPECT_NEAR(upper, bound * -std::expm1(std::log(alpha) / nd), 1e-12 * upper);
        EXPECT_GT(upper, 0.0);
        const interval ci = hoeffding_kl_interval(0.0, n, bound, confidence);
        EXPECT_EQ(ci.low, 0.0);
        EXPECT_NEAR(ci.high, bound * -std::expm1(std::log(alpha / 2.0) / nd), 1e-12 * ci.high);
      }
    }
  }
}

// Independent computation: scan p on a grid of 10^6 points in long double with the KL written
// out directly, keep the last (first) grid point inside; the bisection's answer must lie
// within one grid step, and solve n·KL = log(1/α) where it is interior.
TEST(HoeffdingKl, BoundsMatchABruteForceScan) {
  struct case_values {
    double mean, bound;
    std::uint64_t n;
    double confidence;
  };
  const case_values cases[] = {{0.3, 1.0, 50, 0.95},    {0.02, 1.0, 1000, 0.99},
                               {1.5, 4.0, 20, 0.99},    {0.0, 2.0, 7, 0.9},
                               {3.0, 100.0, 500, 0.99}, {0.999, 1.0, 100, 0.99}};
  for (const case_values& c : cases) {
    SCOPED_TRACE(std::to_string(c.mean) + " of " + std::to_string(c.n));
    const long double m = c.mean / c.bound;
    const auto kl = [&](long double p) {
      long double value = 0.0L;
      if (m > 0.0L) value += m * std::log(m / p);
      if (m < 1.0L) value += (1.0L - m) * std::log((1.0L - m) / (1.0L - p));
      return static_cast<long double>(c.n) * value;
    };
    const auto scan = [&](long double level, bool upwards) {
      const int steps = 1000000;
      long double last = m;
      for (int i = 1; i < steps; ++i) {
        const long double p =
            upwards ? m + (1.0L - m) * i / steps : m - m * static_cast<long double>(i) / steps;
        if (kl(p) > level) break;
        last = p;
      }
      return last;
    };
    const long double alpha = 1.0L - c.confidence;
    const double step = 1.0 / 1000000.0;
    const double upper = hoeffding_kl_upper(c.mean, c.n, c.bound, c.confidence) / c.bound;
    const double scanned = static_cast<double>(scan(-std::log(alpha), true));
    EXPECT_GE(upper, scanned - 1e-15);
    EXPECT_LE(upper, scanned + step);
    if (upper < 1.0) EXPECT_NEAR(static_cast<double>(kl(upper)), -std::log(alpha), 1e-8);
    const interval ci = hoeffding_kl_interval(c.mean, c.n, c.bound, c.confidence);
    const double high = static_cast<double>(scan(-std::log(alpha / 2.0L), true));
    const double low = static_cast<double>(scan(-std::log(alpha / 2.0L), false));
    EXPECT_GE(ci.high / c.bound, high - 1e-15);
    EXPECT_LE(ci.high / c.bound, high + step);
    EXPECT_LE(ci.low / c.bound, low + 1e-15);
    EXPECT_GE(ci.low / c.bound, low - step);
    EXPECT_LE(ci.low, c.mean);
    EXPECT_GE(ci.high, c.mean);
  }
}

// Coverage over 20000 fixed-seed replicates of n = 100 terms B·Bernoulli(μ/B), μ/B = 0.01:
// the sample is all zeros with probability 0.99^100 = 0.366, where a zero-width interval
// would miss. The miss rate must stay below α plus 4 standard errors of a rate α over M.
TEST(HoeffdingKl, CoversTheMeanOverSeeds) {
  const double bound = 50.0, p = 0.01, mu = bound * p, confidence = 0.95;
  const std::uint64_t n = 100;
  const int replicates = 20000;
  std::mt19937_64 engine(20261205);
  std::bernoulli_distribution draw(p);
  int upper_misses = 0, interval_misses = 0, all_zero = 0;
  for (int r = 0; r < replicates; ++r) {
    std::uint64_t hits = 0;
    for (std::uint64_t i = 0; i < n; ++i) hits += draw(engine) ? 1 : 0;
    const double mean = bound * static_cast<double>(hits) / static_cast<double>(n);
    all_zero += hits == 0 ? 1 : 0;
    upper_misses += hoeffding_kl_upper(mean, n, bound, confidence) < mu ? 1 : 0;
    const interval ci = hoeffding_kl_interval(mean, n, bound, confidence);
    interval_misses += (ci.low > mu || ci.high < mu) ? 1 : 0;
  }
  const double alpha = 1.0 - confidence;
  const double allowed = replicates * alpha + 4.0 * std::sqrt(replicates * alpha * (1.0 - alpha));
  EXPECT_LT(upper_misses, allowed);
  EXPECT_LT(interval_misses, allowed);
  EXPECT_GT(all_zero, replicates / 4);  // the case that matters did occur (expected 36.6%)
}

TEST(HoeffdingKl, RefusesArgumentsOutOfRange) {
  EXPECT_EQ(testing::usage_message([] { hoeffding_kl_upper(0.1, 0, 1.0, 0.99); }),
            "Chernoff-Hoeffding: n: got 0, expected an integer > 0");
  EXPECT_EQ(testing::usage_message([] { hoeffding_kl_upper(0.1, 10, 0.0, 0.99); }),
            "Chernoff-Hoeffding: bound: got 0, expected a finite value > 0");
  EXPECT_EQ(testing::usage_message([] { hoeffding_kl_interval(3.0, 10, 2.0, 0.99); }),
            "Chernoff-Hoeffding: mean: got 3, expected a value in [0, bound = 2]");
  EXPECT_EQ(testing::usage_message([] { hoeffding_kl_upper(0.1, 10, 1.0, 1.0); }),
            "confidence: got 1, expected a value in (0, 1)");
  EXPECT_EQ(hoeffding_kl_upper(1.0, 10, 1.0, 0.99), 1.0);
}

}  // namespace
}  // namespace ismc

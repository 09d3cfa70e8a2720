// Exact rates of the binomial-arms tests (src/rates/binomial_exact.cpp): the posterior
// probability of superiority against quadrature, the statistics' monotonicity, threshold
// tables and rates against brute-force enumeration, rates at n = 10^4.
#include "ismc/rates/binomial_exact.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"

namespace {

using ismc::binomial_statistic;

// P(p_i > p_0 | y) = ∫ f_0(x) P(p_i > x) dx by adaptive Gauss–Kronrod in long double, on
// 24 pieces of the control's posterior mean ± 60 sd (clipped to [0, 1]) plus the rest.
long double superiority_by_quadrature(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi,
                                      std::uint32_t ni) {
  const long double a0 = y0 + 1.0L, b0 = n0 - y0 + 1.0L, a1 = yi + 1.0L, b1 = ni - yi + 1.0L;
  auto integrand = [&](long double x) {
    if (x <= 0.0L || x >= 1.0L) return 0.0L;
    return boost::math::ibeta_derivative(a0, b0, x) * boost::math::ibetac(a1, b1, x);
  };
  const long double mean = a0 / (a0 + b0);
  const long double sd = std::sqrt(mean * (1 - mean) / (a0 + b0 + 1));
  const long double lo = std::max(0.0L, mean - 60 * sd), hi = std::min(1.0L, mean + 60 * sd);
  using gk = boost::math::quadrature::gauss_kronrod<long double, 31>;
  long double total = 0;
  if (lo > 0) total += gk::integrate(integrand, 0.0L, lo, 10, 1e-16L);
  if (hi < 1) total += gk::integrate(integrand, hi, 1.0L, 10, 1e-16L);
  const int pieces = 24;
  for (int k = 0; k < pieces; ++k) {
    const long double left = lo + (hi - lo) * k / pieces, right = lo + (hi - lo) * (k + 1) / pieces;
    total += gk::integrate(integrand, left, right, 10, 1e-17L);
  }
  return total;
}

TEST(PosteriorSuperiority, MatchesQuadratureTo1e12) {
  struct counts {
    std::uint32_t y0, n0, yi, ni;
  };
  const counts cases[] = {
      {0, 1, 1, 1},
      {1, 1, 0, 1},
      {3, 10, 7, 10},
      {5, 12, 5, 30},
      {0, 1000, 0, 1000},
      {0, 1000, 1000, 1000},
      {1000, 1000, 0, 1000},
      {0, 1000, 3, 1000},
      {480, 1000, 520, 1000},
      {50, 2000, 70, 1500},
      {2500, 5000, 2600, 5000},
      {9990, 10000, 9999, 10000},
      {31000, 100000, 31500, 100000},

  };
  for (const counts& c : cases) {
    const double value = ismc::posterior_superiority(c.y0, c.n0, c.yi, c.ni);
    const long double reference = superiority_by_quadrature(c.y0, c.n0, c.yi, c.ni);
    EXPECT_NEAR(value, static_cast<double>(reference), 1e-12)
        << c.y0 << "/" << c.n0 << " vs " << c.yi << "/" << c.ni;
    // Small probabilities keep their relative accuracy where the sum is direct.
    if (reference > 1e-300L && reference < 1e-3L) {
      EXPECT_NEAR(value / reference, 1.0, 1e-9) << c.y0 << "/" << c.n0 << " vs " << c.yi;
    }
  }
  // Symmetry: P(p_i > p_0) + P(p_0 > p_i) = 1.
  EXPECT_NEAR(
      ismc::posterior_superiority(3, 17, 11, 23) + ismc::posterior_superiority(11, 23, 3, 17), 1.0,
      1e-15);
  EXPECT_DOUBLE_EQ(ismc::posterior_superiority(4, 9, 4, 9), 0.5);
}

TEST(DifferenceZ, MatchesTheFormula) {
  // 30/50 vs 20/50: p̄ = ½, z = 0.2 / √(¼ · 0.04) = 2.
  EXPECT_NEAR(ismc::difference_z(20, 50, 30, 50), 2.0, 1e-15);
  EXPECT_EQ(ismc::difference_z(0, 50, 0, 40), 0.0);
  EXPECT_EQ(ismc::difference_z(50, 50, 40, 40), 0.0);
  // 7/10 vs 2/20: p̄ = 0.3, z = 0.6 / √(0.21 · 0.15).
  EXPECT_NEAR(ismc::difference_z(2, 20, 7, 10), 0.6 / std::sqrt(0.21 * 0.15), 1e-14);
  EXPECT_THROW(ismc::difference_z(51, 50, 0, 50), ismc::usage_error);
  EXPECT_THROW(ismc::difference_z(0, 0, 0, 50), ismc::usage_error);
}

TEST(ArmStatistics, AreMonotoneInEachCount) {
  // Nondecreasing in y_i, nonincreasing in y_0: every (y_0, y_i) at these sizes.
  const std::uint32_t sizes[] = {1, 2, 3, 7, 20, 33, 60};
  for (binomial_statistic statistic :
       {binomial_statistic::difference, binomial_statistic::posterior}) {
    for (std::uint32_t n0 : sizes) {
      for (std::uint32_t ni : sizes) {
        for (std::uint32_t y0 = 0; y0 <= n0; ++y0) {
          for (std::uint32_t yi = 0; yi <= ni; ++yi) {
            const double s = ismc::arm_statistic(statistic, y0, n0, yi, ni);
            if (yi < ni) {
              EXPECT_LE(s, ismc::arm_statistic(statistic, y0, n0, yi + 1, ni))
                  << y0 << "/" << n0 << " " << yi << "/" << ni;
            }
            if (y0 < n0) {
              EXPECT_GE(s, ismc::arm_statistic(statistic, y0 + 1, n0, yi, ni))
                  << y0 << "/" << n0 << " " << yi << "/" << ni;
            }
          }
        }
      }
    }
  }
}

TEST(ArmThresholds, AgreeWithALinearScan) {
  for (binomial_statistic statistic :
       {binomial_statistic::difference, binomial_statistic::posterior}) {
    const double criticals[] = {statistic == binomial_statistic::difference ? 1.96 : 0.975,
                                statistic == binomial_statistic::difference ? -0.5 : 0.3,
                                statistic == binomial_statistic::difference ? 2.0 : 0.5};
    for (double critical : criticals) {
      for (std::uint32_t n0 : {1u, 5u, 30u, 50u}) {
        for (std::uint32_t ni : {1u, 8u, 50u}) {
          const std::vector<std::uint32_t> table =
              ismc::arm_thresholds(statistic, critical, n0, ni);
          ASSERT_EQ(table.size(), n0 + 1u);
          for (std::uint32_t y0 = 0; y0 <= n0; ++y0) {
            std::uint32_t first = ni + 1;
            for (std::uint32_t yi = 0; yi <= ni; ++yi) {
              if (ismc::arm_statistic(statistic, y0, n0, yi, ni) > critical) {
                first = yi;
                break;
              }
            }
            EXPECT_EQ(table[y0], first) << "critical " << critical << " y0=" << y0;
          }
        }
      }
    }
  }
  // Exactly at the critical value the arm does not reject (strict): 30/50 vs 20/50 has z = 2.
  EXPECT_EQ(ismc::arm_thresholds(binomial_statistic::difference, 2.0, 50, 50)[20], 31u);
}

// The rate by enumerating every (y_0, …, y_{d−1}), statistics computed directly.
long double brute_force_rate(binomial_statistic statistic, double critical,
                             const std::vector<std::uint32_t>& n, const std::vector<double>& p) {
  const std::size_t d = n.size();
  std::vector<std::uint32_t> y(d, 0);
  long double rate = 0;
  while (true) {
    long double weight = 1;
    for (std::size_t i = 0; i < d; ++i) {
      weight *= boost::math::pdf(boost::math::binomial_distribution<long double>(n[i], p[i]), y[i]);
    }
    double s = -INFINITY;
    if (statistic == binomial_statistic::count) {
      s = y[0];
    } else {
      for (std::size_t i = 1; i < d; ++i) {
        s = std::max(s, ismc::arm_statistic(statistic, y[0], n[0], y[i], n[i]));
      }
    }
    if (s > critical) rate += weight;
    std::size_t i = 0;
    while (i < d && y[i] == n[i]) y[i++] = 0;
    if (i == d) break;
    ++y[i];
  }
  return rate;
}

TEST(BinomialExactRate, MatchesBruteForceEnumeration) {
  struct rate_case {
    binomial_statistic statistic;
    double critical;
    std::vector<std::uint32_t> n;
    std::vector<double> p;
  };
  const rate_case cases[] = {
      {binomial_statistic::count, 6.0, {15}, {0.2}},
      {binomial_statistic::count, 6.5, {15, 10}, {0.3, 0.9}},
      {binomial_statistic::count, 2.0, {12, 5, 9}, {0.05, 0.5, 0.5}},
      {binomial_statistic::difference, 1.96, {20, 20}, {0.3, 0.3}},
      {binomial_statistic::difference, 1.645, {15, 25}, {0.2, 0.45}},
      {binomial_statistic::difference, 2.2, {12, 9, 14}, {0.4, 0.4, 0.4}},
      {binomial_statistic::difference, 1.0, {10, 12, 8}, {0.01, 0.6, 0.97}},
      {binomial_statistic::posterior, 0.975, {20, 20}, {0.3, 0.3}},
      {binomial_statistic::posterior, 0.9, {15, 25}, {0.2, 0.45}},
      {binomial_statistic::posterior, 0.99, {12, 9, 14}, {0.4, 0.4, 0.4}},
      {binomial_statistic::posterior, 0.6, {10, 12, 8}, {0.01, 0.6, 0.97}},
  };
  for (const rate_case& c : cases) {
    const double rate = ismc::binomial_exact_rate(c.statistic, c.critical, c.n, c.p);
    const long double reference = brute_force_rate(c.statistic, c.critical, c.n, c.p);
    ASSERT_GT(reference, 0.0L);
    EXPECT_NEAR(rate / static_cast<double>(reference), 1.0, 1e-12)
        << "critical " << c.critical << " d=" << c.n.size() << " rate " << rate;
  }
}

TEST(BinomialExactRate, AtLargeTrials) {
  // count: the null rate is Boost's upper tail.
  const boost::math::binomial_distribution<double> law(1000000, 0.3);
  EXPECT_NEAR(ismc::binomial_exact_rate(binomial_statistic::count, 300500.0, {1000000}, {0.3}) /
                  cdf(complement(law, 300500.0)),
              1.0, 1e-12);
  EXPECT_EQ(ismc::binomial_exact_rate(binomial_statistic::count, -1.0, {1000000}, {0.3}), 1.0);
  // difference at n = 10^4 per arm: under the null near the normal 2.5%, and increasing in
  // p_1 (the arm that can reject) and decreasing in p_0.
  const std::vector<std::uint32_t> n = {10000, 10000};
  const double null_rate =
      ismc::binomial_exact_rate(binomial_statistic::difference, 1.96, n, {0.5, 0.5});
  EXPECT_GT(null_rate, 0.02);
  EXPECT_LT(null_rate, 0.03);
  double previous = 0;
  for (double p1 : {0.48, 0.5, 0.505, 0.51, 0.52}) {
    const double rate =
        ismc::binomial_exact_rate(binomial_statistic::difference, 1.96, n, {0.5, p1});
    EXPECT_GT(rate, previous) << p1;
    previous = rate;
  }
  EXPECT_GT(ismc::binomial_exact_rate(binomial_statistic::difference, 1.96, n, {0.49, 0.5}),
            null_rate);
  // posterior at n = 2000 per arm, three arms: same monotonicity, one-sided 2.5% near the
  // null per arm (at most 5% for two arms).
  const std::vector<std::uint32_t> n3 = {2000, 2000, 2000};
  const double posterior_null =
      ismc::binomial_exact_rate(binomial_statistic::posterior, 0.975, n3, {0.2, 0.2, 0.2});
  EXPECT_GT(posterior_null, 0.025);
  EXPECT_LT(posterior_null, 0.05);
  EXPECT_GT(ismc::binomial_exact_rate(binomial_statistic::posterior, 0.975, n3, {0.2, 0.2, 0.22}),
            posterior_null);
}

TEST(BinomialExactRate, RejectsBadInput) {
  const auto message = [](auto call) {
    try {
      call();
    } catch (const ismc::usage_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using ismc::binomial_exact_rate;
  EXPECT_EQ(message([] { binomial_exact_rate(binomial_statistic::difference, 1.96, {10}, {0.5}); }),
            "trials: got 1, expected 2 … 8 arms for a two-arm statistic");
  EXPECT_EQ(message([] {
              binomial_exact_rate(binomial_statistic::count, 1.0, std::vector<std::uint32_t>(9, 5),
                                  std::vector<double>(9, 0.5));
            }),
            "trials: got 9, expected 1 … 8 arms");
  EXPECT_EQ(message([] { binomial_exact_rate(binomial_statistic::count, 1.0, {0}, {0.5}); }),
            "trials[0]: got 0, expected trials in 1 … 1000000");
  EXPECT_EQ(message([] {
              binomial_exact_rate(binomial_statistic::count, 1.0, {5, 5}, {0.5, 1.5});
            }),
            "p[1]: got 1.5, expected a probability in [0, 1]");
  EXPECT_EQ(message([] {
              binomial_exact_rate(binomial_statistic::posterior, 1.0, {5, 5}, {0.5, 0.5});
            }),
            "critical: got 1, expected a posterior probability in (0, 1) for `posterior`");
  EXPECT_EQ(message([] {
              binomial_exact_rate(binomial_statistic::count, 1.0, {5, 5}, {0.5});
            }),
            "p: got 1, expected one probability per arm (2)");
  EXPECT_THROW(ismc::arm_thresholds(binomial_statistic::count, 1.0, 5, 5), ismc::usage_error);
}

TEST(BinomialStatisticValues, TablesAreTheDirectValues) {
  // Three arms, (n_0 + 1)(n_i + 1) ≤ 2^24: every (y_0, y_i) entry equals arm_statistic
  // exactly, and s(y) is the largest arm's value.
  for (const binomial_statistic statistic :
       {binomial_statistic::difference, binomial_statistic::posterior}) {
    const std::vector<std::uint32_t> trials = {20, 15, 30};
    const ismc::binomial_statistic_values values(statistic, trials);
    for (std::size_t arm = 1; arm < trials.size(); ++arm) {
      ASSERT_TRUE(values.tabulated(arm));
      for (std::uint32_t y0 = 0; y0 <= trials[0]; ++y0) {
        for (std::uint32_t yi = 0; yi <= trials[arm]; ++yi) {
          ASSERT_EQ(values.arm_value(arm, y0, yi),
                    ismc::arm_statistic(statistic, y0, trials[0], yi, trials[arm]))
              << "arm " << arm << " y0 " << y0 << " yi " << yi;
        }
      }
    }
    const std::uint32_t y[] = {7, 12, 9};
    EXPECT_EQ(values.value(y), std::max(ismc::arm_statistic(statistic, 7, 20, 12, 15),
                                        ismc::arm_statistic(statistic, 7, 20, 9, 30)));
  }
}

TEST(BinomialStatisticValues, AboveTheTableLimitTheHostComputesThem) {
  // (4095 + 1)² = 2^24 is the largest table; arm 2 ((4096)(5001)) is computed directly,
  // and its posterior values match quadrature to 1e-12 absolute.
  const ismc::binomial_statistic_values limits(binomial_statistic::posterior, {4095, 4095, 5000});
  EXPECT_TRUE(limits.tabulated(1));
  EXPECT_FALSE(limits.tabulated(2));
  const ismc::binomial_statistic_values values(binomial_statistic::posterior, {5000, 4000});
  ASSERT_FALSE(values.tabulated(1));
  for (const auto& [y0, yi] :
       {std::pair<std::uint32_t, std::uint32_t>{1000, 850}, {1000, 780}, {2500, 2050}, {3, 0}}) {
    const double direct = values.arm_value(1, y0, yi);
    EXPECT_EQ(direct, ismc::posterior_superiority(y0, 5000, yi, 4000));
    EXPECT_NEAR(direct, static_cast<double>(superiority_by_quadrature(y0, 5000, yi, 4000)), 1e-12)
        << "y0 " << y0 << " yi " << yi;
  }
  const ismc::binomial_statistic_values difference(binomial_statistic::difference, {5000, 4000});
  EXPECT_EQ(difference.arm_value(1, 1000, 850), ismc::difference_z(1000, 5000, 850, 4000));
}

TEST(BinomialStatisticValues, RefuseBadInputNamingTheValue) {
  EXPECT_THROW(ismc::binomial_statistic_values(binomial_statistic::count, {5, 5}),
               ismc::usage_error);
  EXPECT_THROW(ismc::binomial_statistic_values(binomial_statistic::posterior, {5}),
               ismc::usage_error);
  const ismc::binomial_statistic_values values(binomial_statistic::posterior, {5, 6});
  try {
    values.arm_value(1, 2, 7);
    FAIL() << "expected usage_error";
  } catch (const ismc::usage_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "binomial statistic values: y[1]: got 7, expected a count in [0, 6]");
  }
  EXPECT_THROW(values.arm_value(2, 0, 0), ismc::usage_error);
}

}  // namespace

// Exact variates (include/ismc/core/variates.hpp): the binomial and gamma samplers against
// their distributions (chi-square goodness of fit, mean, variance, a far tail), at fixed
// seeds; thresholds at significance 1e-4 per check (chi-square quantile, |z| < 3.9 for
// moments and tails); their windows of blocks, the overflow region, determinism.
#include "ismc/core/variates.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace {

using ismc::binomial_variate_blocks;
using ismc::gamma_variate_blocks;
using ismc::philox_block;
using ismc::random_stream;
using ismc::variate_window;

constexpr double significance = 1e-4;
// Two-sided normal quantile at 1e-4: |z| > 3.89 has probability 1e-4.
constexpr double z_limit = 3.8906;

random_stream test_stream(std::uint64_t seed) { return {seed, 7u, 0x7Eu}; }

// Pearson's chi-square of observed counts against expected counts, cells with expected
// count below 5 pooled with their neighbours (left to right, a short last run joins the
// previous cell); returns {statistic, degrees of freedom}.
std::pair<double, int> pooled_chi_square(const std::vector<double>& observed,
                                         const std::vector<double>& expected) {
  std::vector<double> cell_observed, cell_expected;
  double run_observed = 0, run_expected = 0;
  for (std::size_t c = 0; c < expected.size(); ++c) {
    run_observed += observed[c];
    run_expected += expected[c];
    if (run_expected >= 5.0) {
      cell_observed.push_back(run_observed);
      cell_expected.push_back(run_expected);
      run_observed = run_expected = 0;
    }
  }
  if (run_expected > 0 || run_observed > 0) {
    cell_observed.back() += run_observed;
    cell_expected.back() += run_expected;
  }
  double statistic = 0;
  for (std::size_t c = 0; c < cell_expected.size(); ++c) {
    const double diff = cell_observed[c] - cell_expected[c];
    statistic += diff * diff / cell_expected[c];
  }
  return {statistic, static_cast<int>(cell_expected.size()) - 1};
}

double chi_square_limit(int degrees_of_freedom) {
  return quantile(complement(boost::math::chi_squared(degrees_of_freedom), significance));
}

struct binomial_case {
  std::uint32_t n;
  double p;
};

// Checks draws of Binomial(n, p) against the distribution: chi-square on cells of the
// support (the tails beyond 12 sd pooled into the end cells), mean and variance within
// z_limit standard errors, and P(Y ≥ k) at the k where it is about 2e-4 (1e-3 when the
// support is short), within z_limit binomial standard errors.
void expect_binomial_law(const std::vector<std::uint32_t>& draws, std::uint32_t n, double p) {
  const boost::math::binomial law(n, p);
  const double count = static_cast<double>(draws.size());
  const double mean = n * p, variance = n * p * (1 - p);
  const double sd = std::sqrt(variance);
  const auto lo = static_cast<std::uint32_t>(std::max(0.0, std::floor(mean - 12 * sd - 10)));
  const auto hi = static_cast<std::uint32_t>(std::min<double>(n, std::ceil(mean + 12 * sd + 10)));
  std::vector<double> observed(hi - lo + 1, 0.0), expected(hi - lo + 1, 0.0);
  for (std::uint32_t k = lo; k <= hi; ++k) {
    expected[k - lo] = count * pdf(law, k);
  }
  if (lo > 0) expected.front() += count * cdf(law, lo - 1);
  if (hi < n) expected.back() += count * cdf(complement(law, hi));
  double sum = 0, sum_squares = 0;
  for (std::uint32_t y : draws) {
    ASSERT_LE(y, n);
    observed[std::clamp(y, lo, hi) - lo] += 1;
    sum += y;
    sum_squares += static_cast<double>(y) * y;
  }
  const auto [statistic, degrees] = pooled_chi_square(observed, expected);
  ASSERT_GE(degrees, 1);
  EXPECT_LT(statistic, chi_square_limit(degrees)) << "n=" << n << " p=" << p;

  const double sample_mean = sum / count;
  const double sample_variance = (sum_squares - count * sample_mean * sample_mean) / (count - 1);
  EXPECT_LT(std::fabs(sample_mean - mean), z_limit * std::sqrt(variance / count))
      << "n=" << n << " p=" << p;
  // Var of the sample variance ≈ (μ4 − σ⁴)/N, μ4 = npq(1 + 3(n − 2)pq).
  const double pq = p * (1 - p);
  const double fourth = variance * (1 + 3 * (n - 2.0) * pq);
  EXPECT_LT(std::fabs(sample_variance - variance),
            z_limit * std::sqrt((fourth - variance * variance) / count))
      << "n=" << n << " p=" << p;

  // A far upper tail: the smallest k with P(Y ≥ k) ≤ 2e-4 that has P(Y ≥ k) > 0.
  std::uint32_t k = static_cast<std::uint32_t>(std::ceil(mean));
  while (k < n && cdf(complement(law, k)) > 2e-4) ++k;
  const double tail = cdf(complement(law, k - 1));  // P(Y ≥ k)
  const double hits = static_cast<double>(
      std::count_if(draws.begin(), draws.end(), [&](std::uint32_t y) { return y >= k; }));
  EXPECT_LT(std::fabs(hits / count - tail), z_limit * std::sqrt(tail * (1 - tail) / count))
      << "n=" << n << " p=" << p << " k=" << k;
}

// Draws of Binomial(n, p) over sims 0 .. count − 1 from a window of `blocks` blocks.
std::vector<std::uint32_t> binomial_draws(std::uint64_t seed, std::size_t count, std::uint32_t n,
                                          double p, std::uint32_t blocks) {
  std::vector<std::uint32_t> draws(count);
  for (std::size_t i = 0; i < count; ++i) {
    draws[i] = ismc::detail::binomial_from(variate_window{test_stream(seed), i, 0, blocks}, n, p);
  }
  return draws;
}

const binomial_case binomial_cases[] = {
    {1, 0.3},         // a Bernoulli
    {20, 0.3},        // inversion, n·p = 6
    {1000, 0.003},    // inversion, p near 0
    {1000000, 2e-6},  // inversion at the largest n
    {200, 0.98},      // inversion mirrored, p near 1
    {50, 0.5},        // BTRD, p = ½
    {1000, 0.02},     // BTRD just above the switch, n·p = 20
    {100000, 0.999},  // BTRD mirrored, p near 1, n(1 − p) = 100
    {1000000, 0.37},  // BTRD at the largest n
    {40, 0.25},       // BTRD at n·p = 10, the switch
};

TEST(BinomialVariate, FollowsTheBinomialLawInBothRegimes) {
  std::uint64_t seed = 1000;
  for (const binomial_case& c : binomial_cases) {
    const std::size_t count = 200000;
    std::vector<std::uint32_t> draws(count);
    for (std::size_t i = 0; i < count; ++i) {
      draws[i] = ismc::binomial_variate(test_stream(seed), i, 0, c.n, c.p);
    }
    expect_binomial_law(draws, c.n, c.p);
    ++seed;
  }
}

// The law checks have power: draws of Binomial(20, 0.3) against p = 0.305, and of
// Gamma(2.5) against shape 2.55, fail them (the mean alone is off by about 20 and 10 SE).
void check_binomial_against_a_biased_p() {
  expect_binomial_law(binomial_draws(77, 200000, 20, 0.3, binomial_variate_blocks), 20, 0.305);
}
void check_gamma_against_a_biased_shape();

// The failures a check reports, intercepted.
void intercept_failures(void (*check)(), testing::TestPartResultArray* results) {
  testing::ScopedFakeTestPartResultReporter reporter(
      testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, results);
  check();
}

TEST(VariateLawChecks, DetectASmallBias) {
  for (auto check : {check_binomial_against_a_biased_p, check_gamma_against_a_biased_shape}) {
    testing::TestPartResultArray results;
    intercept_failures(check, &results);
    ASSERT_GE(results.size(), 2);  // the chi-square and the mean at least
    EXPECT_NE(std::string(results.GetTestPartResult(0).message()).find("chi_square_limit"),
              std::string::npos);
  }
}

TEST(BinomialVariate, IsExactAtTheEndsOfP) {
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(ismc::binomial_variate(test_stream(1), i, 0, 1000000, 0.0), 0u);
    EXPECT_EQ(ismc::binomial_variate(test_stream(1), i, 0, 1000000, 1.0), 1000000u);
    EXPECT_EQ(ismc::binomial_variate(test_stream(1), i, 0, 1, 0.0), 0u);
    EXPECT_EQ(ismc::binomial_variate(test_stream(1), i, 0, 1, 1.0), 1u);
  }
}

TEST(BinomialVariate, StaysExactInTheOverflowRegion) {
  // A window of 1 block sends every attempt to the overflow region, of 2 every attempt
  // after the first: the draws still follow the law (BTRD rejects, so both are exercised).
  std::uint64_t seed = 2000;
  for (std::uint32_t blocks : {1u, 2u}) {
    for (const binomial_case& c :
         {binomial_case{50, 0.5}, binomial_case{1000000, 0.37}, binomial_case{20, 0.3}}) {
      expect_binomial_law(binomial_draws(seed++, 200000, c.n, c.p, blocks), c.n, c.p);
    }
  }
}

// A window that records the slots a draw reads.
struct recording_window {
  variate_window window;
  std::vector<std::uint32_t>* slots;
  philox_block operator()(std::uint32_t slot) const {
    slots->push_back(slot);
    return window(slot);
  }
};

TEST(VariateWindows, ArmsWithDisjointWindowsNeverShareABlock) {
  // Eight arms (binomial) and eight coordinates (gamma) at consecutive windows: every
  // block any draw reads lies in its own window; the recorded draw is the public one.
  constexpr std::uint32_t arms = 8;
  for (std::uint64_t sim = 0; sim < 2000; ++sim) {
    for (std::uint32_t arm = 0; arm < arms; ++arm) {
      const std::uint32_t first = ismc::variate_first_block(5, arm, binomial_variate_blocks);
      std::vector<std::uint32_t> slots;
      const recording_window binomial{{test_stream(3), sim, first, binomial_variate_blocks},
                                      &slots};
      const double p = 0.05 + 0.1 * arm;
      EXPECT_EQ(ismc::detail::binomial_from(binomial, 400, p),
                ismc::binomial_variate(test_stream(3), sim, first, 400, p));
      for (std::uint32_t slot : slots) {
        const std::uint32_t block = binomial.window.block_of(slot);
        EXPECT_GE(block, 5 + arm * binomial_variate_blocks);
        EXPECT_LT(block, 5 + (arm + 1) * binomial_variate_blocks);
      }
      slots.clear();
      const std::uint32_t gamma_first = ismc::variate_first_block(0, arm, gamma_variate_blocks);
      const recording_window gamma{{test_stream(3), sim, gamma_first, gamma_variate_blocks},
                                   &slots};
      const double shape = 0.3 + arm;
      EXPECT_EQ(ismc::detail::standard_gamma_from(gamma, shape),
                ismc::standard_gamma_variate(test_stream(3), sim, gamma_first, shape));
      for (std::uint32_t slot : slots) {
        const std::uint32_t block = gamma.window.block_of(slot);
        EXPECT_GE(block, arm * gamma_variate_blocks);
        EXPECT_LT(block, (arm + 1) * gamma_variate_blocks);
      }
    }
  }
  // The overflow region's blocks are not blocks of the layout: none equals a window block.
  const variate_window window{test_stream(3), 11, 0, binomial_variate_blocks};
  std::set<std::vector<std::uint32_t>> direct;
  for (std::uint32_t b = 0; b < 4 * binomial_variate_blocks; ++b) {
    const philox_block bits = ismc::random_bits(test_stream(3), 11, b);
    direct.insert({bits.v[0], bits.v[1], bits.v[2], bits.v[3]});
  }
  for (std::uint32_t slot = binomial_variate_blocks - 1; slot < 200; ++slot) {
    EXPECT_TRUE(window.in_overflow(slot));
    const philox_block bits = window(slot);
    EXPECT_EQ(direct.count({bits.v[0], bits.v[1], bits.v[2], bits.v[3]}), 0u);
  }
  EXPECT_FALSE(window.in_overflow(binomial_variate_blocks - 2));
}

TEST(VariateWindows, AttemptsStayFarFromTheOverflowRegion) {
  // The mean number of slots per draw, over the regimes: the header's overflow argument
  // uses a rejection rate per attempt below 0.3 (BTRD; mean attempts below 1/0.7) and
  // below 0.06 (Marsaglia–Tsang; mean attempts below 1/0.94). Standard errors of these
  // means at 20000 draws are below 0.005.
  for (const binomial_case& c : binomial_cases) {
    std::vector<std::uint32_t> slots;
    std::size_t reads = 0, most = 0;
    for (std::uint64_t sim = 0; sim < 20000; ++sim) {
      slots.clear();
      ismc::detail::binomial_from(
          recording_window{{test_stream(4), sim, 0, binomial_variate_blocks}, &slots}, c.n, c.p);
      std::set<std::uint32_t> distinct(slots.begin(), slots.end());
      reads += distinct.size();
      most = std::max(most, distinct.size());
    }
    EXPECT_LT(reads / 20000.0, 1.0 / 0.7) << "n=" << c.n << " p=" << c.p;
    EXPECT_LT(most, binomial_variate_blocks - 1u);
  }
  for (double shape : {0.5, 1.0, 2.5, 50.0}) {
    std::vector<std::uint32_t> slots;
    std::size_t attempts = 0;
    for (std::uint64_t sim = 0; sim < 20000; ++sim) {
      slots.clear();
      ismc::detail::standard_gamma_from(
          recording_window{{test_stream(4), sim, 0, gamma_variate_blocks}, &slots}, shape);
      std::set<std::uint32_t> distinct(slots.begin(), slots.end());
      attempts += distinct.size() - distinct.count(0);
    }
    EXPECT_LT(attempts / 20000.0, 1.0 / 0.94) << "shape=" << shape;
  }
}

TEST(VariateWindows, SameStreamSameValue) {
  for (std::uint64_t sim = 0; sim < 100; ++sim) {
    EXPECT_EQ(ismc::binomial_variate(test_stream(9), sim, 64, 5000, 0.3),
              ismc::binomial_variate(test_stream(9), sim, 64, 5000, 0.3));
    EXPECT_EQ(ismc::binomial_variate(test_stream(9), sim, 64, 30, 0.1),
              ismc::binomial_variate(test_stream(9), sim, 64, 30, 0.1));
    EXPECT_EQ(ismc::standard_gamma_variate(test_stream(9), sim, 64, 0.5),
              ismc::standard_gamma_variate(test_stream(9), sim, 64, 0.5));
    EXPECT_EQ(ismc::chi_square_variate(test_stream(9), sim, 64, 7.0),
              2.0 * ismc::standard_gamma_variate(test_stream(9), sim, 64, 3.5));
  }
  // Other sims, windows and seeds give other values (the draws are continuous or wide).
  int same_sim = 0, same_window = 0, same_seed = 0;
  for (std::uint64_t sim = 0; sim < 100; ++sim) {
    const double x = ismc::standard_gamma_variate(test_stream(9), sim, 0, 2.5);
    same_sim += x == ismc::standard_gamma_variate(test_stream(9), sim + 1, 0, 2.5);
    same_window += x == ismc::standard_gamma_variate(test_stream(9), sim, 32, 2.5);
    same_seed += x == ismc::standard_gamma_variate(test_stream(10), sim, 0, 2.5);
  }
  EXPECT_EQ(same_sim + same_window + same_seed, 0);
}

// Checks draws of Gamma(shape) against the law: chi-square on 100 equiprobable cells (Boost's
// quantiles), mean and variance within z_limit standard errors, and the probabilities of
// the lower and upper 1e-3 tails.
void expect_gamma_law(const std::vector<double>& draws, double shape) {
  const boost::math::gamma_distribution<> law(shape);
  const int cells = 100;
  std::vector<double> edges(cells - 1);
  for (int c = 1; c < cells; ++c) edges[c - 1] = quantile(law, static_cast<double>(c) / cells);
  const double count = static_cast<double>(draws.size());
  std::vector<double> observed(cells, 0.0), expected(cells, count / cells);
  double sum = 0, sum_squares = 0;
  for (double x : draws) {
    ASSERT_GE(x, 0.0);
    observed[std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()] += 1;
    sum += x;
    sum_squares += x * x;
  }
  const auto [statistic, degrees] = pooled_chi_square(observed, expected);
  EXPECT_EQ(degrees, cells - 1);
  EXPECT_LT(statistic, chi_square_limit(degrees)) << "shape=" << shape;
  const double mean = sum / count;
  const double variance = (sum_squares - count * mean * mean) / (count - 1);
  EXPECT_LT(std::fabs(mean - shape), z_limit * std::sqrt(shape / count)) << "shape=" << shape;
  // μ4 − σ⁴ = 3a² + 6a − a² for Gamma(a).
  EXPECT_LT(std::fabs(variance - shape),
            z_limit * std::sqrt((2 * shape * shape + 6 * shape) / count))
      << "shape=" << shape;
  for (double tail : {1e-3}) {
    const double low = quantile(law, tail), high = quantile(complement(law, tail));
    const double below = static_cast<double>(
        std::count_if(draws.begin(), draws.end(), [&](double x) { return x < low; }));
    const double above = static_cast<double>(
        std::count_if(draws.begin(), draws.end(), [&](double x) { return x > high; }));
    const double se = std::sqrt(tail * (1 - tail) / count);
    EXPECT_LT(std::fabs(below / count - tail), z_limit * se) << "shape=" << shape;
    EXPECT_LT(std::fabs(above / count - tail), z_limit * se) << "shape=" << shape;
  }
}

void check_gamma_against_a_biased_shape() {
  std::vector<double> draws(200000);
  for (std::size_t i = 0; i < draws.size(); ++i) {
    draws[i] = ismc::standard_gamma_variate(test_stream(78), i, 0, 2.5);
  }
  expect_gamma_law(draws, 2.55);
}

TEST(GammaVariate, FollowsTheGammaLaw) {
  std::uint64_t seed = 3000;
  for (double shape : {0.5, 1.0, 2.5, 50.0}) {
    const std::size_t count = 400000;
    std::vector<double> draws(count);
    for (std::size_t i = 0; i < count; ++i) {
      draws[i] = ismc::standard_gamma_variate(test_stream(seed), i, 0, shape);
    }
    expect_gamma_law(draws, shape);
    ++seed;
  }
}

TEST(GammaVariate, StaysExactInTheOverflowRegion) {
  std::uint64_t seed = 4000;
  for (std::uint32_t blocks : {1u, 2u}) {
    for (double shape : {0.5, 2.5}) {
      const std::size_t count = 200000;
      std::vector<double> draws(count);
      for (std::size_t i = 0; i < count; ++i) {
        draws[i] = ismc::detail::standard_gamma_from(
            variate_window{test_stream(seed), i, 0, blocks}, shape);
      }
      expect_gamma_law(draws, shape);
      ++seed;
    }
  }
}

TEST(ChiSquareVariate, HasTheChiSquareLaw) {
  // df = 1 (shape ½, the t-test at n = 2) and df = 9: the gamma law at df/2, scaled by 2.
  std::uint64_t seed = 5000;
  for (double df : {1.0, 9.0}) {
    const std::size_t count = 200000;
    std::vector<double> halves(count);
    for (std::size_t i = 0; i < count; ++i) {
      halves[i] = 0.5 * ismc::chi_square_variate(test_stream(seed), i, 0, df);
    }
    expect_gamma_law(halves, 0.5 * df);
    ++seed;
  }
}

}  // namespace

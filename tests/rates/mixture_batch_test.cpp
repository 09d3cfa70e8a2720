// The four-index stage's vectorized loop (rates/mixture_batch.hpp) and its exponential
// (rates/exp_polynomial.hpp): each against the scalar arithmetic it replaces.
#include "rates/mixture_batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstddef>
#include <limits>
#include <vector>

#include "ismc/rates/mixture_math.hpp"
#include "rates/exp_polynomial.hpp"

namespace ismc::detail {
namespace {

constexpr double unit_roundoff = std::numeric_limits<double>::epsilon();

// Within 2 ulp of glibc's exp (itself within 1 ulp of e^x) over the whole valid range, on a
// grid that is not aligned with ln 2, exact at 0, finite and normal at the ends.
template <class Exp>
void expect_within_two_ulp_of_libm(Exp exponential) {
  EXPECT_EQ(exponential(0.0), 1.0);
  double worst = 0.0;
  const int steps = 2000003;
  for (int i = 0; i <= steps; ++i) {
    const double x = exp_polynomial_lowest + (exp_polynomial_highest - exp_polynomial_lowest) * i /
                                                 static_cast<double>(steps);
    const double expected = std::exp(x);
    worst = std::max(worst, std::fabs(exponential(x) - expected) / expected);
  }
  EXPECT_LE(worst, 2.0 * unit_roundoff);
  EXPECT_TRUE(std::isfinite(exponential(exp_polynomial_highest)));
  EXPECT_GT(exponential(exp_polynomial_lowest), std::numeric_limits<double>::min());
}

TEST(ExpPolynomial, WithinTwoUlpOfLibmOverItsRange) {
  expect_within_two_ulp_of_libm([](double x) { return exp_polynomial(x); });
}

// The fma form (the four-index kernels').
TEST(ExpPolynomialFma, WithinTwoUlpOfLibmOverItsRange) {
  expect_within_two_ulp_of_libm([](double x) { return exp_polynomial_fma(x); });
}

// The scalar form the loop replaces (the direct path of cpu_backend.cpp before it).
double scalar_term(double shift, double log_ratio_j, const std::vector<double>& scaled,
                   const std::vector<double>& weight, double own_weight) {
  double weighted = 0.0;
  for (std::size_t u = 0; u < weight.size(); ++u) weighted += weight[u] * scaled[u];
  return 1.0 / (own_weight + std::exp(shift - log_ratio_j) * weighted);
}

// Terms over a spread of exponents (−700 … 590) agree with the scalar form to a few ulp;
// out-of-range exponents and vanishing sums are marked −1 for the log-space path.
TEST(DirectMixtureTerms, MatchesTheScalarFormAndMarksTheUnsafeOnes) {
  const std::size_t count = 1003, used = 3;  // not a multiple of any vector width
  std::vector<double> shift(count), log_ratio_j(count);
  std::vector<std::vector<double>> rows(used, std::vector<double>(count));
  for (std::size_t r = 0; r < count; ++r) {
    shift[r] = 0.25 * static_cast<double>(r % 7);
    log_ratio_j[r] = shift[r] - (-700.0 + 1290.0 * static_cast<double>(r) / (count - 1));
    for (std::size_t u = 0; u < used; ++u)
      rows[u][r] = 1.0 / (1.0 + static_cast<double>((r + u) % 5));
  }
  // Three unsafe samples: the exponent too large, too small, and a weighted sum of 0.
  log_ratio_j[10] = shift[10] - 650.0;
  log_ratio_j[11] = shift[11] + 720.0;
  for (std::size_t u = 0; u < used; ++u) rows[u][12] = 0.0;
  const std::vector<double> weight{0.5, 0.3, 0.19};
  const double* row_pointers[used] = {rows[0].data(), rows[1].data(), rows[2].data()};
  std::vector<double> scratch(count), term(count);
  EXPECT_EQ(
      direct_mixture_terms(count, shift.data(), log_ratio_j.data(), row_pointers, weight.data(),
                           used, 0.01, 600.0, 1e-290, scratch.data(), term.data()),
      3u);
  for (std::size_t r = 0; r < count; ++r) {
    SCOPED_TRACE("sample " + std::to_string(r));
    if (r >= 10 && r <= 12) {
      EXPECT_EQ(term[r], -1.0);
      continue;
    }
    const std::vector<double> scaled{rows[0][r], rows[1][r], rows[2][r]};
    const double expected = scalar_term(shift[r], log_ratio_j[r], scaled, weight, 0.01);
    EXPECT_NEAR(term[r], expected, 4.0 * unit_roundoff * expected);
    EXPECT_LE(term[r], 1.0 / 0.01);
  }
}

// The own-proposal form against 1 / (w_jj + Σ_u w_u e^(ratio_u)) in long double: ratios
// from −750 to 590 (those below e^x's normal range add nothing), and −1 where a ratio
// reaches the limit or is NaN, or where the denominator is not above the smallest sum.
TEST(OwnMixtureTerms, MatchesTheSumOfExponentialsAndMarksTheUnsafeOnes) {
  const std::size_t count = 1003, used = 3;
  std::vector<std::vector<double>> rows(used, std::vector<double>(count));
  for (std::size_t r = 0; r < count; ++r) {
    for (std::size_t u = 0; u < used; ++u) {
      rows[u][r] = -750.0 + 1340.0 * static_cast<double>((r * (u + 1)) % count) / (count - 1);
    }
  }
  rows[0][10] = 600.0;  // at the limit
  rows[2][11] = 650.0;  // beyond it
  rows[1][12] = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> weight{0.5, 0.3, 0.19};
  const double* row_pointers[used] = {rows[0].data(), rows[1].data(), rows[2].data()};
  std::vector<double> term(count);
  EXPECT_EQ(
      own_mixture_terms(count, row_pointers, weight.data(), used, 0.01, 600.0, 1e-290, term.data()),
      3u);
  double worst = 0.0;
  for (std::size_t r = 0; r < count; ++r) {
    SCOPED_TRACE("sample " + std::to_string(r));
    if (r >= 10 && r <= 12) {
      EXPECT_EQ(term[r], -1.0);
      continue;
    }
    long double denominator = 0.01L;
    for (std::size_t u = 0; u < used; ++u)
      denominator +=
          static_cast<long double>(weight[u]) * std::exp(static_cast<long double>(rows[u][r]));
    const double expected = static_cast<double>(1.0L / denominator);
    worst = std::max(worst, std::fabs(term[r] - expected) / expected);
    EXPECT_LE(term[r], 1.0 / 0.01 * (1.0 + unit_roundoff));
  }
  EXPECT_LE(worst, 4.0 * unit_roundoff);
  // Without an own weight and with every ratio below the range, the denominator vanishes.
  const std::vector<double> low(1, -800.0);
  const double* low_rows[1] = {low.data()};
  double lone = 0.0;
  EXPECT_EQ(own_mixture_terms(1, low_rows, weight.data(), 1, 0.0, 600.0, 1e-290, &lone), 1u);
  EXPECT_EQ(lone, -1.0);
}

// The shared precomputation's scaled ratios: e^(ratio − shift) within 2 ulp of glibc, and 0
// below e^x's normal range.
TEST(ShiftedExponentials, AreTheExponentialsOfTheDifferences) {
  const std::size_t count = 1001;
  std::vector<double> ratio(count), shift(count), out(count);
  for (std::size_t r = 0; r < count; ++r) {
    shift[r] = 0.5 * static_cast<double>(r % 9);
    ratio[r] = shift[r] - 750.0 * static_cast<double>(r) / (count - 1);
  }
  shifted_exponentials(ratio.data(), shift.data(), count, out.data());
  for (std::size_t r = 0; r < count; ++r) {
    SCOPED_TRACE("value " + std::to_string(r));
    const double exponent = ratio[r] - shift[r];
    if (exponent < exp_polynomial_lowest) {
      EXPECT_EQ(out[r], 0.0);
    } else {
      EXPECT_NEAR(out[r], std::exp(exponent), 2.0 * unit_roundoff * std::exp(exponent));
    }
  }
  EXPECT_EQ(out[0], 1.0);
}

// One-coordinate labels are nearest_centre's, ties (a point midway between two centres, a
// repeated centre) to the lower index.
TEST(NearestCentres1d, AreNearestCentresLabels) {
  const std::vector<double> centres{0.5, -1.0, 2.0, 0.5, 3.25};
  std::vector<double> points;
  for (int i = 0; i < 700; ++i) points.push_back(-3.0 + 0.0123 * i);
  // Ties: midway between 0.5 and -1, 0.5 and 2, 2 and 3.25; 0.5 is also centre 3.
  for (double tie : {-0.25, 1.25, 2.625}) points.push_back(tie);
  std::vector<std::uint64_t> labels(points.size());
  nearest_centres_1d(points.data(), points.size(), centres.data(), centres.size(), labels.data());
  for (std::size_t at = 0; at < points.size(); ++at) {
    SCOPED_TRACE("point " + std::to_string(points[at]));
    EXPECT_EQ(labels[at], static_cast<std::uint64_t>(nearest_centre(
                              &points[at], centres.data(), static_cast<int>(centres.size()), 1)));
    EXPECT_NE(labels[at], 3u);  // centre 3 repeats centre 0, which wins every tie
  }
  const std::size_t n = points.size();
  EXPECT_EQ(labels[n - 3], 0u);
  EXPECT_EQ(labels[n - 2], 0u);
  EXPECT_EQ(labels[n - 1], 2u);
}

// Interleaved sums: exact on integers, and the same bits as a fixed-order reference.
TEST(SumAndSquares, SumsInAFixedOrder) {
  std::vector<double> values(37);
  for (std::size_t r = 0; r < values.size(); ++r) values[r] = static_cast<double>(r) - 5.0;
  double sum = 0.0, squares = 0.0;
  sum_and_squares(values.data(), values.size(), &sum, &squares);
  double expected_sum = 0.0, expected_squares = 0.0;
  for (double v : values) {
    expected_sum += v;
    expected_squares += v * v;
  }
  EXPECT_EQ(sum, expected_sum);
  EXPECT_EQ(squares, expected_squares);

  // Fractions: lane l sums indices l, l + 8, …, then the lanes in order.
  std::vector<double> fractions(29);
  for (std::size_t r = 0; r < fractions.size(); ++r) fractions[r] = 1.0 / (3.0 + r);
  double lanes[8] = {}, lane_squares[8] = {};
  for (std::size_t r = 0; r < fractions.size(); ++r) {
    lanes[r % 8] += fractions[r];
    lane_squares[r % 8] += fractions[r] * fractions[r];
  }
  double ordered = 0.0, ordered_squares = 0.0;
  for (int l = 0; l < 8; ++l) {
    ordered += lanes[l];
    ordered_squares += lane_squares[l];
  }
  sum_and_squares(fractions.data(), fractions.size(), &sum, &squares);
  EXPECT_EQ(sum, ordered);
  EXPECT_EQ(squares, ordered_squares);
  sum_and_squares(fractions.data(), 0, &sum, &squares);
  EXPECT_EQ(sum, 0.0);
  EXPECT_EQ(squares, 0.0);
}

}  // namespace
}  // namespace ismc::detail

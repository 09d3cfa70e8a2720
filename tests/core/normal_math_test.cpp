#include "ismc/core/normal_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <vector>

namespace ismc::detail {
namespace {

constexpr long double pi_l = 3.141592653589793238462643383279502884L;

// |value − reference| in units of the last place of the double nearest the reference.
double ulps(double value, long double reference) {
  const double nearest = static_cast<double>(reference);
  const double magnitude = std::fabs(nearest);
  const double ulp = magnitude == 0.0 ? std::numeric_limits<double>::denorm_min()
                                      : std::nextafter(magnitude, INFINITY) - magnitude;
  return static_cast<double>(std::fabs(static_cast<long double>(value) - reference) /
                             static_cast<long double>(ulp));
}

// 53-bit integers from a 64-bit LCG (the top bits), and the edges of [0, 2^53].
std::vector<std::uint64_t> dyadic_numerators(int random_count) {
  std::vector<std::uint64_t> out;
  std::uint64_t state = 0x243f6a8885a308d3ull;
  for (int i = 0; i < random_count; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    // Every scale: a random number of leading zeros, so small u and v are sampled too.
    const int shift = 11 + static_cast<int>((state >> 3) % 53);
    out.push_back(state >> shift);
  }
  const std::uint64_t one = std::uint64_t{1} << 53;
  for (std::uint64_t edge :
       std::initializer_list<std::uint64_t>{0, 1, 2, 3, one / 8, one / 4, one / 2, 3 * one / 4,
                                            one - 1, one - 2, 0x16a09e667f3bcd, 0x16a09e667f3bce}) {
    for (std::uint64_t delta : std::initializer_list<std::uint64_t>{0, 1, 2}) {
      if (edge + delta < one) out.push_back(edge + delta);
      if (edge >= delta) out.push_back(edge - delta);
    }
  }
  for (int k = 0; k < 53; ++k) out.push_back(1ull << k);
  return out;
}

// log(u) for u = (k + 1) 2^-53 in (0, 1], against logl (64-bit mantissa): at most 1 ulp.
TEST(NormalMath, LogUnitWithinOneUlpOfLongDouble) {
  double worst = 0.0, worst_u = 0.0;
  for (std::uint64_t k : dyadic_numerators(1000000)) {
    const double u = static_cast<double>(k + 1) * 0x1.0p-53;
    const double error = ulps(log_unit(u), std::log(static_cast<long double>(u)));
    if (error > worst) worst = error, worst_u = u;
  }
  EXPECT_LE(worst, 1.0) << "at u = " << worst_u;
  RecordProperty("worst_ulps", std::to_string(worst));
  std::printf("worst ulps: log %.3f\n", worst);
  EXPECT_EQ(log_unit(1.0), 0.0);
  EXPECT_EQ(log_unit(0.5), -0x1.62e42fefa39efp-1);  // −ln 2 rounded
  EXPECT_NEAR(log_unit(0x1.0p-53), -53.0L * 0.693147180559945309417232121458L, 4e-15);
}

// cos and sin of 2πv against long double references: the exact reduction 4v = q + r taken
// in long double (no rounding) and cosl/sinl of πr/2 (64-bit mantissa): at most 1 ulp.
TEST(NormalMath, CosSinTurnsWithinOneUlpOfLongDouble) {
  double worst_cos = 0.0, worst_sin = 0.0, worst_cos_v = 0.0, worst_sin_v = 0.0;
  for (std::uint64_t k : dyadic_numerators(1000000)) {
    const double v = static_cast<double>(k) * 0x1.0p-53;  // [0, 1)
    double c, s;
    cos_sin_turns(v, &c, &s);
    const long double quarters = 4.0L * static_cast<long double>(v);
    const long double q = std::floor(quarters + 0.5L);
    const long double r = quarters - q;
    const long double cr = std::cos(pi_l / 2 * r), sr = std::sin(pi_l / 2 * r);
    const int quadrant = static_cast<int>(q) & 3;
    const long double cos_ref = quadrant == 0 ? cr : quadrant == 1 ? -sr : quadrant == 2 ? -cr : sr;
    const long double sin_ref = quadrant == 0 ? sr : quadrant == 1 ? cr : quadrant == 2 ? -sr : -cr;
    const double cos_error = ulps(c, cos_ref), sin_error = ulps(s, sin_ref);
    if (cos_error > worst_cos) worst_cos = cos_error, worst_cos_v = v;
    if (sin_error > worst_sin) worst_sin = sin_error, worst_sin_v = v;
    // The direct form as a check of the reference itself (2πv rounds in long double).
    ASSERT_NEAR(c, std::cos(2 * pi_l * static_cast<long double>(v)), 1e-15) << "v = " << v;
    ASSERT_NEAR(s, std::sin(2 * pi_l * static_cast<long double>(v)), 1e-15) << "v = " << v;
  }
  EXPECT_LE(worst_cos, 1.0) << "at v = " << worst_cos_v;
  EXPECT_LE(worst_sin, 1.0) << "at v = " << worst_sin_v;
  RecordProperty("worst_cos_ulps", std::to_string(worst_cos));
  RecordProperty("worst_sin_ulps", std::to_string(worst_sin));
  std::printf("worst ulps: cos %.3f sin %.3f\n", worst_cos, worst_sin);
}

// The quadrants' exact values: 0, 1/4, 1/2, 3/4 turns give 0 and ±1 exactly.
TEST(NormalMath, CosSinTurnsExactAtQuarterTurns) {
  const double expected[4][2] = {{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.0}, {0.0, -1.0}};
  for (int quarter = 0; quarter < 4; ++quarter) {
    double c, s;
    cos_sin_turns(0.25 * quarter, &c, &s);
    EXPECT_EQ(c, expected[quarter][0]) << quarter << " quarters";
    EXPECT_EQ(s, expected[quarter][1]) << quarter << " quarters";
  }
  double c, s;
  cos_sin_turns(0.125, &c, &s);  // 45°: both √2/2 within 1 ulp
  EXPECT_NEAR(c, std::sqrt(0.5), 0x1.0p-53);
  EXPECT_NEAR(s, std::sqrt(0.5), 0x1.0p-53);
}

}  // namespace
}  // namespace ismc::detail

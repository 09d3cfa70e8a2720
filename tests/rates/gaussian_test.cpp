#include "ismc/rates/gaussian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "support/error_messages.hpp"
#include "ismc/core/error.hpp"

namespace ismc {
namespace {

constexpr double phi_196 = 0.9750021048517795;  // Φ(1.96), from standard tables

TEST(GaussianExactRates, OneAndTwoSidedAtTheNull) {
  const double zero[] = {0.0};
  EXPECT_NEAR(*gaussian_test_model(1, test_kind::one_sided, 1.96).exact_rate(zero), 1.0 - phi_196,
              1e-15);
  EXPECT_NEAR(*gaussian_test_model(1, test_kind::two_sided, 1.96).exact_rate(zero),
              2.0 * (1.0 - phi_196), 1e-15);
}

TEST(GaussianExactRates, FarTailIsAccurate) {
  // θ = −4, c = 1.96: 1 − Φ(5.96) = 1.2611e-9 (relative accuracy, no cancellation).
  const double theta[] = {-4.0};
  const double rate = *gaussian_test_model(1, test_kind::one_sided, 1.96).exact_rate(theta);
  EXPECT_NEAR(rate, 1.2612e-9, 1e-12);
}

TEST(GaussianExactRates, SumMaxAndNormHaveTheirClosedForms) {
  const double zeros[] = {0.0, 0.0, 0.0};
  EXPECT_NEAR(*gaussian_test_model(3, test_kind::sum, 1.96).exact_rate(zeros), 1.0 - phi_196,
              1e-15);
  EXPECT_NEAR(*gaussian_test_model(2, test_kind::max, 1.96).exact_rate(zeros),
              1.0 - phi_196 * phi_196, 1e-15);
  // Central χ²_2 tail exp(−c/2); central χ²_3 tail 2(1 − Φ(√c)) + √(2c/π) e^{−c/2}.
  EXPECT_NEAR(*gaussian_test_model(2, test_kind::norm, 4.0).exact_rate(zeros), std::exp(-2.0),
              1e-14);
  const double c = 1.96 * 1.96;
  EXPECT_NEAR(*gaussian_test_model(3, test_kind::norm, c).exact_rate(zeros),
              2.0 * (1.0 - phi_196) + std::sqrt(2.0 * c / M_PI) * std::exp(-c / 2.0), 1e-13);
}

TEST(GaussianExactRates, NoncentralNormInOneDimensionIsTheTwoSidedTest) {
  const gaussian_test_model norm(1, test_kind::norm, 1.96 * 1.96);
  const gaussian_test_model two_sided(1, test_kind::two_sided, 1.96);
  for (double theta : {-3.0, -1.0, 0.3, 1.5, 4.0}) {
    EXPECT_NEAR(*norm.exact_rate(&theta), *two_sided.exact_rate(&theta), 1e-12) << theta;
  }
}

TEST(GaussianFamily, LogDensityRatioEqualsTheDifferenceOfLogDensities) {
  const gaussian_test_model model(3, test_kind::sum, 1.0);
  const double theta_m[] = {40.0, -2.0, 0.5};
  const double theta_j[] = {-1.0, 3.0, 0.25};
  const double x[] = {0.7, -1.1, 2.0};
  double direct = 0.0;
  for (int n = 0; n < 3; ++n) {
    direct += -0.5 * (x[n] - theta_m[n]) * (x[n] - theta_m[n]) +
              0.5 * (x[n] - theta_j[n]) * (x[n] - theta_j[n]);
  }
  EXPECT_NEAR(model.log_density_ratio(theta_m, theta_j, x), direct, 1e-12);
  EXPECT_EQ(model.log_density_ratio(theta_j, theta_j, x), 0.0);
}

TEST(GaussianFamily, SimulateIsThetaPlusTheStreamsNormals) {
  const gaussian_test_model model(2, test_kind::max, 1.0);
  const double theta[] = {1.5, -2.0};
  double x[2], z[2];
  model.simulate(theta, random_stream{9, 4}, 17, x);
  standard_normals(random_stream{9, 4}, 17, z, 2);
  EXPECT_EQ(x[0], theta[0] + z[0]);
  EXPECT_EQ(x[1], theta[1] + z[1]);
}

TEST(GaussianTests, DecisionsFollowTheTable) {
  const double x[] = {2.0, -3.0};
  EXPECT_TRUE(gaussian::rejects(test_kind::one_sided, 1.96, x, 2));
  EXPECT_TRUE(gaussian::rejects(test_kind::two_sided, 1.96, x, 2));
  EXPECT_FALSE(gaussian::rejects(test_kind::sum, 0.0, x, 2));  // −1/√2 < 0
  EXPECT_TRUE(gaussian::rejects(test_kind::max, 1.96, x, 2));
  EXPECT_TRUE(gaussian::rejects(test_kind::norm, 12.9, x, 2));   // ‖x‖² = 13
  EXPECT_FALSE(gaussian::rejects(test_kind::norm, 13.0, x, 2));  // strict inequality
}

TEST(GaussianTests, CountRejectionsEqualsTheGenericLoop) {
  const gaussian_test_model model(2, test_kind::two_sided, 1.0);
  const double theta[] = {0.3, 0.0};
  const random_stream s{5, 0};
  const std::uint64_t fast = model.count_rejections(theta, s, 100, 5100);
  const std::uint64_t generic = model.model::count_rejections(theta, s, 100, 5100);
  EXPECT_EQ(fast, generic);
  EXPECT_GT(fast, 0u);
}

// The batch forms the CPU backend's loops call are the per-sample ones, bit for bit: the
// ratios (vectorized for d = 1) at every dimension, and the decisions of every test.
TEST(GaussianFamily, BatchRatiosAndDecisionsAreThePerSampleOnes) {
  const test_kind kinds[] = {test_kind::one_sided, test_kind::two_sided, test_kind::sum,
                             test_kind::max, test_kind::norm};
  for (std::size_t dim = 1; dim <= 4; ++dim) {
    for (test_kind kind : kinds) {
      SCOPED_TRACE("dim " + std::to_string(dim) + ", " + to_string(kind));
      const gaussian_test_model model(dim, kind, 1.5);
      const std::size_t count = 1001;  // not a multiple of any vector width
      std::vector<double> xs(count * dim), theta_m(dim), theta_j(dim);
      for (std::size_t n = 0; n < dim; ++n) {
        theta_m[n] = 0.3 + 1.7 * static_cast<double>(n);
        theta_j[n] = -0.9 + 0.45 * static_cast<double>(n);
      }
      model.simulate_many(theta_j.data(), random_stream{21, 3}, 0, count, xs.data());
      std::vector<double> ratios(count);
      std::vector<std::uint8_t> rejected(count);
      model.log_density_ratios(theta_m.data(), theta_j.data(), xs.data(), count, ratios.data());
      model.reject_many(xs.data(), count, rejected.data());
      std::size_t rejections = 0;
      for (std::size_t r = 0; r < count; ++r) {
        const double* x = xs.data() + r * dim;
        const double expected = model.log_density_ratio(theta_m.data(), theta_j.data(), x);
        ASSERT_EQ(std::memcmp(&ratios[r], &expected, sizeof expected), 0) << "sample " << r;
        ASSERT_EQ(rejected[r], model.reject(x) ? 1 : 0) << "sample " << r;
        rejections += rejected[r];
      }
      EXPECT_GT(rejections, 0u);
      EXPECT_LT(rejections, count);
    }
  }
}

TEST(TestKind, RoundTripsItsNames) {
  for (const char* name : {"one_sided", "two_sided", "sum", "max", "norm"}) {
    ASSERT_TRUE(parse_test_kind(name).has_value());
    EXPECT_EQ(to_string(*parse_test_kind(name)), name);
  }
  EXPECT_FALSE(parse_test_kind("one-sided").has_value());
}

TEST(GaussianFamily, RejectsBadDimension) {
  EXPECT_THROW(gaussian_test_model(0, test_kind::sum, 1.0), usage_error);
  EXPECT_THROW(gaussian_test_model(1, test_kind::sum, NAN), usage_error);
}

using testing::usage_message;

TEST(GaussianErrors, NameTheFieldTheValueAndWhatWasExpected) {
  EXPECT_EQ(usage_message([] { gaussian_test_model model(0, test_kind::one_sided, 1.0); }),
            "gaussian family: dim: got 0, expected an integer in [1, 64]");
  EXPECT_EQ(usage_message([] { gaussian_test_model model(1, test_kind::one_sided, std::nan("")); }),
            "gaussian test: critical: got nan, expected a finite value");
}

}  // namespace
}  // namespace ismc

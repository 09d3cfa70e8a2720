// The family concept (rates/family.hpp) on the Gaussian location tests: the default
// exponential-family ratio against the family's own form, the coordinate maps, the
// statistic against the decision, the cluster point, and the adapter's device flag.
#include "ismc/rates/family.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ismc/rates/gaussian.hpp"
#include "support/custom_models.hpp"

namespace ismc {
namespace {

gaussian_location_test family_of(int dim, test_kind kind, double critical) {
  return make_gaussian_location_test(static_cast<std::size_t>(dim), kind, critical);
}

TEST(FamilyTest, DefaultRatioMatchesTheGaussianOverride) {
  // (η_m − η_j)·T − (A(η_m) − A(η_j)) with η = θ, T = x, A = ‖η‖²/2 is the Gaussian's
  // (θ_m − θ_j)·(x − (θ_m + θ_j)/2): equal up to rounding.
  const gaussian_location_test family = family_of(3, test_kind::norm, 4.0);
  const double theta_m[] = {0.3, -1.2, 2.5};
  const double theta_j[] = {-0.7, 0.4, 1.1};
  const random_stream s{7, 3};
  double x[3];
  for (std::uint64_t sim = 0; sim < 100; ++sim) {
    family.simulate(theta_m, s, sim, x);
    const double own = family.log_density_ratio(theta_m, theta_j, x);
    const double general = exponential_family_log_density_ratio(family, theta_m, theta_j, x);
    EXPECT_NEAR(general, own, 1e-12 * (1.0 + std::fabs(own))) << "sim " << sim;
  }
}

TEST(FamilyTest, CoordinateMapsAreInverse) {
  const gaussian_location_test family = family_of(2, test_kind::sum, 1.0);
  const double theta[] = {0.25, -3.5};
  double eta[2], back[2];
  family.natural_from_user(theta, eta);
  family.user_from_natural(eta, back);
  EXPECT_EQ(back[0], theta[0]);
  EXPECT_EQ(back[1], theta[1]);
  EXPECT_DOUBLE_EQ(family.log_partition(eta), 0.5 * (0.25 * 0.25 + 3.5 * 3.5));
}

TEST(FamilyTest, RejectsExactlyWhenTheStatisticExceedsTheCritical) {
  const random_stream s{11, 0};
  for (test_kind kind : {test_kind::one_sided, test_kind::two_sided, test_kind::sum, test_kind::max,
                         test_kind::norm}) {
    const gaussian_location_test family = family_of(3, kind, 1.0);
    const double theta[] = {0.5, -0.5, 0.2};
    double x[3];
    int rejected = 0;
    for (std::uint64_t sim = 0; sim < 2000; ++sim) {
      family.simulate(theta, s, sim, x);
      EXPECT_EQ(family.rejects(x), family.statistic(x) > family.critical) << to_string(kind);
      rejected += family.rejects(x) ? 1 : 0;
    }
    EXPECT_GT(rejected, 0) << to_string(kind);
    EXPECT_LT(rejected, 2000) << to_string(kind);
  }
  // Strictly: a statistic equal to the critical value accepts.
  const gaussian_location_test one_sided = family_of(1, test_kind::one_sided, 1.5);
  const double at_critical[] = {1.5};
  EXPECT_FALSE(one_sided.rejects(at_critical));
}

TEST(FamilyTest, ClusterPointIsTheMeanPerObservation) {
  const gaussian_test_model model(2, test_kind::max, 2.0);
  EXPECT_EQ(model.cluster_size(), 2u);
  const double x[] = {1.25, -0.5};
  double point[2];
  model.cluster_point(x, point);
  EXPECT_EQ(point[0], 1.25);
  EXPECT_EQ(point[1], -0.5);
  double theta[2];
  model.proposal_from_mean(point, theta);
  EXPECT_EQ(theta[0], 1.25);
  EXPECT_EQ(theta[1], -0.5);
}

TEST(FamilyTest, AdapterMatchesTheFamilyAndCarriesTheDeviceFlag) {
  const gaussian_test_model model(2, test_kind::norm, 3.0);
  const gaussian_location_test& family = model.family();
  EXPECT_EQ(model.dim(), 2u);
  EXPECT_EQ(model.sample_size(), 2u);
  EXPECT_EQ(model.name(), "gaussian/norm");
  EXPECT_TRUE(model.has_device_form());
  EXPECT_TRUE(compiled_for_device<gaussian_location_test>::value);
  EXPECT_FALSE(test::both_exceed().has_device_form());

  const double theta[] = {1.0, 0.5};
  const random_stream s{3, 1};
  std::uint64_t by_hand = 0;
  double x[2];
  for (std::uint64_t sim = 0; sim < 5000; ++sim) {
    family.simulate(theta, s, sim, x);
    by_hand += family.rejects(x) ? 1 : 0;
  }
  EXPECT_EQ(model.count_rejections(theta, s, 0, 5000), by_hand);
}

// A family the kernels were not compiled for: a user's own, through the default ratio. Its
// model runs on the host (no device form) and its ratio is the exponential family's.
struct scaled_location {
  static constexpr int max_parameter_size = 1;
  static constexpr int max_sample_size = 1;
  static constexpr int max_natural_size = 1;
  int parameter_size() const { return 1; }
  int sample_size() const { return 1; }
  int natural_size() const { return 1; }
  void natural_from_user(const double* theta, double* eta) const { eta[0] = theta[0]; }
  void user_from_natural(const double* eta, double* theta) const { theta[0] = eta[0]; }
  // x = mean of 4 observations of N(θ, 1): N(θ, 1/4); η = θ, T = 4x, A(η) = 2η².
  void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const {
    double z;
    standard_normals(s, sim, &z, 1);
    x[0] = theta[0] + 0.5 * z;
  }
  void sufficient_statistic(const double* x, double* t) const { t[0] = 4.0 * x[0]; }
  double log_partition(const double* eta) const { return 2.0 * eta[0] * eta[0]; }
  double log_density_ratio(const double* theta_m, const double* theta_j, const double* x) const {
    return exponential_family_log_density_ratio(*this, theta_m, theta_j, x);
  }
  double statistic(const double* x) const { return 2.0 * x[0]; }
  bool rejects(const double* x) const { return statistic(x) > 1.96; }
  void observation_counts(double* n) const { n[0] = 4.0; }
  std::string name() const { return "scaled_location"; }
  std::optional<double> exact_rate(const double*) const { return std::nullopt; }
  void user_from_mean(const double* mean, double* theta) const { theta[0] = mean[0]; }
};

TEST(FamilyTest, AUsersFamilyRunsOnTheHostWithTheDefaultRatio) {
  const family_model<scaled_location> model{scaled_location{}};
  EXPECT_FALSE(model.has_device_form());
  // N(θ, 1/4): log p_m(x) − log p_j(x) = 2 (θ_m − θ_j)(2x − θ_m − θ_j) by hand.
  const double theta_m[] = {0.5}, theta_j[] = {-0.25}, x[] = {0.75};
  EXPECT_NEAR(model.log_density_ratio(theta_m, theta_j, x), 2.0 * 0.75 * (1.5 - 0.25), 1e-14);
  // The cluster point is T(x)/n = x, the proposal map the identity.
  double point[1];
  model.cluster_point(x, point);
  EXPECT_DOUBLE_EQ(point[0], 0.75);
}

}  // namespace
}  // namespace ismc

namespace ismc {
namespace {

// The Gaussian family simulates in vector batches (`simulate_batch`): the same samples, bit
// for bit, as one at a time, and so the same counts whatever the block boundaries.
TEST(FamilyTest, BatchSimulationIsTheScalarSimulation) {
  static_assert(has_simulate_batch<gaussian_location_test>::value);
  for (int dim : {1, 2, 3, 5}) {
    const gaussian_test_model model(static_cast<std::size_t>(dim), test_kind::norm,
                                    static_cast<double>(dim));
    const std::vector<double> theta = {0.3, -0.2, 0.1, 0.0, 0.7};
    const random_stream s{77, 5, 0};
    const std::size_t count = 1000;
    const std::uint64_t begin = 4099;
    std::vector<double> many(count * static_cast<std::size_t>(dim));
    model.simulate_many(theta.data(), s, begin, count, many.data());
    std::vector<double> one(static_cast<std::size_t>(dim));
    std::uint64_t rejections = 0;
    for (std::size_t i = 0; i < count; ++i) {
      model.simulate(theta.data(), s, begin + i, one.data());
      for (int n = 0; n < dim; ++n)
        ASSERT_EQ(many[i * static_cast<std::size_t>(dim) + static_cast<std::size_t>(n)],
                  one[static_cast<std::size_t>(n)])
            << "dim " << dim << " sim " << begin + i;
      rejections += model.reject(one.data()) ? 1 : 0;
    }
    EXPECT_GT(rejections, 0u);
    EXPECT_EQ(model.count_rejections(theta.data(), s, begin, begin + count), rejections);
    // Split anywhere, the parts add up to the whole.
    EXPECT_EQ(model.count_rejections(theta.data(), s, begin, begin + 333) +
                  model.count_rejections(theta.data(), s, begin + 333, begin + count),
              rejections);
  }
}

}  // namespace
}  // namespace ismc

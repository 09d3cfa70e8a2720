// The one-sample t-test family (rates/t_test.hpp): its maps and log-density ratio by hand,
// and plain Monte Carlo and importance sampling against the noncentral t tail (Boost), at
// fixed seeds, within 4 standard errors.
#include "ismc/rates/t_test.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"
#include "support/se_calibration.hpp"

namespace ismc {
namespace {

normal_t_test t_family(std::uint32_t n, double critical) {
  normal_t_test family;
  family.observations = n;
  family.critical = critical;
  return family;
}

// P(T_{n−1, √n μ/σ} > c): the reference the estimates are held to.
double noncentral_t_tail(std::uint32_t n, double mu, double sigma, double critical) {
  const double dof = n - 1.0;
  const double delta = std::sqrt(static_cast<double>(n)) * mu / sigma;
  if (delta == 0.0) {
    return boost::math::cdf(boost::math::complement(boost::math::students_t(dof), critical));
  }
  return boost::math::cdf(
      boost::math::complement(boost::math::non_central_t(dof, delta), critical));
}

// log density of the sample (x̄, SS) at θ = (μ, σ), from its two independent parts:
// x̄ ~ N(μ, σ²/n) and SS/σ² ~ χ²_{n−1}.
double log_density(std::uint32_t n, const double* theta, const double* x) {
  const double sd = theta[1] / std::sqrt(static_cast<double>(n));
  const double normal = std::log(boost::math::pdf(boost::math::normal(theta[0], sd), x[0]));
  const double variance = theta[1] * theta[1];
  const double chi_square =
      std::log(boost::math::pdf(boost::math::chi_squared(n - 1.0), x[1] / variance)) -
      std::log(variance);
  return normal + chi_square;
}

TEST(TTest, MapsAreInverseAndTheRatioIsTheDensities) {
  const normal_t_test family = t_family(8, 2.0);
  const double theta[] = {0.7, 1.3};
  double eta[2], back[2];
  family.natural_from_user(theta, eta);
  EXPECT_DOUBLE_EQ(eta[0], 0.7 / (1.3 * 1.3));
  EXPECT_DOUBLE_EQ(eta[1], -0.5 / (1.3 * 1.3));
  family.user_from_natural(eta, back);
  EXPECT_NEAR(back[0], theta[0], 1e-15);
  EXPECT_NEAR(back[1], theta[1], 1e-15);

  const double theta_m[] = {0.4, 0.8}, theta_j[] = {-0.3, 1.5};
  const random_stream s{5, 2};
  double x[2];
  for (std::uint64_t sim = 0; sim < 50; ++sim) {
    family.simulate(theta_m, s, sim, x);
    const double by_hand = log_density(8, theta_m, x) - log_density(8, theta_j, x);
    EXPECT_NEAR(family.log_density_ratio(theta_m, theta_j, x), by_hand,
                1e-10 * (1.0 + std::fabs(by_hand)))
        << "sim " << sim;
  }
}

TEST(TTest, StatisticAndClusterPoint) {
  const normal_t_test family = t_family(5, 1.0);
  const double x[] = {0.5, 2.0};  // x̄ = 0.5, SS = 2: s = √(2/4), t = √5 · 0.5 / s
  EXPECT_DOUBLE_EQ(family.statistic(x), std::sqrt(5.0) * 0.5 / std::sqrt(0.5));
  EXPECT_TRUE(family.rejects(x));
  const family_model<normal_t_test> model(family);
  double point[2];
  model.cluster_point(x, point);
  EXPECT_DOUBLE_EQ(point[0], 0.5);               // x̄
  EXPECT_DOUBLE_EQ(point[1], 2.0 / 5.0 + 0.25);  // SS/n + x̄²
  double theta[2];
  model.proposal_from_mean(point, theta);  // back to (μ, σ) = (x̄, √(SS/n))
  EXPECT_DOUBLE_EQ(theta[0], 0.5);
  EXPECT_NEAR(theta[1], std::sqrt(0.4), 1e-15);
  EXPECT_TRUE(model.has_device_form());  // the kernels are compiled for it
}

TEST(TTest, ExactRateIsTheNoncentralT) {
  // The model's exact rate (dist's t_test_exact_rate) against the test's own Boost call.
  const family_model<normal_t_test> model(t_family(12, 2.2));
  for (const auto& theta : std::vector<std::vector<double>>{{0.0, 1.0}, {0.4, 0.7}, {-0.3, 2.0}}) {
    const double reference = noncentral_t_tail(12, theta[0], theta[1], 2.2);
    EXPECT_NEAR(*model.exact_rate(theta.data()), reference, 1e-9 * reference);
  }
}

TEST(TTest, SampleMomentsAreExact) {
  // x̄ ~ N(μ, σ²/n), SS ~ σ² χ²_{n−1}: means and variances within 4 SE over 200000 draws.
  const std::uint32_t n = 6;
  const normal_t_test family = t_family(n, 0.0);
  const double theta[] = {1.5, 2.0};
  const random_stream s{17, 0};
  const int draws = 200000;
  double sum_mean = 0.0, sum_mean2 = 0.0, sum_ss = 0.0, sum_ss2 = 0.0;
  double x[2];
  for (int i = 0; i < draws; ++i) {
    family.simulate(theta, s, static_cast<std::uint64_t>(i), x);
    sum_mean += x[0];
    sum_mean2 += x[0] * x[0];
    sum_ss += x[1];
    sum_ss2 += x[1] * x[1];
  }
  const double mean_var = 4.0 / n;             // σ²/n
  const double ss_mean = 4.0 * (n - 1);        // σ²(n − 1)
  const double ss_var = 16.0 * 2.0 * (n - 1);  // σ⁴ · 2(n − 1)
  const double m = sum_mean / draws, ss = sum_ss / draws;
  EXPECT_NEAR(m, 1.5, 4.0 * std::sqrt(mean_var / draws));
  EXPECT_NEAR(ss, ss_mean, 4.0 * std::sqrt(ss_var / draws));
  // Sample variances: SE of s² ≈ σ²·√(κ−1)/√N with κ the kurtosis (3 and 3 + 12/(n−1)).
  EXPECT_NEAR(sum_mean2 / draws - m * m, mean_var, 4.0 * mean_var * std::sqrt(2.0 / draws));
  EXPECT_NEAR(sum_ss2 / draws - ss * ss, ss_var,
              4.0 * ss_var * std::sqrt((2.0 + 12.0 / (n - 1)) / draws));
}

rates_study t_study(std::uint64_t n, double critical) {
  rates_study study;
  study.model.family = "normal_unknown_variance";
  study.model.dim = 2;
  study.model.observations = n;
  study.test.kind = test_kind::t;
  study.test.critical = critical;
  return study;
}

struct plain_case {
  std::uint32_t n;
  double critical;
  std::vector<double> targets;  // (μ, σ) pairs
};

TEST(TTest, PlainMatchesTheNoncentralTWithin4SE) {
  // Rates from about 1e-3 up; 400000 simulations per target (≥ 400 rejections at 1e-3).
  const std::vector<plain_case> cases = {
      {2, 31.82, {0.0, 1.0, 0.5, 1.0, 2.0, 3.0}},    // t_1: 31.82 is the 0.01 point
      {10, 2.821, {0.0, 1.0, 0.3, 0.5, -0.2, 2.0}},  // t_9, 0.01 point
      {30, 3.396, {0.0, 1.0, 0.4, 1.0, 1.0, 4.0}},   // t_29, about 0.001 at the null
  };
  const auto backend = make_cpu_backend();
  for (const plain_case& c : cases) {
    const rates_study study = t_study(c.n, c.critical);
    const auto model = make_model(study.model, study.test);
    run_spec run;
    run.seed = 2024;
    plain_spec plain;
    plain.sims = 400000;
    const rates_result result = estimate_plain(*model, c.targets, run, plain, *backend);
    for (const rate_row& row : result.rows) {
      const double exact = noncentral_t_tail(c.n, row.theta[0], row.theta[1], c.critical);
      ASSERT_TRUE(row.exact.has_value());
      EXPECT_NEAR(*row.exact, exact, 1e-9 * exact);
      ASSERT_GE(exact, 9e-4);
      const double se = std::sqrt(exact * (1.0 - exact) / plain.sims);
      EXPECT_NEAR(row.estimate, exact, 4.0 * se)
          << "n " << c.n << " mu " << row.theta[0] << " sigma " << row.theta[1];
    }
  }
}

TEST(TTest, ImportanceMatchesTheNoncentralTWithin4SE) {
  // Rates down to about 1e-6 at the null (t_9 beyond 9.0) and below it.
  const std::uint32_t n = 10;
  const double critical = 9.0;
  const rates_study study = t_study(n, critical);
  const auto model = make_model(study.model, study.test);
  const std::vector<double> targets = {0.0, 1.0, -0.2, 1.0, 0.3, 1.5, 0.0, 0.5};
  run_spec run;
  run.seed = 99;
  // The pilot is plain Monte Carlo: at rates near 1e-6 it needs about 1e6 simulations per
  // target to see a few dozen rejections for k-means (with 2e4 it saw one, every cluster
  // weight came from it, and the estimates at the other targets were off by far more than
  // their standard errors). About 1.3 s on 2 threads.
  importance_spec spec;
  spec.pilot_sims = 1000000;
  spec.sims_per_proposal = 100000;
  const auto backend = make_cpu_backend();
  const rates_result result = estimate_importance(*model, targets, run, spec, *backend);
  for (const rate_row& row : result.rows) {
    const double exact = noncentral_t_tail(n, row.theta[0], row.theta[1], critical);
    ASSERT_TRUE(row.exact.has_value());
    EXPECT_NEAR(*row.exact, exact, 1e-9 * exact);
    EXPECT_GT(row.std_error, 0.0);
    EXPECT_NEAR(row.estimate, exact, 4.0 * row.std_error)
        << "mu " << row.theta[0] << " sigma " << row.theta[1] << " exact " << exact
        << " relative SE " << row.std_error / exact;
  }
}

TEST(TTest, PlainStandardErrorsAreCalibratedOverSeeds) {
  // 200 independent seeds at the null of t_9 beyond 2.821 (f = 0.01), 40000 simulations
  // each: about 400 rejections per seed, so the estimated SE's bias of z (about
  // −0.5/√400 = −0.025) is well inside the bounds. The mean of z uses the exact SE
  // √(f(1 − f)/N): |mean| ≤ 3/√200; the sd of z the estimated SE: |sd − 1| ≤ 3/√400.
  const std::uint32_t n = 10;
  const double critical = 2.821;
  const rates_study study = t_study(n, critical);
  const auto model = make_model(study.model, study.test);
  const double exact = noncentral_t_tail(n, 0.0, 1.0, critical);
  const std::vector<double> targets = {0.0, 1.0};
  plain_spec plain;
  plain.sims = 40000;
  const test::se_calibration calibration =
      test::plain_se_calibration(*model, targets, plain, exact, 1000, 200);
  const double mean_z = calibration.mean_z;
  const double sd_z = calibration.sd_z;
  EXPECT_LE(std::fabs(mean_z), 3.0 / std::sqrt(200.0)) << "mean z " << mean_z;
  EXPECT_LE(std::fabs(sd_z - 1.0), 3.0 / std::sqrt(400.0)) << "sd z " << sd_z;
  RecordProperty("mean_z", std::to_string(mean_z));
  RecordProperty("sd_z", std::to_string(sd_z));
}

TEST(TTest, ImportanceStandardErrorsAreCalibratedOverSeeds) {
  // 200 independent seeds at the null of t_9 beyond 4.0 (f = 1.6e-3); pilot 20000 (about 30
  // rejections), 5000 simulations per proposal. The z-bias, computed beforehand from one run
  // at 16 times the size (importance_z_bias: 0.5/√(ESS·f)), must be below 0.05; then
  // |mean z| ≤ 3/√200 and |sd z − 1| ≤ 3/√400, z by the estimated SE.
  const std::uint32_t n = 10;
  const double critical = 4.0;
  const rates_study study = t_study(n, critical);
  const auto model = make_model(study.model, study.test);
  const double exact = noncentral_t_tail(n, 0.0, 1.0, critical);
  const std::vector<double> targets = {0.0, 1.0};
  importance_spec spec;
  spec.pilot_sims = 20000;
  spec.sims_per_proposal = 5000;
  const double z_bias = test::importance_z_bias(*model, targets, spec, exact, 77, 16);
  ASSERT_LT(z_bias, 0.05);
  const test::se_calibration calibration =
      test::importance_se_calibration(*model, targets, spec, exact, 3000, 200);
  EXPECT_LE(std::fabs(calibration.mean_z), 3.0 / std::sqrt(200.0))
      << "mean z " << calibration.mean_z << " (z-bias " << z_bias << ")";
  EXPECT_LE(std::fabs(calibration.sd_z - 1.0), 3.0 / std::sqrt(400.0))
      << "sd z " << calibration.sd_z;
  RecordProperty("z_bias", std::to_string(z_bias));
  RecordProperty("mean_z", std::to_string(calibration.mean_z));
  RecordProperty("sd_z", std::to_string(calibration.sd_z));
}

TEST(TTest, StudyRefusesBadInputNamingTheField) {
  const auto message = [](const rates_study& study) {
    try {
      validate(study);
    } catch (const input_error& e) {
      return e.field() + ": " + e.what();
    }
    return std::string("no error");
  };
  rates_study study = t_study(1, 2.0);
  study.grid.thetas = {{0.0, 1.0}};
  EXPECT_NE(message(study).find("model.observations"), std::string::npos) << message(study);
  EXPECT_NE(message(study).find("got 1"), std::string::npos) << message(study);

  study = t_study(5, 2.0);
  study.grid.thetas = {{0.0, 1.0}, {0.0, -1.0}};
  EXPECT_NE(message(study).find("grid.thetas[1]"), std::string::npos) << message(study);
  EXPECT_NE(message(study).find("expected sigma > 0"), std::string::npos) << message(study);

  study.grid.thetas = {};
  study.grid.lower = {0.0, 0.0};
  study.grid.upper = {1.0, 2.0};
  study.grid.points = {2, 2};
  EXPECT_NE(message(study).find("grid.lower"), std::string::npos) << message(study);
  EXPECT_NE(message(study).find("got sigma = 0"), std::string::npos) << message(study);

  study.grid.lower = {0.0, 0.5};
  study.test.kind = test_kind::one_sided;
  EXPECT_NE(message(study).find("test.kind"), std::string::npos) << message(study);

  study.test.kind = test_kind::t;
  study.model.dim = 3;
  EXPECT_NE(message(study).find("model.dim"), std::string::npos) << message(study);

  rates_study gaussian;
  gaussian.test.kind = test_kind::t;
  gaussian.grid.thetas = {{0.0}};
  EXPECT_NE(message(gaussian).find("test.kind"), std::string::npos) << message(gaussian);
}

}  // namespace
}  // namespace ismc

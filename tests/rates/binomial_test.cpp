// Binomial arms with the count test (rates/binomial.hpp): the log-density ratio against the
// binomial pmf, the proposal map's clamp, and plain Monte Carlo and importance sampling
// against the binomial tail (Boost) at d = 1, 2, 3, at fixed seeds, within 4 standard errors.
#include "ismc/rates/binomial.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <algorithm>
#include <cmath>
#include <utility>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"
#include "support/se_calibration.hpp"

namespace ismc {
namespace {

double logistic(double theta) { return 1.0 / (1.0 + std::exp(-theta)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

// P(Y_0 > c), Y_0 ~ Binomial(n, p).
double count_tail(std::uint64_t n, double p, double critical) {
  const double k = std::floor(critical);
  if (k < 0.0) return 1.0;
  if (k >= static_cast<double>(n)) return 0.0;
  return boost::math::cdf(
      boost::math::complement(boost::math::binomial(static_cast<double>(n), p), k));
}

rates_study count_study(const std::vector<std::uint64_t>& trials, double critical) {
  rates_study study;
  study.model.family = "binomial";
  study.model.trials = trials;
  study.model.dim = trials.size();
  study.test.kind = test_kind::count;
  study.test.critical = critical;
  return study;
}

TEST(Binomial, RatioIsThePmfRatio) {
  const rates_study study = count_study({12, 40, 7}, 3.0);
  const auto model = make_model(study.model, study.test);
  const double theta_m[] = {logit(0.3), logit(0.55), logit(0.9)};
  const double theta_j[] = {logit(0.1), logit(0.5), logit(0.2)};
  const double n[] = {12, 40, 7};
  const random_stream s{8, 1};
  double y[3];
  for (std::uint64_t sim = 0; sim < 50; ++sim) {
    model->simulate(theta_m, s, sim, y);
    double by_hand = 0.0;
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(y[i], std::floor(y[i]));
      ASSERT_GE(y[i], 0.0);
      ASSERT_LE(y[i], n[i]);
      const boost::math::binomial m(n[i], logistic(theta_m[i])), j(n[i], logistic(theta_j[i]));
      by_hand += std::log(boost::math::pdf(m, y[i])) - std::log(boost::math::pdf(j, y[i]));
    }
    EXPECT_NEAR(model->log_density_ratio(theta_m, theta_j, y), by_hand,
                1e-11 * (1.0 + std::fabs(by_hand)))
        << "sim " << sim;
  }
}

TEST(Binomial, ProposalCentresAreClampedThenLogit) {
  const rates_study study = count_study({10, 4, 1}, 3.0);
  const auto model = make_model(study.model, study.test);
  EXPECT_TRUE(model->has_device_form());
  EXPECT_EQ(model->name(), "binomial/count");
  const double y[] = {3.0, 4.0, 0.0};
  double point[3];
  model->cluster_point(y, point);  // y_i / n_i
  EXPECT_DOUBLE_EQ(point[0], 0.3);
  EXPECT_DOUBLE_EQ(point[1], 1.0);
  EXPECT_DOUBLE_EQ(point[2], 0.0);
  double theta[3];
  model->proposal_from_mean(point, theta);
  EXPECT_NEAR(theta[0], logit(0.3), 1e-15);
  EXPECT_NEAR(theta[1], logit(1.0 - 0.5 / 4.0), 1e-15);  // clamped to 1 − 0.5/n
  EXPECT_NEAR(theta[2], 0.0, 1e-15);                     // n = 1: [0.5, 0.5]
}

TEST(Binomial, PlainCountMatchesTheBinomialTailWithin4SE) {
  // d = 1, 2, 3; rates from about 1e-3 up; 400000 simulations per target.
  struct plain_case {
    std::vector<std::uint64_t> trials;
    double critical;
    std::vector<double> p_targets;  // p_0 of each target; the other arms at p = 0.3
  };
  const std::vector<plain_case> cases = {
      {{20}, 9.0, {0.2, 0.35, 0.5}},
      {{50, 30}, 15.0, {0.15, 0.25, 0.4}},
      {{8, 100, 3}, 5.0, {0.2, 0.5, 0.8}},
  };
  const auto backend = make_cpu_backend();
  for (const plain_case& c : cases) {
    const rates_study study = count_study(c.trials, c.critical);
    const auto model = make_model(study.model, study.test);
    std::vector<double> targets;
    for (double p : c.p_targets) {
      targets.push_back(logit(p));
      for (std::size_t i = 1; i < c.trials.size(); ++i) targets.push_back(logit(0.3));
    }
    run_spec run;
    run.seed = 77;
    plain_spec plain;
    plain.sims = 400000;
    const rates_result result = estimate_plain(*model, targets, run, plain, *backend);
    for (const rate_row& row : result.rows) {
      const double exact = count_tail(c.trials[0], logistic(row.theta[0]), c.critical);
      ASSERT_GE(exact, 9e-4);
      const double se = std::sqrt(exact * (1.0 - exact) / plain.sims);
      EXPECT_NEAR(row.estimate, exact, 4.0 * se)
          << "d " << c.trials.size() << " p_0 " << logistic(row.theta[0]);
    }
  }
}

TEST(Binomial, ImportanceCountMatchesTheBinomialTailWithin4SE) {
  // Rates 1.0e-3, 3.0e-5 and 1.9e-7 (p_0 = 0.25, 0.2, 0.15 with n_0 = 50, y_0 > 22), at
  // d = 1, 2, 3. The pilot (plain Monte Carlo, 2e5 per target) sees about 200 rejections at
  // the first, 6 at the second and none at the third, which borrows its weights.
  struct importance_case {
    std::vector<std::uint64_t> trials;
    double critical;
    std::vector<double> p_targets;
  };
  const std::vector<importance_case> cases = {
      {{50}, 22.0, {0.15, 0.2, 0.25}},
      {{50, 30}, 22.0, {0.15, 0.2, 0.25}},
      {{50, 30, 10}, 22.0, {0.15, 0.2, 0.25}},
  };
  const auto backend = make_cpu_backend();
  for (const importance_case& c : cases) {
    const rates_study study = count_study(c.trials, c.critical);
    const auto model = make_model(study.model, study.test);
    std::vector<double> targets;
    for (double p : c.p_targets) {
      targets.push_back(logit(p));
      for (std::size_t i = 1; i < c.trials.size(); ++i) targets.push_back(logit(0.3));
    }
    run_spec run;
    run.seed = 5;
    importance_spec spec;
    spec.pilot_sims = 200000;
    spec.sims_per_proposal = 100000;
    const rates_result result = estimate_importance(*model, targets, run, spec, *backend);
    for (const rate_row& row : result.rows) {
      const double exact = count_tail(c.trials[0], logistic(row.theta[0]), c.critical);
      EXPECT_GT(row.std_error, 0.0);
      EXPECT_NEAR(row.estimate, exact, 4.0 * row.std_error)
          << "d " << c.trials.size() << " p_0 " << logistic(row.theta[0]) << " exact " << exact
          << " relative SE " << row.std_error / exact;
    }
  }
}

TEST(Binomial, PlainStandardErrorsAreCalibratedOverSeeds) {
  // 200 independent seeds, y_0 > 15 of Binomial(50, 0.2) (f ≈ 0.031) beside a second arm,
  // 20000 simulations each: about 600 rejections per seed (the estimated SE's z-bias about
  // −0.5/√600 = −0.02). Mean of z by the exact SE: |mean| ≤ 3/√200; sd of z by the
  // estimated SE: |sd − 1| ≤ 3/√400.
  const rates_study study = count_study({50, 30}, 15.0);
  const auto model = make_model(study.model, study.test);
  const double exact = count_tail(50, 0.2, 15.0);
  const std::vector<double> targets = {logit(0.2), logit(0.4)};
  plain_spec plain;
  plain.sims = 20000;
  ASSERT_GE(exact * plain.sims, 400.0);
  const test::se_calibration calibration =
      test::plain_se_calibration(*model, targets, plain, exact, 5000, 200);
  const double mean_z = calibration.mean_z;
  const double sd_z = calibration.sd_z;
  EXPECT_LE(std::fabs(mean_z), 3.0 / std::sqrt(200.0)) << "mean z " << mean_z;
  EXPECT_LE(std::fabs(sd_z - 1.0), 3.0 / std::sqrt(400.0)) << "sd z " << sd_z;
  RecordProperty("mean_z", std::to_string(mean_z));
  RecordProperty("sd_z", std::to_string(sd_z));
}

TEST(Binomial, ImportanceStandardErrorsAreCalibratedOverSeeds) {
  // 200 independent seeds, y_0 > 22 of Binomial(50, 0.25) (f = 1.0e-3) beside a second arm;
  // pilot 20000 (about 20 rejections), 5000 simulations per proposal. The z-bias, computed
  // beforehand from one run at 16 times the size (importance_z_bias: 0.5/√(ESS·f)), must be
  // below 0.05; then |mean z| ≤ 3/√200 and |sd z − 1| ≤ 3/√400, z by the estimated SE.
  const rates_study study = count_study({50, 30}, 22.0);
  const auto model = make_model(study.model, study.test);
  const double exact = count_tail(50, 0.25, 22.0);
  const std::vector<double> targets = {logit(0.25), logit(0.4)};
  importance_spec spec;
  spec.pilot_sims = 20000;
  spec.sims_per_proposal = 5000;
  const double z_bias = test::importance_z_bias(*model, targets, spec, exact, 77, 16);
  ASSERT_LT(z_bias, 0.05);
  const test::se_calibration calibration =
      test::importance_se_calibration(*model, targets, spec, exact, 7000, 200);
  EXPECT_LE(std::fabs(calibration.mean_z), 3.0 / std::sqrt(200.0))
      << "mean z " << calibration.mean_z << " (z-bias " << z_bias << ")";
  EXPECT_LE(std::fabs(calibration.sd_z - 1.0), 3.0 / std::sqrt(400.0))
      << "sd z " << calibration.sd_z;
  RecordProperty("z_bias", std::to_string(z_bias));
  RecordProperty("mean_z", std::to_string(calibration.mean_z));
  RecordProperty("sd_z", std::to_string(calibration.sd_z));
}

TEST(Binomial, CountExactRateIsTheBinomialTail) {
  const rates_study study = count_study({50, 30}, 15.0);
  const auto model = make_model(study.model, study.test);
  for (double p : {0.01, 0.2, 0.3, 0.6, 0.99}) {
    const double theta[] = {logit(p), 0.0};
    const double tail = count_tail(50, p, 15.0);
    EXPECT_NEAR(*model->exact_rate(theta), tail, 1e-12 * tail + 1e-300) << "p " << p;
  }
}

rates_study pairwise_study(test_kind kind, const std::vector<std::uint64_t>& trials,
                           double critical) {
  rates_study study = count_study(trials, critical);
  study.test.kind = kind;
  return study;
}

TEST(Binomial, PairwiseDecisionsAreTheStatisticAboveTheCritical) {
  // The threshold tables decide exactly as s(y) > critical, for every sample drawn.
  for (const auto& [kind, critical] :
       {std::pair{test_kind::difference, 1.96}, std::pair{test_kind::posterior, 0.975}}) {
    const rates_study study = pairwise_study(kind, {20, 15, 25}, critical);
    const auto model = make_model(study.model, study.test);
    EXPECT_TRUE(model->has_device_form());  // the tables are uploaded for the kernels
    const double theta[] = {logit(0.3), logit(0.45), logit(0.5)};
    const random_stream s{12, 0};
    double y[3];
    int rejected = 0;
    for (std::uint64_t sim = 0; sim < 5000; ++sim) {
      model->simulate(theta, s, sim, y);
      const auto y0 = static_cast<std::uint32_t>(y[0]);
      double largest = -1e300;
      for (int i = 1; i < 3; ++i) {
        largest = std::max(
            largest, arm_statistic(kind == test_kind::posterior ? binomial_statistic::posterior
                                                                : binomial_statistic::difference,
                                   y0, 20, static_cast<std::uint32_t>(y[i]), i == 1 ? 15u : 25u));
      }
      ASSERT_EQ(model->reject(y), largest > critical) << to_string(kind) << " sim " << sim;
      rejected += model->reject(y) ? 1 : 0;
    }
    EXPECT_GT(rejected, 100) << to_string(kind);
  }
}

TEST(Binomial, PlainPairwiseMatchesTheExactRateWithin4SE) {
  // difference and posterior at d = 2 and 3, small n; 200000 simulations per target.
  struct pairwise_case {
    test_kind kind;
    std::vector<std::uint64_t> trials;
    double critical;
  };
  const std::vector<pairwise_case> cases = {
      {test_kind::difference, {20, 20}, 1.96},
      {test_kind::difference, {15, 10, 12}, 1.96},
      {test_kind::posterior, {20, 20}, 0.975},
      {test_kind::posterior, {15, 10, 12}, 0.975},
  };
  const auto backend = make_cpu_backend();
  for (const pairwise_case& c : cases) {
    const rates_study study = pairwise_study(c.kind, c.trials, c.critical);
    const auto model = make_model(study.model, study.test);
    std::vector<double> targets;
    for (double p_other : {0.3, 0.5, 0.7}) {
      targets.push_back(logit(0.3));
      for (std::size_t i = 1; i < c.trials.size(); ++i) targets.push_back(logit(p_other));
    }
    run_spec run;
    run.seed = 31;
    plain_spec plain;
    plain.sims = 200000;
    const rates_result result = estimate_plain(*model, targets, run, plain, *backend);
    for (const rate_row& row : result.rows) {
      ASSERT_TRUE(row.exact.has_value());
      const double exact = *row.exact;
      ASSERT_GE(exact, 1e-3);
      const double se = std::sqrt(exact * (1.0 - exact) / plain.sims);
      EXPECT_NEAR(row.estimate, exact, 4.0 * se)
          << to_string(c.kind) << " d " << c.trials.size() << " p_1 " << logistic(row.theta[1]);
    }
  }
}

TEST(Binomial, ImportancePairwiseMatchesTheExactRateWithin4SE) {
  // Far tails of the difference and posterior tests at d = 2 and 3, rates 7e-6 to 3e-5.
  // The pilot (plain Monte Carlo) must see every part of the rejection region (arm 0 low,
  // or any other arm high): at d = 3 a pilot of 2e5 saw 4 rejections at the null, missed a
  // part, and the estimate came out 9 of its SEs low; 2e6 sees about 40.
  struct pairwise_case {
    test_kind kind;
    std::vector<std::uint64_t> trials;
    double critical;
    std::uint64_t pilot_sims;
  };
  const std::vector<pairwise_case> cases = {
      {test_kind::difference, {40, 40}, 4.2, 200000},
      {test_kind::posterior, {40, 40}, 0.99999, 200000},
      {test_kind::difference, {40, 40, 30}, 4.2, 2000000},
      {test_kind::posterior, {40, 40, 30}, 0.99999, 2000000},
  };
  const auto backend = make_cpu_backend();
  for (const pairwise_case& c : cases) {
    const rates_study study = pairwise_study(c.kind, c.trials, c.critical);
    const auto model = make_model(study.model, study.test);
    std::vector<double> targets;
    for (const double p_0 : {0.3, 0.4}) {  // the null p = 0.3, and arm 0 higher
      targets.push_back(logit(p_0));
      for (std::size_t i = 1; i < c.trials.size(); ++i) targets.push_back(logit(0.3));
    }
    run_spec run;
    run.seed = 8;
    importance_spec spec;
    spec.pilot_sims = c.pilot_sims;
    spec.sims_per_proposal = 100000;
    const rates_result result = estimate_importance(*model, targets, run, spec, *backend);
    for (const rate_row& row : result.rows) {
      ASSERT_TRUE(row.exact.has_value());
      const double exact = *row.exact;
      EXPECT_GT(row.std_error, 0.0);
      EXPECT_NEAR(row.estimate, exact, 4.0 * row.std_error)
          << to_string(c.kind) << " d " << c.trials.size() << " p_0 " << logistic(row.theta[0])
          << " exact " << exact << " relative SE " << row.std_error / exact;
    }
  }
}

TEST(Binomial, StatisticValuesAgreeWithTheDecisions) {
  // s(x) from the model's value tables is above the critical value exactly when the
  // threshold tables reject x, at every sample of three small arms.
  for (const test_kind kind : {test_kind::difference, test_kind::posterior}) {
    const double critical = kind == test_kind::posterior ? 0.95 : 1.96;
    const binomial_pairwise_model model(kind == test_kind::posterior
                                            ? binomial_statistic::posterior
                                            : binomial_statistic::difference,
                                        {12, 9, 15}, critical);
    int rejections = 0;
    for (int y0 = 0; y0 <= 12; ++y0) {
      for (int y1 = 0; y1 <= 9; ++y1) {
        for (int y2 = 0; y2 <= 15; ++y2) {
          const double x[] = {double(y0), double(y1), double(y2)};
          const double value = model.statistic_value(x);
          ASSERT_EQ(value > critical, model.reject(x)) << y0 << " " << y1 << " " << y2;
          ASSERT_EQ(value, model.family().statistic(x));
          rejections += model.reject(x) ? 1 : 0;
        }
      }
    }
    EXPECT_GT(rejections, 0);
  }
}

TEST(Binomial, StudyRefusesBadInputNamingTheField) {
  const auto message = [](const rates_study& study) {
    try {
      validate(study);
    } catch (const input_error& e) {
      return e.field() + ": " + e.what();
    }
    return std::string("no error");
  };
  const auto expect_message = [&](const rates_study& study, const std::string& field,
                                  const std::string& text) {
    const std::string got = message(study);
    EXPECT_EQ(got.rfind(field + ":", 0), 0u) << got;
    EXPECT_NE(got.find(text), std::string::npos) << got;
  };
  rates_study study = count_study({10, 0}, 3.0);
  study.grid.thetas = {{0.0, 0.0}};
  expect_message(study, "model.trials[1]", "got 0, expected an integer in [1, 1000000]");
  study.model.trials = {10, 2000000};
  expect_message(study, "model.trials[1]", "got 2000000");
  study.model.trials = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  study.model.dim = 9;
  expect_message(study, "model.trials", "got 9 arms, expected 1 to 8 arms");
  study.model.trials = {};
  expect_message(study, "model.trials", "got 0 arms");
  study = count_study({10, 20}, 3.0);
  study.model.dim = 3;
  study.grid.thetas = {{0.0, 0.0, 0.0}};
  expect_message(study, "model.dim", "got 3, expected 2");
  study = count_study({10, 20}, 3.0);
  study.test.kind = test_kind::one_sided;
  study.grid.thetas = {{0.0, 0.0}};
  expect_message(study, "test.kind", "expected count, difference or posterior");
  study.test.kind = test_kind::count;
  study.grid.thetas = {{0.0, std::nan("")}};
  expect_message(study, "grid.thetas[0]", "expected a finite number");
  study.grid.thetas = {{0.0, 1.0}};
  EXPECT_EQ(message(study), "no error");
  // The two-arm tests need two arms; the posterior's critical is a probability.
  study = pairwise_study(test_kind::difference, {10}, 1.96);
  study.grid.thetas = {{0.0}};
  expect_message(study, "test.kind", "got \"difference\" with 1 arm, expected at least 2");
  study = pairwise_study(test_kind::posterior, {10, 10}, 1.5);
  study.grid.thetas = {{0.0, 0.0}};
  expect_message(study, "test.critical", "got 1.5, expected a probability strictly between");
  study.test.critical = 0.0;
  expect_message(study, "test.critical", "got 0, expected");
}

}  // namespace
}  // namespace ismc

// Plain Monte Carlo against exact rates, calibration of its standard errors over
// independent seeds, and invariance to the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "support/custom_models.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc {
namespace {

struct case_spec {
  test_kind kind;
  std::size_t dim;
  double critical;
};

// Critical values that give rates between about 1e-3 and 0.9 over the targets below.
std::vector<case_spec> all_cases() {
  std::vector<case_spec> cases;
  for (std::size_t dim : {1u, 2u, 3u}) {
    const double d = static_cast<double>(dim);
    cases.push_back({test_kind::one_sided, dim, 1.96});
    cases.push_back({test_kind::two_sided, dim, 1.96});
    cases.push_back({test_kind::sum, dim, 1.645});
    cases.push_back({test_kind::max, dim, 2.2});
    cases.push_back({test_kind::norm, dim, d + 2.0 * std::sqrt(2.0 * d)});
  }
  return cases;
}

std::vector<double> some_targets(std::size_t dim) {
  std::vector<double> targets;
  for (double value : {-1.0, 0.0, 0.5, 1.5, 3.0}) {
    for (std::size_t n = 0; n < dim; ++n) targets.push_back(n == 0 ? value : 0.3 * value);
  }
  return targets;
}

TEST(PlainMonteCarlo, EstimatesMatchExactRatesForEveryTestAndDimension) {
  auto cpu = make_cpu_backend();
  run_spec run;
  run.seed = 20261121;
  plain_spec plain;
  plain.sims = 40000;
  for (const case_spec& c : all_cases()) {
    const gaussian_test_model model(c.dim, c.kind, c.critical);
    const std::vector<double> targets = some_targets(c.dim);
    const rates_result result = estimate_plain(model, targets, run, plain, *cpu);
    ASSERT_EQ(result.rows.size(), targets.size() / c.dim);
    for (const rate_row& row : result.rows) {
      const double exact = *row.exact;
      const double n = static_cast<double>(plain.sims);
      SCOPED_TRACE(model.name() + " d=" + std::to_string(c.dim) +
                   " theta_0=" + std::to_string(row.theta[0]) + " exact=" + std::to_string(exact));
      if (n * exact >= 20.0 && n * (1.0 - exact) >= 20.0) {
        EXPECT_LT(std::fabs(row.estimate - exact), 4.0 * std::sqrt(exact * (1.0 - exact) / n));
      } else {
        EXPECT_LE(row.ci_low, exact);
        EXPECT_GE(row.ci_high, exact);
      }
      EXPECT_EQ(row.sims, plain.sims);
      EXPECT_EQ(row.method, rate_method::plain);
      EXPECT_NEAR(row.estimate, static_cast<double>(row.rejections) / n, 0.0);
      EXPECT_LE(row.ci_low, row.estimate);
      EXPECT_GE(row.ci_high, row.estimate);
      EXPECT_GE(row.upper_bound, row.estimate);
      EXPECT_LE(row.upper_bound, row.ci_high);
    }
  }
}

// Tiny rates: where N·f < 20 the Clopper–Pearson interval must still hold the exact rate.
TEST(PlainMonteCarlo, ClopperPearsonHoldsSmallRates) {
  auto cpu = make_cpu_backend();
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::vector<double> targets = {-4.0, -2.5, -2.0};
  run_spec run;
  plain_spec plain;
  plain.sims = 5000;
  const rates_result result = estimate_plain(model, targets, run, plain, *cpu);
  for (const rate_row& row : result.rows) {
    EXPECT_LE(row.ci_low, *row.exact);
    EXPECT_GE(row.ci_high, *row.exact);
    EXPECT_GE(row.upper_bound, *row.exact);
  }
  EXPECT_EQ(result.rows[0].rejections, 0u);  // rate 1.3e-9
  EXPECT_EQ(result.rows[0].std_error, 0.0);
}

// The reported standard error is a claim: z = (f̂ − f)/SE over 400 independent seeds must
// look standard normal. One target per run, so the z-scores are independent.
TEST(PlainMonteCarlo, StandardErrorsAreCalibratedOverIndependentSeeds) {
  auto cpu = make_cpu_backend();
  const case_spec cases[] = {
      {test_kind::one_sided, 1, 1.96}, {test_kind::max, 2, 2.2}, {test_kind::norm, 3, 7.8}};
  for (const case_spec& c : cases) {
    const gaussian_test_model model(c.dim, c.kind, c.critical);
    std::vector<double> target(c.dim, 0.4);
    plain_spec plain;
    plain.sims = 4000;
    std::vector<double> z;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
      run_spec run;
      run.seed = seed;
      const rate_row row = estimate_plain(model, target, run, plain, *cpu).rows[0];
      ASSERT_GT(row.std_error, 0.0);
      z.push_back((row.estimate - *row.exact) / row.std_error);
    }
    const double mean = std::accumulate(z.begin(), z.end(), 0.0) / static_cast<double>(z.size());
    double sum_squares = 0.0;
    for (double value : z) sum_squares += (value - mean) * (value - mean);
    const double sd = std::sqrt(sum_squares / static_cast<double>(z.size() - 1));
    EXPECT_LT(std::fabs(mean), 0.15) << model.name();
    EXPECT_GT(sd, 0.85) << model.name();
    EXPECT_LT(sd, 1.15) << model.name();
  }
}

// Common random numbers: the same noise at every target, so for the one-sided test the
// rejection count cannot decrease as θ grows. Without them the streams differ.
TEST(PlainMonteCarlo, CommonRandomNumbersMakeCountsMonotone) {
  auto cpu = make_cpu_backend();
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::vector<double> targets;
  for (int j = 0; j <= 40; ++j) targets.push_back(-2.0 + 0.1 * j);
  run_spec run;
  plain_spec plain;
  plain.sims = 3000;
  const rates_result crn = estimate_plain(model, targets, run, plain, *cpu);
  for (std::size_t j = 1; j < crn.rows.size(); ++j) {
    EXPECT_GE(crn.rows[j].rejections, crn.rows[j - 1].rejections);
  }
  run.common_random_numbers = false;
  const rates_result independent = estimate_plain(model, targets, run, plain, *cpu);
  std::size_t decreases = 0;
  for (std::size_t j = 1; j < independent.rows.size(); ++j) {
    decreases += independent.rows[j].rejections < independent.rows[j - 1].rejections ? 1 : 0;
  }
  EXPECT_GT(decreases, 0u);
}

TEST(PlainMonteCarlo, SameSeedSameOutputForAnyThreadCount) {
  auto cpu = make_cpu_backend();
  rates_study study;
  study.model.dim = 2;
  study.test = {test_kind::norm, 3.0};
  study.grid.lower = {-1.0, -1.0};
  study.grid.upper = {1.0, 1.0};
  study.grid.points = {3, 4};
  study.plain.sims = 150000;  // several tasks per target
  std::vector<rate_row> reference;
  for (unsigned threads : {1u, 2u, 16u}) {
    run_hooks hooks;
    hooks.threads = threads;
    const rates_result result = run_rates(study, *cpu, hooks);
    if (reference.empty()) {
      reference = result.rows;
      continue;
    }
    ASSERT_EQ(result.rows.size(), reference.size());
    for (std::size_t j = 0; j < reference.size(); ++j) {
      EXPECT_EQ(result.rows[j].rejections, reference[j].rejections) << "threads " << threads;
      EXPECT_EQ(result.rows[j].estimate, reference[j].estimate);
      EXPECT_EQ(result.rows[j].upper_bound, reference[j].upper_bound);
    }
  }
}

TEST(PlainMonteCarlo, InterruptStopsTheRun) {
  auto cpu = make_cpu_backend();
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  run_spec run;
  plain_spec plain;
  EXPECT_THROW(estimate_plain(model, {0.0}, run, plain, *cpu, hooks), interrupted);
}

class counting_progress : public progress_sink {
 public:
  void begin(const std::string&, std::uint64_t total) override { total_ = total; }
  void advance(std::uint64_t done) override { done_ += done; }
  void end() override { ended_ = true; }
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> done_{0};
  bool ended_ = false;
};

TEST(PlainMonteCarlo, ReportsProgressForEverySimulation) {
  auto cpu = make_cpu_backend();
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  counting_progress progress;
  run_hooks hooks;
  hooks.progress = &progress;
  run_spec run;
  plain_spec plain;
  plain.sims = 100001;
  estimate_plain(model, {0.0, 1.0, 2.0}, run, plain, *cpu, hooks);
  EXPECT_EQ(progress.total_, 300003u);
  EXPECT_EQ(progress.done_.load(), 300003u);
  EXPECT_TRUE(progress.ended_);
}

// A test that ismc does not ship: no device form. The CPU backend records the plain stage
// on the host and warns about nothing.
using test::both_exceed;

TEST(PlainMonteCarlo, RecordsWhereTheStageRan) {
  const both_exceed custom;
  auto cpu = make_cpu_backend();
  run_spec run;
  plain_spec plain;
  plain.sims = 1000;
  const rates_result result = estimate_plain(custom, {0.0, 0.0, 1.0, 1.0}, run, plain, *cpu);
  ASSERT_EQ(result.stages.size(), 1u);
  EXPECT_EQ(result.stages[0].stage, rates_stage::plain);
  EXPECT_EQ(result.stages[0].ran_on, "cpu");
  EXPECT_TRUE(result.warnings.empty());
}

}  // namespace
}  // namespace ismc

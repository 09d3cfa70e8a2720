// A program's own family, registered by name (rates/registry.hpp): the two-stage design of
// examples/custom_device_model, found by study files and make_model, run by the CPU
// backend through family_model; its exact rate against Owen's T (Boost.Math), an
// independent computation; bad registrations and study files refused naming the field.
#include "ismc/rates/registry.hpp"

#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/owens_t.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "../examples/custom_device_model/two_stage.hpp"
#include "ismc/core/error.hpp"
#include "ismc/io/study_file.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"
#include "support/error_messages.hpp"

namespace ismc {
namespace {

// Registers two_stage for one test and removes it after.
class RegisteredTwoStage : public ::testing::Test {
 protected:
  void SetUp() override {
    clear_registered_models();
    register_model<two_stage>("two_stage");
  }
  void TearDown() override { clear_registered_models(); }
};

// P(X > h, Y > k) for a standard bivariate normal with correlation rho, by Owen's T:
// Φ₂(x, y; ρ) = ½Φ(x) + ½Φ(y) − T(x, (y − ρx)/(x√(1−ρ²))) − T(y, (x − ρy)/(y√(1−ρ²))) − β
// at x = −h, y = −k (β = ½ when x·y < 0), h, k ≠ 0 (the form divides by both).
double upper_orthant_owens_t(double h, double k, double rho) {
  const boost::math::normal standard;
  const double x = -h, y = -k;
  const double root = std::sqrt(1.0 - rho * rho);
  const double beta = x * y < 0.0 ? 0.5 : 0.0;
  return 0.5 * boost::math::cdf(standard, x) + 0.5 * boost::math::cdf(standard, y) -
         boost::math::owens_t(x, (y - rho * x) / (x * root)) -
         boost::math::owens_t(y, (x - rho * y) / (y * root)) - beta;
}

// The design's rate at θ: W₁ = (S₁ − 50θ)/√50 ≥ −θ√50 and W = (S₁ + S₂ − 100θ)/10 > c − 10θ.
double two_stage_rate(double theta, double critical) {
  return upper_orthant_owens_t(-theta * std::sqrt(50.0), critical - 10.0 * theta, std::sqrt(0.5));
}

TEST(TwoStage, ExactRateMatchesOwensT) {
  for (const double critical : {1.96, 2.5, 3.0}) {
    for (const double theta : {-0.45, -0.27, -0.1, 0.03, 0.2, 0.5}) {
      const two_stage family{critical};
      const double exact = *family.exact_rate(&theta);
      const double reference = two_stage_rate(theta, critical);
      // Owen's T form cancels about 1e-16 absolute; the quadrature is relative 1e-10.
      EXPECT_NEAR(exact, reference, 1e-9 * reference + 1e-15)
          << "theta " << theta << " critical " << critical;
    }
  }
  // At θ = 0 the interim look halves nothing: P(W₁ ≥ 0, W > c) ≥ ½ P(W > c).
  const double zero = 0.0;
  const double at_null = *two_stage{1.96}.exact_rate(&zero);
  EXPECT_GT(at_null, 0.5 * 0.0249979);
  EXPECT_LT(at_null, 0.0249979);
}

TEST(TwoStage, StatisticIsZWhenTheTrialGoesOnAndDecidesStrictly) {
  const two_stage family{2.0};
  const double goes_on[] = {1.0, 19.0};  // Z₁ > 0, Z = 2: not > 2
  EXPECT_DOUBLE_EQ(family.statistic(goes_on), 2.0);
  EXPECT_FALSE(family.rejects(goes_on));
  const double rejects[] = {0.0, 20.5};  // Z₁ = 0 goes on, Z = 2.05
  EXPECT_TRUE(family.rejects(rejects));
  const double stopped[] = {-0.5, 40.0};  // Z = 3.95 but the trial stopped at the interim
  EXPECT_FALSE(family.rejects(stopped));
  EXPECT_EQ(family.statistic(stopped), -HUGE_VAL);
}

TEST_F(RegisteredTwoStage, StudyFileNamesTheModel) {
  const rates_study study = io::parse_study(R"(
[model]
family = "two_stage"
[test]
critical = 1.96
[grid]
thetas = [[0.0], [0.1]]
)",
                                            "two_stage.toml");
  EXPECT_EQ(study.model.dim, 1u);  // the family's parameter size by default
  const auto model = make_model(study.model, study.test);
  EXPECT_EQ(model->name(), "two_stage");
  EXPECT_EQ(model->dim(), 1u);
  EXPECT_EQ(model->sample_size(), 2u);
  // Compiled by a host compiler, the registration carries the CPU form only.
  EXPECT_FALSE(model->has_device_form());
  EXPECT_EQ(model->device_stages(), nullptr);
  const double theta = 0.1;
  EXPECT_DOUBLE_EQ(*model->exact_rate(&theta), *two_stage{1.96}.exact_rate(&theta));
  EXPECT_EQ(registered_model_names(), std::vector<std::string>{"two_stage"});
}

TEST_F(RegisteredTwoStage, PlainMatchesTheExactRateWithin4SE) {
  rates_study study;
  study.model.family = "two_stage";
  study.model.dim = 1;
  study.test.critical = 1.96;
  // Rates from 1.5e-3 (θ = −0.1) up: ≥ 400 expected rejections in 400000 simulations.
  study.grid.thetas = {{-0.1}, {0.02}, {0.1}, {0.25}};
  study.run.seed = 16;
  study.plain.sims = 400000;
  const auto backend = make_cpu_backend();
  const rates_result result = run_rates(study, *backend);
  ASSERT_EQ(result.rows.size(), 4u);
  for (const rate_row& row : result.rows) {
    const double exact = two_stage_rate(row.theta[0], 1.96);
    ASSERT_TRUE(row.exact.has_value());
    ASSERT_GE(exact, 1e-3);
    const double se = std::sqrt(exact * (1.0 - exact) / study.plain.sims);
    EXPECT_NEAR(row.estimate, exact, 4.0 * se) << "theta " << row.theta[0];
  }
}

TEST_F(RegisteredTwoStage, ImportanceMatchesTheExactRateWithin4SE) {
  rates_study study;
  study.model.family = "two_stage";
  study.model.dim = 1;
  study.test.critical = 1.96;
  // Down to 1.6e-6 (θ = −0.27).
  study.grid.thetas = {{-0.27}, {-0.2}, {-0.1}, {0.02}};
  study.run.method = rate_method::importance;
  study.run.seed = 16;
  study.importance.pilot_sims = 20000;
  study.importance.clusters = 3;
  study.importance.sims_per_proposal = 20000;
  const auto backend = make_cpu_backend();
  const rates_result result = run_rates(study, *backend);
  ASSERT_EQ(result.rows.size(), 4u);
  EXPECT_LT(two_stage_rate(-0.27, 1.96), 2e-6);
  for (const rate_row& row : result.rows) {
    const double exact = two_stage_rate(row.theta[0], 1.96);
    ASSERT_GT(row.std_error, 0.0);
    EXPECT_LT(row.std_error, 0.05 * exact);  // a real estimate, not a lucky zero
    EXPECT_NEAR(row.estimate, exact, 4.0 * row.std_error) << "theta " << row.theta[0];
  }
}

TEST_F(RegisteredTwoStage, StudyFilesAreCheckedNamingTheField) {
  const auto parse = [](const std::string& text, const std::string& name) {
    return io::parse_study(text, name);
  };
  const std::string grid = "[grid]\nthetas = [[0.0]]\n";
  testing::expect_input_error(
      parse, "[model]\nfamily = \"two_stage\"\ndim = 2\n[test]\ncritical = 1.96\n" + grid,
      "model.dim", 3, "got 2, expected 1 (the parameter size of family \"two_stage\")");
  testing::expect_input_error(
      parse,
      "[model]\nfamily = \"two_stage\"\n[test]\nkind = \"one_sided\"\ncritical = 1.96\n" + grid,
      "test.kind", 4, "expected no kind");
  testing::expect_input_error(parse,
                              "[model]\nfamily = \"three_stage\"\ndim = 1\n[test]\nkind = "
                              "\"one_sided\"\ncritical = 1.96\n" +
                                  grid,
                              "model.family", 2,
                              "got \"three_stage\", expected \"gaussian\", "
                              "\"normal_unknown_variance\", \"binomial\" or \"two_stage\"");
}

TEST_F(RegisteredTwoStage, BadRegistrationsAreRefused) {
  EXPECT_THROW(register_model<two_stage>("two_stage"), usage_error);  // already registered
  EXPECT_THROW(register_model<two_stage>("gaussian"), usage_error);   // a shipped family
  EXPECT_THROW(register_model<two_stage>(""), usage_error);
  try {
    register_model<two_stage>("binomial");
    FAIL() << "expected usage_error";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("register_model: name: got \"binomial\""),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ismc

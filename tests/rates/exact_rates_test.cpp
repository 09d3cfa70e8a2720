// Exact rates are checked before any simulation: a target where the model cannot compute
// its rate gets an empty cell and one warning, never an error after the work.

#include "rates/exact_rates.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"
#include "support/custom_models.hpp"

namespace ismc {
namespace {

// An exact rate that fails at θ_0 > 1 and is out of range at θ_0 < -1.
class fragile_exact : public test::both_exceed {
 public:
  std::optional<double> exact_rate(const double* theta) const override {
    if (theta[0] > 1.0) throw std::domain_error("no closed form out here");
    if (theta[0] < -1.0) return 1.5;
    return 0.25;
  }
};

TEST(ExactRates, FailuresBecomeNoneWithTheReason) {
  const fragile_exact model;
  std::string why;
  const double inside[] = {0.0, 0.0}, far[] = {2.0, 0.0}, below[] = {-2.0, 0.0};
  EXPECT_EQ(detail::exact_rate_or_none(model, inside, &why), 0.25);
  EXPECT_TRUE(why.empty());
  EXPECT_FALSE(detail::exact_rate_or_none(model, far, &why).has_value());
  EXPECT_EQ(why, "no closed form out here");
  EXPECT_FALSE(detail::exact_rate_or_none(model, below, &why).has_value());
  EXPECT_EQ(why, "it came out as 1.5, not in [0, 1]");
  // A model with no exact rate is not a failure.
  EXPECT_FALSE(detail::exact_rate_warning(test::both_exceed(), {2.0, 0.0}).has_value());
}

TEST(ExactRates, TheWarningCountsAndNamesTheFirst) {
  const fragile_exact model;
  EXPECT_FALSE(detail::exact_rate_warning(model, {0.0, 0.0, 0.5, 0.5}).has_value());
  EXPECT_EQ(detail::exact_rate_warning(model, {0.0, 0.0, 3.0, 0.5, 4.0, 0.0}),
            "the exact rate could not be computed at 2 of 3 targets (the first, θ = (3, 0.5): "
            "no closed form out here); their exact cells are empty");
}

// The norm test far out (‖θ‖² = 10¹⁰): Boost cannot compute the rate; both methods still
// return every row, with the exact cell empty there and filled elsewhere, and one warning.
TEST(ExactRates, ANormTestFarOutRunsToTheEndWithAWarning) {
  const gaussian_test_model model(2, test_kind::norm, 9.21);
  const std::vector<double> targets = {0.0, 0.0, 1e5, 0.0};
  auto cpu = make_cpu_backend();
  run_spec run;
  plain_spec plain;
  plain.sims = 1000;
  const rates_result plain_result = estimate_plain(model, targets, run, plain, *cpu);
  importance_spec importance;
  importance.pilot_sims = 500;
  importance.clusters = 1;
  importance.sims_per_proposal = 500;
  const rates_result importance_result = estimate_importance(model, targets, run, importance, *cpu);
  for (const rates_result* result : {&plain_result, &importance_result}) {
    ASSERT_EQ(result->rows.size(), 2u);
    ASSERT_TRUE(result->rows[0].exact.has_value());
    EXPECT_NEAR(*result->rows[0].exact, 0.01, 1e-4);
    EXPECT_FALSE(result->rows[1].exact.has_value());
    ASSERT_FALSE(result->warnings.empty());
    EXPECT_EQ(result->warnings.front().rfind(
                  "the exact rate could not be computed at 1 of 2 targets (the first, θ = (1e+05, "
                  "0): ",
                  0),
              0u)
        << result->warnings.front();
  }
}

}  // namespace
}  // namespace ismc

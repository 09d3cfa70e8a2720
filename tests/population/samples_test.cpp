#include "ismc/population/samples.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "population/test_support.hpp"

namespace ismc {
namespace {

using testing::infinity;
using testing::mean_of;
using testing::nan;
using testing::ragged_samples;
using testing::variance_of;

// Runs `call` and returns the input_error it throws (fails the test when it throws none).
template <class Call>
input_error expect_input_error(Call call) {
  try {
    call();
  } catch (const input_error& error) {
    return error;
  }
  ADD_FAILURE() << "no input_error thrown";
  return input_error("", 0, "", "");
}

// --- validate ------------------------------------------------------------------------

TEST(PopulationValidate, AcceptsRaggedSamplesWithAndWithoutLogP0) {
  EXPECT_NO_THROW(validate(ragged_samples({1, 3, 7}, false, 1)));
  EXPECT_NO_THROW(validate(ragged_samples({1, 3, 7}, true, 1)));
}

TEST(PopulationValidate, RejectsOffsetsThatDoNotMatchTheValues) {
  population_samples samples = ragged_samples({2, 3}, false, 2);
  samples.values.push_back(0.5);  // 6 values, offsets end at 5
  const input_error error = expect_input_error([&] { validate(samples); });
  EXPECT_EQ(error.field(), "samples");
  EXPECT_EQ(error.message(),
            "got offsets ending at 5, expected offsets ending at the number of values, 6 values");

  population_samples decreasing;
  decreasing.offsets = {0, 4, 3, 6};
  decreasing.values.assign(6, 0.0);
  const input_error decrease = expect_input_error([&] { validate(decreasing); });
  EXPECT_EQ(decrease.field(), "samples");
  EXPECT_NE(decrease.message().find("object 1"), std::string::npos) << decrease.what();

  population_samples shifted;
  shifted.offsets = {1, 3};
  shifted.values.assign(3, 0.0);
  EXPECT_EQ(expect_input_error([&] { validate(shifted); }).field(), "samples");

  population_samples none;  // offsets {0}: no objects
  EXPECT_EQ(expect_input_error([&] { validate(none); }).field(), "samples");
}

TEST(PopulationValidate, RejectsAnObjectWithoutSamples) {
  population_samples samples;
  samples.offsets = {0, 2, 2, 4};
  samples.values = {0.1, 0.2, 0.3, 0.4};
  const input_error error = expect_input_error([&] { validate(samples); });
  EXPECT_EQ(error.field(), "samples");
  EXPECT_NE(error.message().find("object 1: got no samples, expected at least one"),
            std::string::npos)
      << error.what();
}

TEST(PopulationValidate, RejectsNonFiniteSamples) {
  for (double bad : {nan, infinity, -infinity}) {
    population_samples samples = ragged_samples({2, 4, 3}, false, 3);
    samples.values[2 + 3] = bad;  // object 1, sample 3
    const input_error error = expect_input_error([&] { validate(samples); });
    EXPECT_EQ(error.field(), "samples");
    EXPECT_NE(error.message().find("object 1, sample 3"), std::string::npos) << error.what();
    EXPECT_NE(error.message().find(std::isnan(bad) ? "nan" : "inf"), std::string::npos)
        << error.what();
  }
}

TEST(PopulationValidate, RejectsANonPositiveOrNonFiniteInterimDensity) {
  // ln p0 = −∞ is p0 = 0; NaN is, e.g., the log of a negative density; +∞ an infinite one.
  for (double bad : {-infinity, nan, infinity}) {
    population_samples samples = ragged_samples({2, 4, 3}, true, 4);
    samples.log_p0[6 + 2] = bad;  // object 2, sample 2
    const input_error error = expect_input_error([&] { validate(samples); });
    EXPECT_EQ(error.field(), "log_p0");
    EXPECT_NE(error.message().find("object 2, sample 2"), std::string::npos) << error.what();
  }
  population_samples short_log_p0 = ragged_samples({2, 4}, true, 5);
  short_log_p0.log_p0.pop_back();
  const input_error error = expect_input_error([&] { validate(short_log_p0); });
  EXPECT_EQ(error.field(), "log_p0");
  EXPECT_NE(error.message().find("got 5 values, expected 6 (one per sample)"), std::string::npos)
      << error.what();
}

TEST(PopulationValidate, EveryEntryPointValidates) {
  population_samples samples = ragged_samples({2, 3}, false, 6);
  samples.values[1] = nan;
  const double theta[2] = {0.0, 1.0};
  hyper_likelihood_value value;
  EXPECT_THROW(hyper_log_likelihood(samples, theta, 1, &value), input_error);
  EXPECT_THROW(hyper_likelihood_posterior{samples}, input_error);
  EXPECT_THROW(sample_medians(samples), input_error);
  EXPECT_THROW(hyper_likelihood_posterior(ragged_samples({2}, false, 6), 0.0), usage_error);
  EXPECT_THROW(hyper_likelihood_posterior(ragged_samples({2}, false, 6), nan), usage_error);
}

// --- simulation --------------------------------------------------------------------------

TEST(SimulatePopulation, PureFunctionOfSettingAndSeed) {
  population_setting setting;
  setting.objects = 50;
  setting.samples_per_object = 31;
  const population_data first = simulate_population(setting, 99);
  const population_data second = simulate_population(setting, 99);
  EXPECT_EQ(first.mu, second.mu);
  EXPECT_EQ(first.x, second.x);
  EXPECT_EQ(first.samples.values, second.samples.values);
  EXPECT_EQ(first.samples.offsets, second.samples.offsets);
  EXPECT_TRUE(first.samples.log_p0.empty());
  EXPECT_NO_THROW(validate(first.samples));
  const population_data other = simulate_population(setting, 100);
  EXPECT_NE(first.x, other.x);
  // The samples are the flat-prior posterior samples of x under stream 3 of the seed.
  EXPECT_EQ(draw_flat_prior_samples(first.x, setting.alpha, 31, 99).values, first.samples.values);
}

TEST(SimulatePopulation, DrawsTheSeedsModel) {
  population_setting setting;
  setting.objects = 4000;
  setting.theta_mu = 0.5;
  setting.theta_sigma = 1.5;
  setting.alpha = 0.7;
  setting.samples_per_object = 50;
  const population_data data = simulate_population(setting, 7);
  const double n = static_cast<double>(setting.objects);
  // μ ~ N(θ_μ, θ_σ²), x − μ ~ N(0, α²), μ^(n) − x ~ N(0, α²); |z| < 4 on each mean and
  // on each variance (standard error σ² √(2/n)).
  std::vector<double> noise(setting.objects), spread;
  for (std::size_t i = 0; i < setting.objects; ++i) {
    noise[i] = data.x[i] - data.mu[i];
    for (std::size_t k = data.samples.offsets[i]; k < data.samples.offsets[i + 1]; ++k) {
      spread.push_back(data.samples.values[k] - data.x[i]);
    }
  }
  EXPECT_LT(std::fabs(mean_of(data.mu) - 0.5), 4.0 * 1.5 / std::sqrt(n));
  EXPECT_LT(std::fabs(variance_of(data.mu) - 2.25), 4.0 * 2.25 * std::sqrt(2.0 / n));
  EXPECT_LT(std::fabs(mean_of(noise)), 4.0 * 0.7 / std::sqrt(n));
  EXPECT_LT(std::fabs(variance_of(noise) - 0.49), 4.0 * 0.49 * std::sqrt(2.0 / n));
  const double draws = static_cast<double>(spread.size());
  EXPECT_LT(std::fabs(mean_of(spread)), 4.0 * 0.7 / std::sqrt(draws));
  EXPECT_LT(std::fabs(variance_of(spread) - 0.49), 4.0 * 0.49 * std::sqrt(2.0 / draws));
}

TEST(SimulatePopulation, RejectsBadSettings) {
  population_setting setting;
  setting.alpha = 0.0;
  EXPECT_THROW(simulate_population(setting, 1), usage_error);
  setting = population_setting{};
  setting.theta_sigma = -1.0;
  EXPECT_THROW(simulate_population(setting, 1), usage_error);
  setting = population_setting{};
  setting.objects = 0;
  EXPECT_THROW(simulate_population(setting, 1), usage_error);
  setting = population_setting{};
  setting.samples_per_object = 0;
  EXPECT_THROW(simulate_population(setting, 1), usage_error);
}

}  // namespace
}  // namespace ismc

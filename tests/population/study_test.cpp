// The seed-000 study's three methods, as run_population_study runs them, against exact
// answers: NUTS on the full partial-pooling model against the exact posterior; the ensemble
// sampler on the importance-sampled hyper-likelihood L̂ against a 2-D quadrature of the
// same L̂; the point estimates' bias; and L̂'s posterior with S = 4000 samples per object
// against the exact posterior.
#include "ismc/population/study.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/ensemble.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/exact_posterior.hpp"
#include "backend/batch_router.hpp"

namespace ismc {
namespace {

// Posterior means and sds of (θ_μ, θ_σ) under L̂ and flat priors, on a grid of ±7 exact
// posterior sds around the exact means (one batched call).
struct moments {
  double mean_mu, sd_mu, mean_sigma, sd_sigma;
};
moments quadrature_of_hyper_likelihood(const population_samples& samples,
                                       const population_exact& exact, std::size_t points) {
  std::vector<double> thetas;
  const double mu_step = 14.0 * exact.sd_mu / static_cast<double>(points - 1);
  const double sigma_step = 14.0 * exact.sd_sigma / static_cast<double>(points - 1);
  for (std::size_t a = 0; a < points; ++a) {
    for (std::size_t b = 0; b < points; ++b) {
      thetas.push_back(exact.mean_mu - 7.0 * exact.sd_mu + mu_step * static_cast<double>(a));
      thetas.push_back(exact.mean_sigma - 7.0 * exact.sd_sigma +
                       sigma_step * static_cast<double>(b));
    }
  }
  const hyper_likelihood_posterior posterior(samples);
  std::vector<double> log_density(points * points);
  posterior.log_density(thetas.data(), points * points, log_density.data());
  double peak = -INFINITY;
  for (double value : log_density) peak = std::max(peak, value);
  double total = 0.0, mu1 = 0.0, mu2 = 0.0, s1 = 0.0, s2 = 0.0;
  for (std::size_t k = 0; k < points * points; ++k) {
    const double w = std::exp(log_density[k] - peak);
    const double mu = thetas[2 * k], sigma = thetas[2 * k + 1];
    total += w;
    mu1 += w * mu;
    mu2 += w * mu * mu;
    s1 += w * sigma;
    s2 += w * sigma * sigma;
  }
  mu1 /= total;
  s1 /= total;
  return {mu1, std::sqrt(mu2 / total - mu1 * mu1), s1, std::sqrt(s2 / total - s1 * s1)};
}

// A study of one method on simulated data.
population_study one_method(population_method method, std::size_t objects,
                            std::size_t samples_per_object, std::uint64_t seed) {
  population_study study;
  study.setting.objects = objects;
  study.setting.samples_per_object = samples_per_object;
  study.seed = seed;
  study.point = method == population_method::point;
  study.importance = method == population_method::importance;
  study.nuts = method == population_method::nuts;
  return study;
}

TEST(PopulationStudy, NutsOnTheFullModelMatchesTheExactPosterior) {
  // 300 objects of one sample each (only x matters to NUTS); 4 chains of 1000 + 1000.
  const population_study study = one_method(population_method::nuts, 300, 1, 2026);
  const population_study_result result = run_population_study(study);
  ASSERT_EQ(result.methods.size(), 1u);
  ASSERT_EQ(result.methods[0].method, population_method::nuts);
  ASSERT_TRUE(result.exact.has_value());
  const population_exact& exact = *result.exact;
  const parameter_summary& s_mu = result.methods[0].summary_mu;
  const parameter_summary& s_sigma = result.methods[0].summary_sigma;
  ASSERT_EQ(result.methods[0].theta_mu.size(), 4u);
  ASSERT_EQ(result.methods[0].theta_mu[0].size(), 1000u);
  EXPECT_LT(std::fabs(s_mu.mean - exact.mean_mu), 4.0 * s_mu.mcse_mean)
      << s_mu.mean << " vs " << exact.mean_mu << ", mcse " << s_mu.mcse_mean;
  EXPECT_LT(std::fabs(s_sigma.mean - exact.mean_sigma), 4.0 * s_sigma.mcse_mean)
      << s_sigma.mean << " vs " << exact.mean_sigma << ", mcse " << s_sigma.mcse_mean;
  EXPECT_LT(s_mu.rhat, 1.01);
  EXPECT_LT(s_sigma.rhat, 1.01);
}

TEST(PopulationStudy, EnsembleOnTheHyperLikelihoodMatchesItsQuadrature) {
  population_study study = one_method(population_method::importance, 200, 400, 7);
  study.walkers = 16;
  study.steps = 1500;
  study.burn = 300;
  const population_study_result result = run_population_study(study);
  ASSERT_EQ(result.methods.size(), 1u);
  ASSERT_EQ(result.methods[0].method, population_method::importance);
  // The same data as the study's (a pure function of setting and seed).
  const population_data data = simulate_population(study.setting, study.seed);
  const population_exact exact = exact_population_posterior(data.x, study.setting.alpha);
  const moments reference = quadrature_of_hyper_likelihood(data.samples, exact, 81);
  const std::vector<std::vector<double>>& mu = result.methods[0].theta_mu;
  const std::vector<std::vector<double>>& sigma = result.methods[0].theta_sigma;
  ASSERT_EQ(mu.size(), 16u);
  ASSERT_EQ(mu[0].size(), 1500u - 300u);
  // MCSE from emcee's autocorrelation time: sd · sqrt(τ / draws).
  const auto check = [&](const std::vector<std::vector<double>>& series, double expected, double sd,
                         const char* name) {
    double total = 0.0;
    std::size_t count = 0;
    for (const auto& walker : series)
      for (double value : walker) total += value, ++count;
    const double mean = total / static_cast<double>(count);
    const autocorrelation_time tau = integrated_autocorrelation_time(series);
    const double mcse = sd * std::sqrt(tau.tau / static_cast<double>(count));
    EXPECT_LT(std::fabs(mean - expected), 4.0 * mcse)
        << name << ": " << mean << " vs " << expected << ", mcse " << mcse;
  };
  check(mu, reference.mean_mu, reference.sd_mu, "theta_mu");
  check(sigma, reference.mean_sigma, reference.sd_sigma, "theta_sigma");
  EXPECT_FALSE(result.methods[0].calls_by_side.has_value());  // the CPU: one place, no record
}

// A hyper-likelihood routed by call size (as `automatic` with a device sets it up; here the
// CPU density on both sides, so it runs anywhere): the result counts this run's calls per
// side, and the draws do not depend on the route.
TEST(PopulationStudy, ImportanceRecordsItsCallsPerSideWhenRouted) {
  population_study study = one_method(population_method::importance, 20, 50, 3);
  study.walkers = 8;
  study.steps = 40;
  study.burn = 10;
  const population_study_result reference = run_population_study(study);
  std::uint64_t total = 0;
  for (double min_large_work : {1.0, 1e12}) {  // every call to the "device", then to the host
    prepared_population_study prepared = prepare_population_study(study);
    prepared.importance_target = std::make_unique<detail::batch_router>(
        std::make_unique<hyper_likelihood_posterior>(prepared.data.samples),
        std::make_unique<hyper_likelihood_posterior>(prepared.data.samples), 1.0, min_large_work);
    const population_study_result result = run_population_study(prepared);
    ASSERT_TRUE(result.methods[0].calls_by_side.has_value());
    const routed_calls calls = *result.methods[0].calls_by_side;
    const bool to_device = min_large_work == 1.0;
    EXPECT_EQ(to_device ? calls.cpu : calls.device, 0u);
    EXPECT_GT(to_device ? calls.device : calls.cpu, 0u);
    if (total == 0) total = calls.cpu + calls.device;
    EXPECT_EQ(calls.cpu + calls.device, total);
    EXPECT_EQ(result.methods[0].theta_mu, reference.methods[0].theta_mu);
    // A second run of the same prepared study counts its own calls only.
    const population_study_result again = run_population_study(prepared);
    EXPECT_EQ(again.methods[0].calls_by_side->cpu + again.methods[0].calls_by_side->device, total);
  }
}

// Data handed in (as io::read_population_data reads them) run as the same data simulated.
TEST(PopulationStudy, ReadDataRunAsTheSameDataSimulated) {
  population_study simulated = one_method(population_method::importance, 40, 50, 21);
  simulated.point = true;
  simulated.walkers = 8;
  simulated.steps = 60;
  simulated.burn = 10;
  const population_study_result expected = run_population_study(simulated);

  population_study read = simulated;
  read.simulate = false;
  read.samples_path = "samples.csv";  // named only: the data come in `data`
  read.x_path = "x.csv";
  read.alpha_given = true;
  population_data data = simulate_population(simulated.setting, simulated.seed);
  data.mu.clear();
  const population_study_result result = run_population_study(read, {}, backend_kind::cpu, data);
  ASSERT_EQ(result.methods.size(), 2u);
  EXPECT_EQ(result.objects, 40u);
  EXPECT_EQ(result.x, expected.x);
  for (std::size_t m = 0; m < 2; ++m) {
    EXPECT_EQ(result.methods[m].method, expected.methods[m].method);
    EXPECT_EQ(result.methods[m].lp, expected.methods[m].lp);
    EXPECT_EQ(result.methods[m].theta_mu, expected.methods[m].theta_mu);
    EXPECT_EQ(result.methods[m].theta_sigma, expected.methods[m].theta_sigma);
  }

  // Observations that do not match the objects; data for a simulated study.
  data.x.pop_back();
  EXPECT_THROW(prepare_population_study(read, backend_kind::cpu, data), input_error);
  EXPECT_THROW(prepare_population_study(simulated, backend_kind::cpu, data), usage_error);
}

// Read samples the walkers cannot start from are input errors naming the samples file: one
// object (their spread was NaN: "nan for walker 0") and medians averaging outside theta_mu's
// prior (every walker on the prior's edge: "walkers not linearly independent").
TEST(PopulationStudy, ReadSamplesTheWalkersCannotStartFromAreInputErrors) {
  population_study study = one_method(population_method::point, 40, 50, 21);
  study.simulate = false;
  study.samples_path = "samples.csv";
  const auto message = [&](const population_samples& samples) {
    population_data data;
    data.samples = samples;
    try {
      prepare_population_study(study, backend_kind::cpu, data);
    } catch (const input_error& e) {
      EXPECT_EQ(e.file(), "samples.csv");
      EXPECT_EQ(e.field(), "data.samples");
      return e.message();
    }
    return std::string("no error");
  };
  population_samples one;
  one.values = {0.1, 0.3, -0.2};
  one.offsets = {0, 3};
  EXPECT_EQ(message(one),
            "got 1 object, expected at least 2 objects (the spread of their medians starts the "
            "walkers)");
  population_samples far;
  far.values = {7.0, 7.5, 6.5, 7.2};
  far.offsets = {0, 2, 4};
  EXPECT_EQ(message(far),
            "got objects whose medians average 7.05, expected an average inside the prior of "
            "theta_mu, (-5, 5)");
  population_samples fine = far;
  for (double& value : fine.values) value -= 7.0;
  EXPECT_EQ(message(fine), "no error");
}

// With S = 4000 samples per object (n = 1000, the seed's setting) ln L̂'s variance is
// about n α² / (θ_σ² S) = 0.25, and its posterior is within 0.2 posterior sd of the exact.
TEST(PopulationStudy, HyperLikelihoodWithFourThousandSamplesIsCloseToExact) {
  population_setting setting;
  setting.samples_per_object = 4000;
  const population_data data = simulate_population(setting, 11);
  const population_exact exact = exact_population_posterior(data.x, setting.alpha);
  const moments estimate = quadrature_of_hyper_likelihood(data.samples, exact, 41);
  EXPECT_LT(std::fabs(estimate.mean_mu - exact.mean_mu), 0.2 * exact.sd_mu);
  EXPECT_LT(std::fabs(estimate.mean_sigma - exact.mean_sigma), 0.2 * exact.sd_sigma);
  EXPECT_NEAR(estimate.sd_mu, exact.sd_mu, 0.2 * exact.sd_mu);
  EXPECT_NEAR(estimate.sd_sigma, exact.sd_sigma, 0.2 * exact.sd_sigma);
}

// The point estimates' posterior is biased: θ_σ near √(θ_σ² + α²) = √2, not 1.
TEST(PopulationStudy, PointEstimatesBiasThetaSigmaTowardsRootTwo) {
  population_study study = one_method(population_method::point, 1000, 1000, 13);
  study.walkers = 8;
  study.steps = 800;
  study.burn = 200;
  const population_study_result result = run_population_study(study);
  ASSERT_EQ(result.methods.size(), 1u);
  ASSERT_EQ(result.methods[0].method, population_method::point);
  double total = 0.0;
  std::size_t count = 0;
  for (const auto& walker : result.methods[0].theta_sigma)
    for (double value : walker) total += value, ++count;
  ASSERT_EQ(count, 8u * 600u);
  const double mean_sigma = total / static_cast<double>(count);
  EXPECT_NEAR(mean_sigma, std::sqrt(2.0), 0.1);
  ASSERT_TRUE(result.exact.has_value());
  const population_exact& exact = *result.exact;
  EXPECT_GT(mean_sigma - exact.mean_sigma, 5.0 * exact.sd_sigma);
}

}  // namespace
}  // namespace ismc

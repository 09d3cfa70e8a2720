// The seed-000 study's three methods against exact answers: NUTS on the full
// partial-pooling model against the exact posterior; the ensemble sampler on the
// importance-sampled hyper-likelihood L̂ against a 2-D quadrature of the same L̂; and L̂'s
// posterior with S = 4000 samples per object against the exact posterior.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/ensemble.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/exact_posterior.hpp"
#include "ismc/models/partial_pooling.hpp"

namespace ismc {
namespace {

// Posterior means and sds of (θ_μ, θ_σ) under L̂ and flat priors, on a grid of ±7 exact
// posterior sds around the exact means (one batched call).
struct moments {
  double mean_mu, sd_mu, mean_sigma, sd_sigma;
};
moments quadrature_of_hyper_likelihood(const population_samples& samples, const population_exact& exact,
                                       std::size_t points) {
  std::vector<double> thetas;
  const double mu_step = 14.0 * exact.sd_mu / static_cast<double>(points - 1);
  const double sigma_step = 14.0 * exact.sd_sigma / static_cast<double>(points - 1);
  for (std::size_t a = 0; a < points; ++a) {
    for (std::size_t b = 0; b < points; ++b) {
      thetas.push_back(exact.mean_mu - 7.0 * exact.sd_mu + mu_step * static_cast<double>(a));
      thetas.push_back(exact.mean_sigma - 7.0 * exact.sd_sigma + sigma_step * static_cast<double>(b));
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

class hyper_recorder : public draw_writer {
 public:
  void draw(const nuts_draw&, const double* outputs, bool warmup) override {
    if (warmup) return;
    mu.push_back(outputs[0]);
    sigma.push_back(outputs[1]);
  }
  void adaptation(double, const std::vector<double>&) override {}
  void timing(double, double) override {}
  std::vector<double> mu, sigma;
};

TEST(PopulationStudy, NutsOnTheFullModelMatchesTheExactPosterior) {
  population_setting setting;
  setting.objects = 300;
  setting.samples_per_object = 1;
  const population_data data = simulate_population(setting, 2026);
  const population_exact exact = exact_population_posterior(data.x, setting.alpha);
  const auto model = make_partial_pooling(data.x, setting.alpha);
  ASSERT_EQ(model->output_names()[0], "theta_mu");
  ASSERT_EQ(model->output_names()[1], "theta_sigma");
  std::vector<std::vector<double>> mu, sigma;
  for (std::uint32_t chain = 1; chain <= 4; ++chain) {
    nuts_config config;
    config.seed = 5;
    config.chain = chain;
    hyper_recorder recorder;
    run_nuts(*model, config, recorder);
    mu.push_back(recorder.mu);
    sigma.push_back(recorder.sigma);
  }
  const parameter_summary s_mu = summarize("theta_mu", mu);
  const parameter_summary s_sigma = summarize("theta_sigma", sigma);
  EXPECT_LT(std::fabs(s_mu.mean - exact.mean_mu), 4.0 * s_mu.mcse_mean)
      << s_mu.mean << " vs " << exact.mean_mu << ", mcse " << s_mu.mcse_mean;
  EXPECT_LT(std::fabs(s_sigma.mean - exact.mean_sigma), 4.0 * s_sigma.mcse_mean)
      << s_sigma.mean << " vs " << exact.mean_sigma << ", mcse " << s_sigma.mcse_mean;
  EXPECT_LT(s_mu.rhat, 1.01);
  EXPECT_LT(s_sigma.rhat, 1.01);
}

TEST(PopulationStudy, EnsembleOnTheHyperLikelihoodMatchesItsQuadrature) {
  population_setting setting;
  setting.objects = 200;
  setting.samples_per_object = 400;
  const population_data data = simulate_population(setting, 7);
  const population_exact exact = exact_population_posterior(data.x, setting.alpha);
  const moments reference = quadrature_of_hyper_likelihood(data.samples, exact, 81);
  const hyper_likelihood_posterior target(data.samples);
  ensemble_config config;
  config.walkers = 16;
  config.steps = 1500;
  config.seed = 3;
  for (std::size_t w = 0; w < config.walkers; ++w) {
    config.initial.push_back(exact.mean_mu + 0.01 * (static_cast<double>(w % 4) - 1.5));
    config.initial.push_back(exact.mean_sigma + 0.01 * (static_cast<double>(w / 4) - 1.5));
  }
  const ensemble_result result = run_ensemble(target, config);
  const std::size_t burn = 300;
  std::vector<std::vector<double>> mu(config.walkers), sigma(config.walkers);
  for (std::size_t step = burn; step < result.steps; ++step) {
    for (std::size_t w = 0; w < result.walkers; ++w) {
      mu[w].push_back(result.chain[(step * result.walkers + w) * 2]);
      sigma[w].push_back(result.chain[(step * result.walkers + w) * 2 + 1]);
    }
  }
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
    EXPECT_LT(std::fabs(mean - expected), 4.0 * mcse) << name << ": " << mean << " vs " << expected << ", mcse " << mcse;
  };
  check(mu, reference.mean_mu, reference.sd_mu, "theta_mu");
  check(sigma, reference.mean_sigma, reference.sd_sigma, "theta_sigma");
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
  population_setting setting;
  setting.samples_per_object = 1000;
  const population_data data = simulate_population(setting, 13);
  const point_estimate_posterior target(sample_medians(data.samples));
  ensemble_config config;
  config.walkers = 8;
  config.steps = 800;
  config.seed = 1;
  for (std::size_t w = 0; w < config.walkers; ++w) {
    config.initial.push_back(0.01 * (static_cast<double>(w) - 3.5));
    config.initial.push_back(1.4 + 0.01 * static_cast<double>(w % 3));
  }
  const ensemble_result result = run_ensemble(target, config);
  double total = 0.0;
  std::size_t count = 0;
  for (std::size_t step = 200; step < result.steps; ++step)
    for (std::size_t w = 0; w < result.walkers; ++w) total += result.chain[(step * result.walkers + w) * 2 + 1], ++count;
  const double mean_sigma = total / static_cast<double>(count);
  EXPECT_NEAR(mean_sigma, std::sqrt(2.0), 0.1);
  const population_exact exact = exact_population_posterior(data.x, setting.alpha);
  EXPECT_GT(mean_sigma - exact.mean_sigma, 5.0 * exact.sd_sigma);
}

}  // namespace
}  // namespace ismc

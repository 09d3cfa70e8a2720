#include "ismc/population/exact_posterior.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/error_messages.hpp"
#include "ismc/core/error.hpp"
#include "ismc/population/samples.hpp"
#include "population/test_support.hpp"

namespace ismc {
namespace {

using testing::nan;
using testing::pi;

// --- the exact posterior -----------------------------------------------------------------

// An independent 2-D midpoint quadrature over (θ_μ, θ_σ) ∈ (−5, 5) × (0, 2), the
// likelihood Π_i N(x_i; θ_μ, θ_σ² + α²) summed over the data at every node.
TEST(ExactPopulationPosterior, AgreesWithATwoDimensionalQuadrature) {
  population_setting setting;
  setting.objects = 50;
  setting.samples_per_object = 1;
  const std::vector<double> x = simulate_population(setting, 5).x;
  const double alpha = 1.0;
  const population_exact exact = exact_population_posterior(x, alpha);

  constexpr int mu_cells = 1000, sigma_cells = 1000;
  const double mu_step = 10.0 / mu_cells, sigma_step = 2.0 / sigma_cells;
  std::vector<double> log_density(static_cast<std::size_t>(mu_cells) * sigma_cells);
  for (int s = 0; s < sigma_cells; ++s) {
    const double sigma = (s + 0.5) * sigma_step;
    const double variance = sigma * sigma + alpha * alpha;
    const double log_norm = -0.5 * std::log(2.0 * pi * variance);
    for (int m = 0; m < mu_cells; ++m) {
      const double mu = -5.0 + (m + 0.5) * mu_step;
      double sum = 0.0;
      for (double xi : x) sum += log_norm - 0.5 * (xi - mu) * (xi - mu) / variance;
      log_density[static_cast<std::size_t>(s) * mu_cells + m] = sum;
    }
  }
  const double max = *std::max_element(log_density.begin(), log_density.end());
  double total = 0.0, mu1 = 0.0, mu2 = 0.0, sigma1 = 0.0, sigma2 = 0.0;
  std::vector<double> mu_marginal(mu_cells, 0.0), sigma_marginal(sigma_cells, 0.0);
  for (int s = 0; s < sigma_cells; ++s) {
    const double sigma = (s + 0.5) * sigma_step;
    for (int m = 0; m < mu_cells; ++m) {
      const double mu = -5.0 + (m + 0.5) * mu_step;
      const double w = std::exp(log_density[static_cast<std::size_t>(s) * mu_cells + m] - max);
      total += w;
      mu1 += w * mu;
      mu2 += w * mu * mu;
      sigma1 += w * sigma;
      sigma2 += w * sigma * sigma;
      mu_marginal[m] += w;
      sigma_marginal[s] += w;
    }
  }
  const double mean_mu = mu1 / total, mean_sigma = sigma1 / total;
  EXPECT_NEAR(exact.mean_mu, mean_mu, 1e-5);
  EXPECT_NEAR(exact.sd_mu, std::sqrt(mu2 / total - mean_mu * mean_mu), 1e-5);
  EXPECT_NEAR(exact.mean_sigma, mean_sigma, 1e-5);
  EXPECT_NEAR(exact.sd_sigma, std::sqrt(sigma2 / total - mean_sigma * mean_sigma), 1e-5);

  // Quantiles from the grid's marginals (piecewise-constant densities): accurate to about
  // the cell width squared times the density's slope, so to 1e-4 here.
  const auto grid_quantile = [total](const std::vector<double>& marginal, double lower, double step,
                                     double p) {
    double cumulative = 0.0;
    for (std::size_t k = 0; k < marginal.size(); ++k) {
      const double mass = marginal[k] / total;
      if (cumulative + mass >= p) return lower + (k + (p - cumulative) / mass) * step;
      cumulative += mass;
    }
    return lower + marginal.size() * step;
  };
  EXPECT_NEAR(exact.q05_mu, grid_quantile(mu_marginal, -5.0, mu_step, 0.05), 1e-4);
  EXPECT_NEAR(exact.q50_mu, grid_quantile(mu_marginal, -5.0, mu_step, 0.50), 1e-4);
  EXPECT_NEAR(exact.q95_mu, grid_quantile(mu_marginal, -5.0, mu_step, 0.95), 1e-4);
  EXPECT_NEAR(exact.q05_sigma, grid_quantile(sigma_marginal, 0.0, sigma_step, 0.05), 1e-4);
  EXPECT_NEAR(exact.q50_sigma, grid_quantile(sigma_marginal, 0.0, sigma_step, 0.50), 1e-4);
  EXPECT_NEAR(exact.q95_sigma, grid_quantile(sigma_marginal, 0.0, sigma_step, 0.95), 1e-4);
  EXPECT_LT(exact.q05_mu, exact.q50_mu);
  EXPECT_LT(exact.q50_mu, exact.q95_mu);
}

// Near the edge θ_μ = 5 the truncation of θ_μ | θ_σ matters: the same 2-D check.
TEST(ExactPopulationPosterior, IncludesTheTruncationOfThetaMu) {
  const std::vector<double> x = {4.9, 5.6, 4.2, 5.3, 6.1, 4.8};
  const double alpha = 0.5;
  const population_exact exact = exact_population_posterior(x, alpha);
  constexpr int cells = 1500;
  const double mu_step = 10.0 / cells, sigma_step = 2.0 / cells;
  double total = 0.0, mu1 = 0.0, mu2 = 0.0, sigma1 = 0.0;
  for (int s = 0; s < cells; ++s) {
    const double sigma = (s + 0.5) * sigma_step;
    const double variance = sigma * sigma + alpha * alpha;
    for (int m = 0; m < cells; ++m) {
      const double mu = -5.0 + (m + 0.5) * mu_step;
      double log_density = 0.0;
      for (double xi : x) {
        log_density += -0.5 * std::log(variance) - 0.5 * (xi - mu) * (xi - mu) / variance;
      }
      const double w = std::exp(log_density);
      total += w;
      mu1 += w * mu;
      mu2 += w * mu * mu;
      sigma1 += w * sigma;
    }
  }
  EXPECT_NEAR(exact.mean_mu, mu1 / total, 2e-5);
  EXPECT_NEAR(exact.sd_mu, std::sqrt(mu2 / total - (mu1 / total) * (mu1 / total)), 2e-5);
  EXPECT_NEAR(exact.mean_sigma, sigma1 / total, 2e-5);
  EXPECT_LT(exact.q95_mu, 5.0);
  EXPECT_LT(exact.mean_mu, 5.0);
}

TEST(ExactPopulationPosterior, RejectsBadInput) {
  EXPECT_THROW(exact_population_posterior({}, 1.0), usage_error);
  EXPECT_THROW(exact_population_posterior({1.0, nan}, 1.0), usage_error);
  EXPECT_THROW(exact_population_posterior({1.0, 2.0}, 0.0), usage_error);
}

using testing::usage_message;

TEST(ExactPopulationPosteriorErrors, NameTheFieldTheValueAndWhatWasExpected) {
  EXPECT_EQ(usage_message([] { exact_population_posterior({0.5}, -1.0); }),
            "exact_population_posterior: alpha: got -1, expected a finite value > 0");
  EXPECT_EQ(usage_message([] {
              exact_population_posterior({0.5, nan}, 1.0);
            }),
            "exact_population_posterior: x[1]: got nan, expected a finite value");
}

}  // namespace
}  // namespace ismc

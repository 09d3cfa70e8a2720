#include "ismc/population/exact_posterior.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "models/population_priors.hpp"
#include "population/population_math.hpp"
#include "population/moments.hpp"

namespace ismc {

// The exact posterior of (θ_μ, θ_σ). Marginally x_i ~ N(θ_μ, V), V = θ_σ² + α², so with
// x̄ the mean and Q = Σ (x_i − x̄)²,
//
//   p(θ_μ, θ_σ | x) ∝ V^(−n/2) exp(−Q/(2V)) exp(−n (θ_μ − x̄)²/(2V))  on (−5, 5) × (0, 2):
//
// θ_μ | θ_σ, x is N(x̄, V/n) truncated to (−5, 5), with normalizer Z(θ_σ) = Φ(b) − Φ(a),
// a, b = (∓5 − x̄)/√(V/n), and p(θ_σ | x) ∝ V^(−(n−1)/2) exp(−Q/(2V)) Z(θ_σ). θ_σ is
// integrated by the midpoint rule on `sigma_cells` cells of (0, 2); θ_μ's marginal is the
// mixture of the truncated normals over the cells.

namespace {

// The flat priors of the hyper-parameters.
using detail::theta_mu_lower;
using detail::theta_mu_upper;
using detail::theta_sigma_upper;

constexpr int sigma_cells = 20000;
using detail::inv_sqrt2;
constexpr double inv_sqrt_two_pi = 0.39894228040143267794;

double normal_cdf(double z) { return 0.5 * std::erfc(-z * inv_sqrt2); }
double normal_survival(double z) { return 0.5 * std::erfc(z * inv_sqrt2); }
double normal_pdf(double z) { return inv_sqrt_two_pi * std::exp(-0.5 * z * z); }

// Φ(upper) − Φ(lower), lower < upper, from the tail that keeps it accurate.
double normal_interval(double lower, double upper) {
  if (lower >= 0.0) return normal_survival(lower) - normal_survival(upper);
  if (upper <= 0.0) return normal_cdf(upper) - normal_cdf(lower);
  return 1.0 - normal_survival(upper) - normal_cdf(lower);
}

}  // namespace

population_exact exact_population_posterior(const std::vector<double>& x, double alpha) {
  const std::string function = "exact_population_posterior: ";
  if (x.empty()) throw usage_error(bad_value(function + "x", "no values", "at least one value"));
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw usage_error(
          bad_value(function + "x[" + std::to_string(i) + "]", x[i], "a finite value"));
    }
  }
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw usage_error(bad_value(function + "alpha", alpha, "a finite value > 0"));
  }
  const double n = static_cast<double>(x.size());
  const auto [mean, squares] = detail::moments_of(x);

  const double step = theta_sigma_upper / sigma_cells;
  std::vector<double> log_weight(sigma_cells), sd(sigma_cells), lower(sigma_cells),
      upper(sigma_cells), mass(sigma_cells), mu_mean(sigma_cells), mu_var(sigma_cells);
  for (int k = 0; k < sigma_cells; ++k) {
    const double sigma = (k + 0.5) * step;
    const double variance = sigma * sigma + alpha * alpha;
    sd[k] = std::sqrt(variance / n);
    lower[k] = (theta_mu_lower - mean) / sd[k];
    upper[k] = (theta_mu_upper - mean) / sd[k];
    mass[k] = normal_interval(lower[k], upper[k]);
    log_weight[k] =
        -0.5 * (n - 1.0) * std::log(variance) - 0.5 * squares / variance + std::log(mass[k]);
    // Moments of the truncated normal.
    const double pdf_lower = normal_pdf(lower[k]), pdf_upper = normal_pdf(upper[k]);
    const double ratio = mass[k] > 0.0 ? (pdf_lower - pdf_upper) / mass[k] : 0.0;
    const double tail_term =
        mass[k] > 0.0 ? (lower[k] * pdf_lower - upper[k] * pdf_upper) / mass[k] : 0.0;
    mu_mean[k] = mean + sd[k] * ratio;
    mu_var[k] = sd[k] * sd[k] * std::max(0.0, 1.0 + tail_term - ratio * ratio);
  }
  const double max_log_weight = *std::max_element(log_weight.begin(), log_weight.end());
  if (!std::isfinite(max_log_weight)) {
    throw runtime_failure(
        "exact_population_posterior: the posterior is numerically zero on "
        "(−5, 5) × (0, 2) for this x (mean " +
        number_text(mean) + ")");
  }
  std::vector<double> weight(sigma_cells);
  double total = 0.0;
  for (int k = 0; k < sigma_cells; ++k) {
    weight[k] = std::exp(log_weight[k] - max_log_weight);
    total += weight[k];
  }
  double sigma_first = 0.0, sigma_second = 0.0, mu_first = 0.0, mu_second = 0.0;
  for (int k = 0; k < sigma_cells; ++k) {
    weight[k] /= total;
    const double sigma = (k + 0.5) * step;
    sigma_first += weight[k] * sigma;
    sigma_second += weight[k] * sigma * sigma;
    mu_first += weight[k] * mu_mean[k];
    mu_second += weight[k] * (mu_var[k] + mu_mean[k] * mu_mean[k]);
  }

  population_exact result{};
  result.mean_sigma = sigma_first;
  result.sd_sigma = std::sqrt(std::max(0.0, sigma_second - sigma_first * sigma_first));
  result.mean_mu = mu_first;
  result.sd_mu = std::sqrt(std::max(0.0, mu_second - mu_first * mu_first));

  // θ_σ's quantiles: the density is constant on each cell.
  const auto sigma_quantile = [&](double p) {
    double cumulative = 0.0;
    for (int k = 0; k < sigma_cells; ++k) {
      if (cumulative + weight[k] >= p && weight[k] > 0.0) {
        return (k + std::min(1.0, (p - cumulative) / weight[k])) * step;
      }
      cumulative += weight[k];
    }
    return theta_sigma_upper;
  };
  result.q05_sigma = sigma_quantile(0.05);
  result.q50_sigma = sigma_quantile(0.50);
  result.q95_sigma = sigma_quantile(0.95);

  // θ_μ's quantiles: bisection on the mixture CDF (cells of negligible weight skipped).
  std::vector<int> cells;
  for (int k = 0; k < sigma_cells; ++k) {
    if (weight[k] > 1e-18) cells.push_back(k);
  }
  double widest = 0.0;
  for (int k : cells) widest = std::max(widest, sd[k]);
  const auto mu_cdf = [&](double t) {
    double cdf = 0.0;
    for (int k : cells) {
      const double conditional = normal_interval(lower[k], (t - mean) / sd[k]) / mass[k];
      cdf += weight[k] * std::min(1.0, std::max(0.0, conditional));
    }
    return cdf;
  };
  const auto mu_quantile = [&](double p) {
    // The mixture's mass lies within 40 of the widest sd of x̄, clipped to the prior.
    double low = std::clamp(mean - 40.0 * widest, theta_mu_lower, theta_mu_upper);
    double high = std::clamp(mean + 40.0 * widest, theta_mu_lower, theta_mu_upper);
    for (int iteration = 0; iteration < 200 && high - low > 1e-13; ++iteration) {
      const double middle = 0.5 * (low + high);
      (mu_cdf(middle) < p ? low : high) = middle;
    }
    return 0.5 * (low + high);
  };
  result.q05_mu = mu_quantile(0.05);
  result.q50_mu = mu_quantile(0.50);
  result.q95_mu = mu_quantile(0.95);
  return result;
}

}  // namespace ismc

#include "ismc/models/eight_schools.hpp"
#include "models/stan_data_readers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "ismc/core/error.hpp"

// lp__ and Stan
// -------------
// log_density(q) is exactly the lp__ that Stan writes for the same draw of posteriordb's
// eight_schools_centered.stan and eight_schools_noncentered.stan (same terms, same dropped
// constants). Stan's `~` statements drop every term that depends on data and constants
// only, keep every term that depends on a parameter, and lp__ includes the log-Jacobian of
// the constraining transforms: here log τ, for τ = exp(q_1) (`real<lower=0> tau`).
//
//   centered,     q = (μ, log τ, θ_1..θ_J):
//     lp = −½(μ/5)² − log(1 + (τ/5)²) + log τ − J log τ − ½ Σ_j ((θ_j − μ)/τ)²
//          − ½ Σ_j ((y_j − θ_j)/σ_j)²
//   non-centered, q = (μ, log τ, ν_1..ν_J), θ_j = μ + τ ν_j:
//     lp = −½(μ/5)² − log(1 + (τ/5)²) + log τ − ½ Σ_j ν_j² − ½ Σ_j ((y_j − θ_j)/σ_j)²
//
// Both equal log p(y, q) − C, where log p(y, q) is the fully normalized log joint density
// on the unconstrained scale (τ's density the half-Cauchy 2 / (5π (1 + (τ/5)²)), times the
// Jacobian τ) and the dropped constant is the same for both forms:
//
//   C = −(2J + 1)/2 · log(2π) − 2 log 5 − log π + log 2 − Σ_j log σ_j
//
//   −½ log(2π) − log 5        from mu ~ normal(0, 5)
//   −log π − log 5            from tau ~ cauchy(0, 5): Cauchy's normalizing constant
//   +log 2                    the half-Cauchy's truncation factor, which Stan never adds
//                             for a constant lower bound
//   −J/2 · log(2π)            from theta ~ normal(mu, tau) (centered) or
//                             nu ~ normal(0, 1) (non-centered); the −J log τ of the
//                             centered form is kept, since τ is a parameter
//   −J/2 · log(2π) − Σ log σ_j from y ~ normal(theta, sigma), σ being data
//
// (J = 8 and posteriordb's σ: C = −39.2616095848.) Consequently
// lp_noncentered(μ, log τ, ν) − lp_centered(μ, log τ, μ + τ ν) = J log τ exactly: the
// log-Jacobian of θ = μ + τ ν. Stan writes posteriordb's parameters in the order theta,
// mu, tau (centered) and theta_trans, mu, tau, theta (non-centered); ours are named and
// ordered mu, tau, theta.j and mu, tau, nu.j, theta.j, which changes no density.

namespace ismc {
namespace {

using detail::element_name;
using detail::read_positive_int;
using detail::read_real_array;
using detail::read_real_scalar;

// eight schools: J, y[J], sigma[J] > 0 (posteriordb's eight_schools data).
struct eight_schools_data {
  std::vector<double> y;
  std::vector<double> sigma;
};

eight_schools_data read_eight_schools_data(const stan_data& data) {
  const std::size_t schools = read_positive_int(data, "J");
  const std::string length_name = "J = " + std::to_string(schools);
  eight_schools_data result;
  result.y = read_real_array(data, "y", schools, length_name);
  result.sigma = read_real_array(data, "sigma", schools, length_name);
  for (std::size_t j = 0; j < schools; ++j) {
    if (!(result.sigma[j] > 0.0)) {
      throw input_error("", 0, element_name("sigma", j),
                        got_expected(result.sigma[j], "a standard deviation > 0"));
    }
  }
  return result;
}

constexpr double negative_infinity = -std::numeric_limits<double>::infinity();

// d/d(log τ) of −log(1 + z²), z = τ/5: −2z²/(1 + z²), written to stay finite at z² = ∞.
double half_cauchy_log_tau_gradient(double tau_z) { return -2.0 / (1.0 + 1.0 / (tau_z * tau_z)); }

// The data and the hyper-parameter terms that both forms share.
class eight_schools_base : public posterior_model {
 public:
  explicit eight_schools_base(eight_schools_data data)
      : y_(std::move(data.y)), sigma_(std::move(data.sigma)) {}

  std::size_t schools() const { return y_.size(); }

 protected:
  // Initial values {mu, tau, <schools_field>[J]}, constrained, into q.
  void unconstrain_fields(const stan_data& values, const std::string& schools_field,
                          double* q) const {
    q[0] = read_real_scalar(values, "mu");
    const double tau = read_real_scalar(values, "tau");
    if (!(tau > 0.0)) {
      throw input_error("", 0, "tau", got_expected(tau, "a standard deviation > 0"));
    }
    q[1] = std::log(tau);
    const std::vector<double> per_school =
        read_real_array(values, schools_field, schools(), "J = " + std::to_string(schools()));
    std::copy(per_school.begin(), per_school.end(), q + 2);
  }

  // −½(μ/5)² − log(1 + (τ/5)²) + log τ (Jacobian), with its gradient added to
  // gradient[0], gradient[1] when gradient is not null.
  static double hyper_prior(double mu, double log_tau, double* gradient) {
    const double mu_z = mu / eight_schools_mu_prior_sd;
    const double tau_z = std::exp(log_tau) / eight_schools_tau_prior_scale;
    if (gradient != nullptr) {
      gradient[0] += -mu_z / eight_schools_mu_prior_sd;
      gradient[1] += half_cauchy_log_tau_gradient(tau_z) + 1.0;
    }
    return -0.5 * mu_z * mu_z - std::log1p(tau_z * tau_z) + log_tau;
  }

  std::vector<double> y_;
  std::vector<double> sigma_;
};

class eight_schools_centered final : public eight_schools_base {
 public:
  using eight_schools_base::eight_schools_base;

  std::string name() const override { return "eight_schools_centered"; }
  std::size_t dim() const override { return 2 + schools(); }

  double log_density(const double* q, double* gradient) const override {
    const double mu = q[0];
    const double log_tau = q[1];
    const double* theta = q + 2;
    const double inv_tau = std::exp(-log_tau);
    const std::size_t count = schools();
    if (gradient != nullptr) std::fill(gradient, gradient + dim(), 0.0);

    double lp = hyper_prior(mu, log_tau, gradient);
    // theta ~ normal(mu, tau) keeps its −J log τ.
    lp -= static_cast<double>(count) * log_tau;
    if (gradient != nullptr) gradient[1] -= static_cast<double>(count);
    for (std::size_t j = 0; j < count; ++j) {
      const double shrink_z = (theta[j] - mu) * inv_tau;
      const double data_z = (y_[j] - theta[j]) / sigma_[j];
      lp -= 0.5 * (shrink_z * shrink_z + data_z * data_z);
      if (gradient != nullptr) {
        gradient[0] += shrink_z * inv_tau;
        gradient[1] += shrink_z * shrink_z;
        gradient[2 + j] = -shrink_z * inv_tau + data_z / sigma_[j];
      }
    }
    return std::isnan(lp) ? negative_infinity : lp;
  }

  std::vector<std::string> output_names() const override {
    std::vector<std::string> names = {"mu", "tau"};
    for (std::size_t j = 1; j <= schools(); ++j) names.push_back("theta." + std::to_string(j));
    return names;
  }

  void write_outputs(const double* q, double* out) const override {
    out[0] = q[0];
    out[1] = std::exp(q[1]);
    std::copy(q + 2, q + 2 + schools(), out + 2);
  }

  void unconstrain(const stan_data& values, double* q) const override {
    unconstrain_fields(values, "theta", q);
  }
};

class eight_schools_noncentered final : public eight_schools_base {
 public:
  using eight_schools_base::eight_schools_base;

  std::string name() const override { return "eight_schools_noncentered"; }
  std::size_t dim() const override { return 2 + schools(); }

  double log_density(const double* q, double* gradient) const override {
    const double mu = q[0];
    const double log_tau = q[1];
    const double* nu = q + 2;
    const double tau = std::exp(log_tau);
    const std::size_t count = schools();
    if (gradient != nullptr) std::fill(gradient, gradient + dim(), 0.0);

    double lp = hyper_prior(mu, log_tau, gradient);
    for (std::size_t j = 0; j < count; ++j) {
      const double theta = mu + tau * nu[j];
      const double data_z = (y_[j] - theta) / sigma_[j];
      lp -= 0.5 * (nu[j] * nu[j] + data_z * data_z);
      if (gradient != nullptr) {
        const double d_theta = data_z / sigma_[j];  // ∂lp/∂θ_j
        gradient[0] += d_theta;
        gradient[1] += d_theta * tau * nu[j];
        gradient[2 + j] = -nu[j] + d_theta * tau;
      }
    }
    return std::isnan(lp) ? negative_infinity : lp;
  }

  std::vector<std::string> output_names() const override {
    std::vector<std::string> names = {"mu", "tau"};
    for (std::size_t j = 1; j <= schools(); ++j) names.push_back("nu." + std::to_string(j));
    for (std::size_t j = 1; j <= schools(); ++j) names.push_back("theta." + std::to_string(j));
    return names;
  }

  void write_outputs(const double* q, double* out) const override {
    const double tau = std::exp(q[1]);
    const std::size_t count = schools();
    out[0] = q[0];
    out[1] = tau;
    for (std::size_t j = 0; j < count; ++j) {
      out[2 + j] = q[2 + j];
      out[2 + count + j] = q[0] + tau * q[2 + j];
    }
  }

  void unconstrain(const stan_data& values, double* q) const override {
    unconstrain_fields(values, "nu", q);  // θ is derived: Stan reads no transformed parameters
  }
};

}  // namespace

std::unique_ptr<posterior_model> make_eight_schools_centered(const stan_data& data) {
  return std::make_unique<eight_schools_centered>(read_eight_schools_data(data));
}

std::unique_ptr<posterior_model> make_eight_schools_noncentered(const stan_data& data) {
  return std::make_unique<eight_schools_noncentered>(read_eight_schools_data(data));
}

eight_schools_moments eight_schools_exact_posterior(const std::vector<double>& y,
                                                    const std::vector<double>& sigma) {
  const std::size_t count = y.size();
  if (count < 2 || sigma.size() != count) {
    throw usage_error(bad_value("eight_schools_exact_posterior: the lengths of y and sigma",
                                std::to_string(count) + " and " + std::to_string(sigma.size()),
                                "one length J >= 2 (tau's posterior sd is infinite for J = 1)"));
  }
  for (std::size_t j = 0; j < count; ++j) {
    const std::string school = std::to_string(j + 1);
    if (!std::isfinite(y[j])) {
      throw usage_error(
          bad_value("eight_schools_exact_posterior: y[" + school + "]", y[j], "a finite value"));
    }
    if (!std::isfinite(sigma[j]) || !(sigma[j] > 0.0)) {
      throw usage_error(bad_value("eight_schools_exact_posterior: sigma[" + school + "]", sigma[j],
                                  "a finite value > 0"));
    }
  }

  // Grid over u = log τ. The density of u is ∝ τ/(1 + (τ/5)²) · p(y | τ): ~τ as τ → 0 and
  // ~τ^−(J+1) as τ → ∞, so [−30, 12] holds all but ~1e-13 of the mass, and of τ's second
  // moment, for any J ≥ 2.
  constexpr int points = 20001;
  constexpr double log_tau_lower = -30.0;
  constexpr double log_tau_upper = 12.0;
  constexpr double step = (log_tau_upper - log_tau_lower) / (points - 1);
  const double mu_prior_precision = 1.0 / (eight_schools_mu_prior_sd * eight_schools_mu_prior_sd);

  // Per grid point: the log weight and the conditional moments given τ.
  std::vector<double> log_weight(points);
  std::vector<double> mu_mean(points), mu_var(points);
  for (int i = 0; i < points; ++i) {
    const double log_tau = log_tau_lower + step * i;
    const double tau = std::exp(log_tau);
    const double tau_z = tau / eight_schools_tau_prior_scale;
    // μ | τ, y ~ N(m, 1/P): P = 1/5² + Σ w_j, m = Σ w_j y_j / P, w_j = 1/(σ_j² + τ²).
    double precision = mu_prior_precision;
    double weighted_sum = 0.0;
    double log_marginal = 0.0;  // −½ Σ log(σ_j² + τ²)
    for (std::size_t j = 0; j < count; ++j) {
      const double variance = sigma[j] * sigma[j] + tau * tau;
      precision += 1.0 / variance;
      weighted_sum += y[j] / variance;
      log_marginal -= 0.5 * std::log(variance);
    }
    const double m = weighted_sum / precision;
    // ∫ N(μ; 0, 5²) Π N(y_j; μ, σ_j² + τ²) dμ ∝ Π(σ_j² + τ²)^−½ P^−½ exp(−½ Q),
    // Q = Σ w_j (y_j − m)² + m²/5² (= Σ w_j y_j² − P m², written without cancellation).
    double quadratic = m * m * mu_prior_precision;
    for (std::size_t j = 0; j < count; ++j) {
      quadratic += (y[j] - m) * (y[j] - m) / (sigma[j] * sigma[j] + tau * tau);
    }
    log_weight[i] = log_tau - std::log1p(tau_z * tau_z) + log_marginal - 0.5 * std::log(precision) -
                    0.5 * quadratic;
    mu_mean[i] = m;
    mu_var[i] = 1.0 / precision;
  }
  const double max_log_weight = *std::max_element(log_weight.begin(), log_weight.end());

  // Trapezoidal sums of the weight times E[·|τ] and E[·²|τ].
  double total = 0.0;
  double mu_first = 0.0, mu_second = 0.0, tau_first = 0.0, tau_second = 0.0;
  std::vector<double> theta_first(count, 0.0), theta_second(count, 0.0);
  for (int i = 0; i < points; ++i) {
    const double end_factor = (i == 0 || i == points - 1) ? 0.5 : 1.0;
    const double weight = end_factor * std::exp(log_weight[i] - max_log_weight);
    if (weight == 0.0) continue;
    const double tau = std::exp(log_tau_lower + step * i);
    total += weight;
    mu_first += weight * mu_mean[i];
    mu_second += weight * (mu_var[i] + mu_mean[i] * mu_mean[i]);
    tau_first += weight * tau;
    tau_second += weight * tau * tau;
    for (std::size_t j = 0; j < count; ++j) {
      // θ_j | τ, y: mean (1 − B) y_j + B m, variance (1 − B) σ_j² + B² Var(μ | τ, y),
      // B = σ_j²/(σ_j² + τ²) the shrinkage toward μ.
      const double sigma2 = sigma[j] * sigma[j];
      const double shrinkage = sigma2 / (sigma2 + tau * tau);
      const double mean = (1.0 - shrinkage) * y[j] + shrinkage * mu_mean[i];
      const double var = (1.0 - shrinkage) * sigma2 + shrinkage * shrinkage * mu_var[i];
      theta_first[j] += weight * mean;
      theta_second[j] += weight * (var + mean * mean);
    }
  }

  const auto sd = [total](double first, double second) {
    const double mean = first / total;
    return std::sqrt(std::max(0.0, second / total - mean * mean));
  };
  eight_schools_moments result;
  result.mu_mean = mu_first / total;
  result.mu_sd = sd(mu_first, mu_second);
  result.tau_mean = tau_first / total;
  result.tau_sd = sd(tau_first, tau_second);
  result.theta_mean.resize(count);
  result.theta_sd.resize(count);
  for (std::size_t j = 0; j < count; ++j) {
    result.theta_mean[j] = theta_first[j] / total;
    result.theta_sd[j] = sd(theta_first[j], theta_second[j]);
  }
  return result;
}

}  // namespace ismc

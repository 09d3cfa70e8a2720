#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ismc/error.hpp"
#include "ismc/population.hpp"
#include "ismc/posterior.hpp"
#include "population_math.hpp"

// The partial-pooling model (seed 000) as a `posterior_model`
// -----------------------------------------------------------
// μ_i ~ N(θ_μ, θ_σ), x_i ~ N(μ_i, α) for i = 1..n, θ_μ ~ U(−5, 5), θ_σ ~ U(0, 2), α known.
// Unconstrained q = (a, b, μ_1..μ_n) with θ_μ = −5 + 10 s(a), θ_σ = 2 s(b), s the logistic
// function (Stan's lower/upper-bounded transform). The log density is
//
//   lp = ln 20 + J(a) + J(b) − n ln θ_σ − ½ Σ ((μ_i − θ_μ)/θ_σ)² − ½ Σ ((x_i − μ_i)/α)²,
//   J(q) = ln s(q) + ln s(−q) = −|q| − 2 ln(1 + e^−|q|),
//
// where ln 10 + J(a) and ln 2 + J(b) are the log-Jacobians of the two transforms. This is
// exactly the lp__ that Stan writes for
//
//   data { int n; vector[n] x; real alpha; }
//   parameters { real<lower=-5, upper=5> theta_mu; real<lower=0, upper=2> theta_sigma;
//                vector[n] mu; }
//   model { mu ~ normal(theta_mu, theta_sigma); x ~ normal(mu, alpha); }
//
// (the uniform priors are implicit; `~` drops −½ ln 2π per term and −ln α, which are
// constants, and keeps −n ln θ_σ). Relative to the fully normalized log joint density
// ln p(x, q) on the unconstrained scale (the priors' 1/10 and 1/2 included, the Jacobians'
// ln 10 and ln 2 included), the dropped constant is
//
//   lp − ln p(x, q) = ln 20 + n ln(2π) + n ln α.

namespace ismc {
namespace {

constexpr double negative_infinity = -std::numeric_limits<double>::infinity();
using detail::theta_mu_lower;
using detail::theta_sigma_upper;
constexpr double theta_mu_width = detail::theta_mu_upper - detail::theta_mu_lower;
constexpr double log_twenty = 2.99573227355399099344;  // ln 10 + ln 2

std::string format_value(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

// The logistic function 1/(1 + e^−q), without overflow.
double logistic(double q) {
  if (q >= 0.0) return 1.0 / (1.0 + std::exp(-q));
  const double e = std::exp(q);
  return e / (1.0 + e);
}

// ln s(q), without overflow or cancellation.
double log_logistic(double q) {
  return q >= 0.0 ? -std::log1p(std::exp(-q)) : q - std::log1p(std::exp(q));
}

// J(q) = ln s(q) + ln(1 − s(q)).
double log_logistic_jacobian(double q) {
  const double magnitude = std::fabs(q);
  return -magnitude - 2.0 * std::log1p(std::exp(-magnitude));
}

double logit(double p) { return std::log(p) - std::log1p(-p); }

const data_value& require_field(const stan_data& values, const std::string& field,
                                const std::string& expected) {
  const auto found = values.find(field);
  if (found == values.end()) throw input_error("", 0, field, "missing; expected " + expected);
  return found->second;
}

double read_scalar(const stan_data& values, const std::string& field, double lower, double upper) {
  const std::string expected =
      "a real in (" + format_value(lower) + ", " + format_value(upper) + ")";
  const data_value& value = require_field(values, field, expected);
  if (!value.dims.empty() || value.values.size() != 1) {
    throw input_error("", 0, field,
                      "expected " + expected + ", got an array of " +
                          std::to_string(value.values.size()) + " values");
  }
  const double number = value.values[0];
  if (!(number > lower && number < upper)) {
    throw input_error("", 0, field, "expected " + expected + ", got " + format_value(number));
  }
  return number;
}

class partial_pooling_model final : public posterior_model {
 public:
  partial_pooling_model(std::vector<double> x, double alpha)
      : x_(std::move(x)), inv_alpha2_(1.0 / (alpha * alpha)) {}

  std::string name() const override { return "partial_pooling"; }
  std::size_t dim() const override { return 2 + x_.size(); }

  double log_density(const double* q, double* gradient) const override {
    const std::size_t n = x_.size();
    const double a = q[0], b = q[1];
    const double s_a = logistic(a), s_minus_a = logistic(-a);
    const double s_b = logistic(b), s_minus_b = logistic(-b);
    const double theta_mu = theta_mu_lower + theta_mu_width * s_a;
    const double log_theta_sigma = std::log(theta_sigma_upper) + log_logistic(b);
    const double inv_theta_sigma = std::exp(-log_theta_sigma);
    const double inv_theta_sigma2 = inv_theta_sigma * inv_theta_sigma;

    double shrink_sum = 0.0;     // Σ (μ_i − θ_μ)
    double shrink_square = 0.0;  // Σ (μ_i − θ_μ)²
    double data_square = 0.0;    // Σ (x_i − μ_i)²
    for (std::size_t i = 0; i < n; ++i) {
      const double shrink = q[2 + i] - theta_mu;
      const double residual = x_[i] - q[2 + i];
      shrink_sum += shrink;
      shrink_square += shrink * shrink;
      data_square += residual * residual;
      if (gradient != nullptr) {
        gradient[2 + i] = -shrink * inv_theta_sigma2 + residual * inv_alpha2_;
      }
    }
    const double count = static_cast<double>(n);
    const double lp = log_twenty + log_logistic_jacobian(a) + log_logistic_jacobian(b) -
                      count * log_theta_sigma - 0.5 * shrink_square * inv_theta_sigma2 -
                      0.5 * data_square * inv_alpha2_;
    if (gradient != nullptr) {
      // ∂θ_μ/∂a = 10 s(a) s(−a); ∂θ_σ/∂b = θ_σ s(−b); ∂J/∂q = 1 − 2 s(q) = s(−q) − s(q).
      gradient[0] =
          shrink_sum * inv_theta_sigma2 * theta_mu_width * s_a * s_minus_a + (s_minus_a - s_a);
      gradient[1] = (shrink_square * inv_theta_sigma2 - count) * s_minus_b + (s_minus_b - s_b);
    }
    return std::isnan(lp) ? negative_infinity : lp;
  }

  std::vector<std::string> output_names() const override {
    std::vector<std::string> names = {"theta_mu", "theta_sigma"};
    for (std::size_t i = 1; i <= x_.size(); ++i) names.push_back("mu." + std::to_string(i));
    return names;
  }

  void write_outputs(const double* q, double* out) const override {
    out[0] = theta_mu_lower + theta_mu_width * logistic(q[0]);
    out[1] = theta_sigma_upper * logistic(q[1]);
    std::copy(q + 2, q + 2 + x_.size(), out + 2);
  }

  // Initial values {theta_mu, theta_sigma, mu[n]}, constrained, as in a Stan init file.
  void unconstrain(const stan_data& values, double* q) const override {
    const double theta_mu =
        read_scalar(values, "theta_mu", theta_mu_lower, theta_mu_lower + theta_mu_width);
    const double theta_sigma = read_scalar(values, "theta_sigma", 0.0, theta_sigma_upper);
    const std::size_t n = x_.size();
    const std::string expected = "an array of n = " + std::to_string(n) + " finite reals";
    const data_value& mu = require_field(values, "mu", expected);
    if (mu.dims.size() != 1 || mu.dims[0] != n || mu.values.size() != n) {
      throw input_error("", 0, "mu",
                        "expected " + expected + ", got " + std::to_string(mu.values.size()) +
                            " values in " + std::to_string(mu.dims.size()) + " dimension(s)");
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(mu.values[i])) {
        throw input_error("", 0, "mu[" + std::to_string(i + 1) + "]",
                          "expected a finite real, got " + format_value(mu.values[i]));
      }
    }
    q[0] = logit((theta_mu - theta_mu_lower) / theta_mu_width);
    q[1] = logit(theta_sigma / theta_sigma_upper);
    std::copy(mu.values.begin(), mu.values.end(), q + 2);
  }

 private:
  std::vector<double> x_;
  double inv_alpha2_;  // 1/α²
};

}  // namespace

std::unique_ptr<posterior_model> make_partial_pooling(std::vector<double> x, double alpha) {
  if (x.empty()) throw input_error("", 0, "x", "is empty; expected at least one observation");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw input_error("", 0, "x[" + std::to_string(i + 1) + "]",
                        "expected a finite real, got " + format_value(x[i]));
    }
  }
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw input_error("", 0, "alpha",
                      "expected a finite standard deviation > 0, got " + format_value(alpha));
  }
  return std::make_unique<partial_pooling_model>(std::move(x), alpha);
}

}  // namespace ismc

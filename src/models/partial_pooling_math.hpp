#pragma once
/// @file partial_pooling_math.hpp (private)
/// @brief The arithmetic of the partial-pooling log density and its gradient
/// (src/models/partial_pooling.cpp), written once for the CPU reference and the CUDA kernel
/// (kernels/partial_pooling.cu): everything here is `ISMC_HD` and uses plain
/// arithmetic, `exp`, `log` and `log1p` only.
///
/// At q = (a, b, μ_1 … μ_n), θ_μ = −5 + 10 s(a), θ_σ = 2 s(b) (s the logistic function):
///
///   lp = ln 20 + J(a) + J(b) − n ln θ_σ − ½ S₂/θ_σ² − ½ D₂/α²,
///   S₁ = Σ (μ_i − θ_μ),   S₂ = Σ (μ_i − θ_μ)²,   D₂ = Σ (x_i − μ_i)²,
///   ∂lp/∂μ_i = −(μ_i − θ_μ)/θ_σ² + (x_i − μ_i)/α²,
///   ∂lp/∂a = S₁/θ_σ² · 10 s(a) s(−a) + s(−a) − s(a),
///   ∂lp/∂b = (S₂/θ_σ² − n) s(−b) + s(−b) − s(b).
///
/// A caller makes the hyper-parameters' constants once (`make_pooling_hyper`), adds every
/// object in any order (`add_pooling_object`; partial sums combine with
/// `add_pooling_sums`), and finishes (`finish_pooling_log_density`). The CPU adds the
/// objects in index order, so its bits are those of one fixed sequence of operations; the
/// device's order differs, so its sums differ from the CPU's in the last bits only.

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "ismc/core/config.hpp"
#include "models/population_priors.hpp"

namespace ismc::detail {

/// Width of θ_μ's prior interval, 10.
inline constexpr double theta_mu_width = theta_mu_upper - theta_mu_lower;
/// ln θ_σ's upper bound, ln 2.
inline constexpr double log_theta_sigma_upper = 0.69314718055994530942;
/// ln 10 + ln 2: the log-Jacobians' constants.
inline constexpr double log_twenty = 2.99573227355399099344;

/// The logistic function s(q) = 1/(1 + e^−q), without overflow.
ISMC_HD inline double logistic(double q) {
  if (q >= 0.0) return 1.0 / (1.0 + exp(-q));
  const double e = exp(q);
  return e / (1.0 + e);
}

/// ln s(q), without overflow or cancellation.
ISMC_HD inline double log_logistic(double q) {
  return q >= 0.0 ? -log1p(exp(-q)) : q - log1p(exp(q));
}

/// J(q) = ln s(q) + ln(1 − s(q)) = −|q| − 2 ln(1 + e^−|q|): the logit transform's
/// log-Jacobian without its constant.
ISMC_HD inline double log_logistic_jacobian(double q) {
  const double magnitude = fabs(q);
  return -magnitude - 2.0 * log1p(exp(-magnitude));
}

/// What every object's term needs of (a, b), made once per q.
struct pooling_hyper {
  double theta_mu;          ///< −5 + 10 s(a)
  double log_theta_sigma;   ///< ln θ_σ = ln 2 + ln s(b)
  double inv_theta_sigma2;  ///< 1/θ_σ²
  double s_a;               ///< s(a)
  double s_minus_a;         ///< s(−a)
  double s_b;               ///< s(b)
  double s_minus_b;         ///< s(−b)
};

/// The constants of the hyper-parameters at unconstrained (a, b). A very negative b gives
/// θ_σ → 0 and 1/θ_σ² = +∞; the finish turns the resulting NaN into lp = −∞.
ISMC_HD inline pooling_hyper make_pooling_hyper(double a, double b) {
  pooling_hyper hyper;
  hyper.s_a = logistic(a);
  hyper.s_minus_a = logistic(-a);
  hyper.s_b = logistic(b);
  hyper.s_minus_b = logistic(-b);
  hyper.theta_mu = theta_mu_lower + theta_mu_width * hyper.s_a;
  hyper.log_theta_sigma = log_theta_sigma_upper + log_logistic(b);
  const double inv_theta_sigma = exp(-hyper.log_theta_sigma);
  hyper.inv_theta_sigma2 = inv_theta_sigma * inv_theta_sigma;
  return hyper;
}

/// Running sums over objects: S₁, S₂ and D₂ above.
struct pooling_sums {
  double shrink_sum;     ///< Σ (μ_i − θ_μ)
  double shrink_square;  ///< Σ (μ_i − θ_μ)²
  double data_square;    ///< Σ (x_i − μ_i)²
};

/// The sums of no object.
ISMC_HD inline pooling_sums empty_pooling_sums() { return pooling_sums{0.0, 0.0, 0.0}; }

/// Adds object i (parameter μ_i = `mu`, observation x_i = `x`) to `sums`; returns
/// ∂lp/∂μ_i. `inv_alpha2` = 1/α².
ISMC_HD inline double add_pooling_object(const pooling_hyper& hyper, double mu, double x,
                                         double inv_alpha2, pooling_sums& sums) {
  const double shrink = mu - hyper.theta_mu;
  const double residual = x - mu;
  sums.shrink_sum += shrink;
  sums.shrink_square += shrink * shrink;
  sums.data_square += residual * residual;
  return -shrink * hyper.inv_theta_sigma2 + residual * inv_alpha2;
}

/// The sums of two disjoint sets of objects.
ISMC_HD inline pooling_sums add_pooling_sums(const pooling_sums& first,
                                             const pooling_sums& second) {
  return pooling_sums{first.shrink_sum + second.shrink_sum,
                      first.shrink_square + second.shrink_square,
                      first.data_square + second.data_square};
}

/// lp at q = (a, b, μ) from the sums over all `objects` (n, as a double); when `gradient` is
/// not null, writes ∂lp/∂a and ∂lp/∂b to gradient[0] and gradient[1]. A NaN lp (θ_σ
/// underflowed to 0, or a non-finite q) is returned as −∞.
ISMC_HD inline double finish_pooling_log_density(double a, double b, const pooling_hyper& hyper,
                                                 const pooling_sums& sums, double objects,
                                                 double inv_alpha2, double* gradient) {
  const double lp = log_twenty + log_logistic_jacobian(a) + log_logistic_jacobian(b) -
                    objects * hyper.log_theta_sigma -
                    0.5 * sums.shrink_square * hyper.inv_theta_sigma2 -
                    0.5 * sums.data_square * inv_alpha2;
  if (gradient != nullptr) {
    // ∂θ_μ/∂a = 10 s(a) s(−a); ∂θ_σ/∂b = θ_σ s(−b); ∂J/∂q = 1 − 2 s(q) = s(−q) − s(q).
    gradient[0] =
        sums.shrink_sum * hyper.inv_theta_sigma2 * theta_mu_width * hyper.s_a * hyper.s_minus_a +
        (hyper.s_minus_a - hyper.s_a);
    gradient[1] = (sums.shrink_square * hyper.inv_theta_sigma2 - objects) * hyper.s_minus_b +
                  (hyper.s_minus_b - hyper.s_b);
  }
  return lp == lp ? lp : -HUGE_VAL;  // false only for NaN
}

/// The names of the batched density's coordinates q = (a, b, μ_1 … μ_n), for both
/// backends (host only).
inline std::vector<std::string> pooling_coordinate_names(std::size_t objects) {
  std::vector<std::string> names = {"theta_mu_unconstrained", "theta_sigma_unconstrained"};
  for (std::size_t i = 1; i <= objects; ++i) names.push_back("mu." + std::to_string(i));
  return names;
}

}  // namespace ismc::detail

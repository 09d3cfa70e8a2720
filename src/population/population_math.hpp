#pragma once
/// @file population_math.hpp (private)
/// @brief The per-θ, per-sample and per-object arithmetic of the importance-sampled
/// hyper-likelihood L̂(θ) (population.hpp), written once for the CPU reference
/// (src/population/hyper_likelihood.cpp) and the CUDA kernel: everything here is `ISMC_HD` and uses
/// plain arithmetic, `exp` and `log` only.
///
/// For one θ = (θ_μ, θ_σ) and object i with samples μ_n (n < S_i) drawn under the interim
/// prior p0, the weight of a sample is w_n = N(μ_n; θ_μ, θ_σ) / p0(μ_n) and
///
///     ln L̂_i = ln[(1/S_i) Σ_n w_n],   ESS_i = (Σ w)² / Σ w²,   σ²_i = 1/ESS_i − 1/S_i.
///
/// The weights are accumulated in the log domain as (max, Σ e, Σ e²) with
/// e_n = exp(ln w_n − max) ∈ (0, 1], so nothing overflows and the largest weight never
/// underflows, whatever θ_σ and however far the samples lie from θ_μ. `max` need only be
/// an upper bound of every ln w_n (the CPU's flat-prior path uses ln N(θ_μ; θ_μ, θ_σ)).

#include <cmath>
#include <cstdint>
#include <cstring>

#include "ismc/core/config.hpp"
#include "models/population_priors.hpp"

namespace ismc::detail {

/// ½ ln(2π).
inline constexpr double half_log_two_pi = 0.91893853320467274178032973640562;

/// 1/√2.
inline constexpr double inv_sqrt2 = 0.70710678118654752440;

/// The largest finite double, DBL_MAX (|x| ≤ it is false for ±∞ and NaN).
inline constexpr double largest_finite = 1.7976931348623157e308;

/// ln N(x; mean, sd²), the normalized log density of a normal, sd > 0.
ISMC_HD inline double log_normal_density(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - log(sd) - half_log_two_pi;
}

/// The bits of a double, and back (no aliasing questions; compiles to nothing).
ISMC_HD inline std::uint64_t double_bits(double x) {
  std::uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  return bits;
}
ISMC_HD inline double bits_double(std::uint64_t bits) {
  double x;
  memcpy(&x, &bits, sizeof x);
  return x;
}

/// 2^−t for t ≥ 0 (or +∞), the core of every scaled weight.
///
/// On the host: −t = n + f with n = round(−t) and |f| ≤ ½ (f exact: t and −n are within a
/// factor of 2 of each other, or n = 0), a degree-10 minimax polynomial for 2^f (relative
/// error 2.2e-16, so about 1 ulp after rounding), and 2ⁿ built in the exponent bits. It has
/// no branches, no calls and no floating-point comparison (t is clamped by comparing bit
/// patterns: under the default -ftrapping-math a double comparison keeps GCC from
/// vectorizing), so the compiler vectorizes the CPU loops over samples; and it does not
/// depend on the C library. For t > 1021 it returns 2^−1021 ≈ 4.5e-308 instead of 2^−t:
/// callers use it only where a weight that small is negligible next to the sum it joins
/// (a sum ≥ 2^−800, see hyper_likelihood.cpp). NaN gives an unspecified value: callers pass
/// none.
/// On the device: the CUDA `exp2(−t)`.
ISMC_HD inline double exp2_minus(double t) {
#if defined(__CUDA_ARCH__)
  return exp2(-t);
#else
  constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer kept in the low bits
  // For t ≥ +0 the bit patterns grow with t (+∞ included), so min on them is min on t.
  constexpr std::uint64_t limit_bits = 0x408FE80000000000u;  // 1021.0
  const std::uint64_t t_bits = double_bits(t);
  const double clamped = bits_double(t_bits < limit_bits ? t_bits : limit_bits);
  const double shifted = shifter - clamped;
  const double n = shifted - shifter;  // round(−t) ∈ [−1021, 0]
  const double g = clamped + n;        // = −f, exact
  double p = 7.037754566257399e-09;
  p = p * g + -1.0208609114060571e-07;
  p = p * g + 1.3215660160938048e-06;
  p = p * g + -1.5252657716845814e-05;
  p = p * g + 0.00015403529966145137;
  p = p * g + -0.0013333558229308784;
  p = p * g + 0.009618129108031101;
  p = p * g + -0.05550410866445367;
  p = p * g + 0.24022650695908773;
  p = p * g + -0.6931471805599498;
  p = p * g + 1.0;
  // The low bits of `shifted` hold n in two's complement; n + 1023 is the biased exponent
  // of 2ⁿ (between 2 and 1023), and the shift drops everything above it.
  return p * bits_double((double_bits(shifted) + 1023u) << 52);
#endif
}

/// e^−y for y ≥ 0 (or +∞): a scaled weight exp(−(max − ln w)) ∈ (0, 1]. As `exp2_minus`
/// (y > 708 gives about 4.5e-308); on the device the CUDA `exp(−y)`.
ISMC_HD inline double exp_minus(double y) {
#if defined(__CUDA_ARCH__)
  return exp(-y);
#else
  constexpr double log2e = 1.4426950408889634074;
  return exp2_minus(y * log2e);
#endif
}

/// The constants of ln N(μ; θ_μ, θ_σ) for one θ, so that a sample costs a subtraction and
/// two multiplications: ln N = log_norm − ((μ − mean) · scale)², and
/// N / e^log_norm = 2^−v², v = (μ − mean) · log2_scale.
struct hyper_normal {
  double mean = 0.0;        ///< θ_μ
  double scale = 0.0;       ///< 1 / (√2 θ_σ)
  double log2_scale = 0.0;  ///< √(log₂ e) / (√2 θ_σ)
  double log_norm = 0.0;    ///< −ln θ_σ − ½ ln 2π = max over μ of ln N
};

/// The constants for θ = (theta_mu, theta_sigma). Returns false, leaving `out` alone, when
/// θ is not a valid normal (θ_σ ≤ 0, or either value not finite): ln L̂ is then −∞.
ISMC_HD inline bool make_hyper_normal(double theta_mu, double theta_sigma, hyper_normal* out) {
  // The comparisons are false for NaN; |x| ≤ DBL_MAX is false for ±∞ and NaN.
  if (!(theta_sigma > 0.0) || !(fabs(theta_sigma) <= largest_finite) ||
      !(fabs(theta_mu) <= largest_finite)) {
    return false;
  }
  out->mean = theta_mu;
  constexpr double sqrt_log2e_over_sqrt2 = 0.84932180028801904272;  // √(log₂ e / 2)
  out->scale = inv_sqrt2 / theta_sigma;
  out->log2_scale = sqrt_log2e_over_sqrt2 / theta_sigma;
  out->log_norm = -log(theta_sigma) - half_log_two_pi;
  return true;
}

/// ln w = ln N(μ; θ_μ, θ_σ) of one sample under a flat interim prior (ln p0 = 0).
ISMC_HD inline double log_weight(const hyper_normal& theta, double mu) {
  const double u = (mu - theta.mean) * theta.scale;
  return theta.log_norm - u * u;
}

/// ln w = ln N(μ; θ_μ, θ_σ) − ln p0(μ) of one sample.
ISMC_HD inline double log_weight(const hyper_normal& theta, double mu, double log_p0) {
  return log_weight(theta, mu) - log_p0;
}

/// The scaled weight w / e^log_norm = exp(−((μ − θ_μ)/(√2 θ_σ))²) ∈ (0, 1] of one sample
/// under a flat interim prior: the term the flat-prior sums add, with shift log_norm.
ISMC_HD inline double scaled_flat_weight(const hyper_normal& theta, double mu) {
  const double v = (mu - theta.mean) * theta.log2_scale;
  return exp2_minus(v * v);
}

/// Running sums of one object's weights in the log domain: w_n = exp(max) · e_n,
/// sum_exp = Σ e_n, sum_exp2 = Σ e_n². Empty (no weight > 0 yet): max = −∞, sums 0.
struct log_weight_accumulator {
  double max = -HUGE_VAL;
  double sum_exp = 0.0;
  double sum_exp2 = 0.0;

  /// Adds one weight by its log; ln w = −∞ (a zero weight) changes nothing.
  ISMC_HD void add(double log_w) {
    if (log_w <= max) {
      if (log_w == -HUGE_VAL) return;
      const double e = exp_minus(max - log_w);
      sum_exp += e;
      sum_exp2 += e * e;
    } else if (log_w > max) {  // a new maximum: rescale what is there (first weight: 0 · x)
      const double rescale = max == -HUGE_VAL ? 0.0 : exp_minus(log_w - max);
      sum_exp = sum_exp * rescale + 1.0;
      sum_exp2 = sum_exp2 * rescale * rescale + 1.0;
      max = log_w;
    } else {  // NaN
      max = sum_exp = sum_exp2 = log_w;
    }
  }

  /// Adds the weights that `other` holds (of disjoint samples of the same object).
  ISMC_HD void merge(const log_weight_accumulator& other) {
    if (other.max == -HUGE_VAL) return;
    if (max == -HUGE_VAL) {
      *this = other;
      return;
    }
    if (other.max > max) {
      const double rescale = exp_minus(other.max - max);
      sum_exp = sum_exp * rescale + other.sum_exp;
      sum_exp2 = sum_exp2 * rescale * rescale + other.sum_exp2;
      max = other.max;
    } else {
      const double rescale = exp_minus(max - other.max);
      sum_exp += other.sum_exp * rescale;
      sum_exp2 += other.sum_exp2 * rescale * rescale;
    }
  }

  /// ln[(1/S) Σ w] for S = `samples` draws: −∞ when every weight is 0.
  ISMC_HD double log_mean(double samples) const {
    if (max == -HUGE_VAL) return -HUGE_VAL;
    return max + log(sum_exp) - log(samples);
  }

  /// ESS = (Σ w)² / Σ w², between 1 and S; 0 when every weight is 0.
  ISMC_HD double ess() const {
    if (max == -HUGE_VAL) return 0.0;
    return sum_exp * (sum_exp / sum_exp2);
  }
};

/// σ²_i = 1/ESS_i − 1/S_i, object i's share of the variance of ln L̂; +∞ when ESS_i = 0.
ISMC_HD inline double log_likelihood_variance_term(double ess, double samples) {
  if (!(ess > 0.0)) return HUGE_VAL;
  return 1.0 / ess - 1.0 / samples;
}

}  // namespace ismc::detail

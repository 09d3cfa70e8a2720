#pragma once
/// @file t_test.hpp
/// @brief The one-sample t-test as a family (rates/family.hpp): X_1 … X_n ~ N(μ, σ²),
/// the test of μ ≤ 0 by t = √n x̄ / s.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/variates.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/t_test_exact.hpp"

namespace ismc {

/// The family `normal_unknown_variance` with `[test] kind = "t"`. User coordinates
/// θ = (μ, σ), σ > 0; the simulated sample is the sufficient pair (x̄, SS), SS = Σ (X_k − x̄)²;
/// natural coordinates η = (μ/σ², −1/(2σ²)), T(x) = (n x̄, SS + n x̄²),
/// A(η) = n (−η_0²/(4η_1) − ½ log(−2η_1)), used only for density ratios (the densities of
/// (x̄, SS) differ from the sample's by a factor free of θ). s(x) = t = √n x̄ / √(SS/(n − 1)).
struct normal_t_test {
  std::uint32_t observations = 2;  ///< n ≥ 2
  double critical = 1.96;          ///< reject when t > critical

  /// θ = (μ, σ).
  static constexpr int max_parameter_size = 2;
  /// x = (x̄, SS).
  static constexpr int max_sample_size = 2;
  /// η and T.
  static constexpr int max_natural_size = 2;
  /// The first block of the χ² variate's window (block 0 holds the normal).
  static constexpr std::uint32_t chi_square_first_block = 1;

  /// 2.
  ISMC_HD int parameter_size() const { return 2; }
  /// 2.
  ISMC_HD int sample_size() const { return 2; }
  /// 2.
  ISMC_HD int natural_size() const { return 2; }
  /// η = (μ/σ², −1/(2σ²)).
  ISMC_HD void natural_from_user(const double* theta, double* eta) const {
    const double variance = theta[1] * theta[1];
    eta[0] = theta[0] / variance;
    eta[1] = -0.5 / variance;
  }
  /// θ = (−η_0/(2η_1), √(−1/(2η_1))).
  ISMC_HD void user_from_natural(const double* eta, double* theta) const {
    const double variance = -0.5 / eta[1];
    theta[0] = eta[0] * variance;
    theta[1] = sqrt(variance);
  }
  /// x̄ = μ + σ z/√n with z the first normal of Philox block 0 of simulation `sim`, and
  /// SS = σ² χ²_{n−1} by `chi_square_variate` (core/variates.hpp) on the window of
  /// `gamma_variate_blocks` blocks from block 1: blocks 0 … 32 of simulation `sim`, the
  /// normal's and the gamma's never shared.
  ISMC_HD void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const {
    const double n = static_cast<double>(observations);
    const double z = box_muller_first(random_bits(s, sim, 0));
    const double chi_square = chi_square_variate(s, sim, chi_square_first_block, n - 1.0);
    x[0] = theta[0] + theta[1] * z / sqrt(n);
    x[1] = theta[1] * theta[1] * chi_square;
  }
  /// T(x) = (n x̄, SS + n x̄²).
  ISMC_HD void sufficient_statistic(const double* x, double* t) const {
    const double n = static_cast<double>(observations);
    t[0] = n * x[0];
    t[1] = x[1] + n * x[0] * x[0];
  }
  /// A(η) = n (−η_0²/(4η_1) − ½ log(−2η_1)).
  ISMC_HD double log_partition(const double* eta) const {
    const double n = static_cast<double>(observations);
    return n * (-eta[0] * eta[0] / (4.0 * eta[1]) - 0.5 * log(-2.0 * eta[1]));
  }
  /// The exponential-family default.
  ISMC_HD double log_density_ratio(const double* theta_m, const double* theta_j,
                                   const double* x) const {
    return exponential_family_log_density_ratio(*this, theta_m, theta_j, x);
  }
  /// t = √n x̄ / √(SS/(n − 1)).
  ISMC_HD double statistic(const double* x) const {
    const double n = static_cast<double>(observations);
    return sqrt(n) * x[0] / sqrt(x[1] / (n - 1.0));
  }
  /// t > critical.
  ISMC_HD bool rejects(const double* x) const { return statistic(x) > critical; }
  /// n for both coordinates of T: T/n = (x̄, SS/n + x̄²), the mean parameters (E X, E X²).
  ISMC_HD void observation_counts(double* n) const {
    n[0] = n[1] = static_cast<double>(observations);
  }
  /// `normal_unknown_variance/t`.
  std::string name() const { return "normal_unknown_variance/t"; }
  /// P(T_{n−1, √n μ/σ} > critical), the noncentral t tail, by `t_test_exact_rate`
  /// (rates/t_test_exact.hpp; host only).
  std::optional<double> exact_rate(const double* theta) const {
    return t_test_exact_rate(observations, theta[0], theta[1], critical);
  }
  /// The mean parameters (E X, E X²) → (μ, σ) = (m_0, √(m_1 − m_0²)); a centre of averaged
  /// points has m_1 ≥ m_0² (Jensen); should rounding make m_1 − m_0² ≤ 0, σ is the
  /// smallest positive value √(1e-300 (1 + m_0²)).
  void user_from_mean(const double* mean, double* theta) const {
    const double variance = mean[1] - mean[0] * mean[0];
    theta[0] = mean[0];
    theta[1] = std::sqrt(std::fmax(variance, 1e-300 * (1.0 + mean[0] * mean[0])));
  }
};

/// The CUDA kernels are compiled for the t-test.
template <>
struct compiled_for_device<normal_t_test> : std::true_type {};

}  // namespace ismc

#pragma once
/// @file two_stage.hpp
/// @brief A two-stage design as an ismc family (ismc/rates/family.hpp), written once for
/// the CPU and the GPU: X_k ~ N(θ, 1), n = 100 patients, an interim look after 50.
///
/// The sample is the partial sums x = (S₁, S₂) of the two stages, T(x) = S₁ + S₂ (the family
/// is N(θ, 1)ⁿ, an exponential family in η = θ with A(η) = n η²/2). With Z₁ = S₁/√50 and
/// Z = (S₁ + S₂)/10, the trial stops for futility at the interim when Z₁ < 0 and otherwise
/// rejects θ ≤ 0 when Z > critical: s(x) = Z when Z₁ ≥ 0, −∞ otherwise.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/rates/family.hpp"

/// The two-stage design of examples/custom_device_model.
struct two_stage {
  /// Reject when s(x) > critical (set from the study's `[test] critical`).
  double critical = 1.96;

  static constexpr int max_parameter_size = 1;  ///< θ, the mean of one observation
  static constexpr int max_sample_size = 2;     ///< (S₁, S₂)
  static constexpr int max_natural_size = 1;    ///< η = θ, T = S₁ + S₂
  static constexpr double stage_size = 50.0;    ///< patients per stage
  static constexpr double patients = 100.0;     ///< n

  /// 1.
  ISMC_HD int parameter_size() const { return 1; }
  /// 2.
  ISMC_HD int sample_size() const { return 2; }
  /// 1.
  ISMC_HD int natural_size() const { return 1; }
  /// η = θ.
  ISMC_HD void natural_from_user(const double* theta, double* eta) const { eta[0] = theta[0]; }
  /// θ = η.
  ISMC_HD void user_from_natural(const double* eta, double* theta) const { theta[0] = eta[0]; }
  /// S_s = 50 θ + √50 z_s with (z₁, z₂) the two normals of Philox block 0 of simulation
  /// `sim` (Box–Muller): one block per simulation, the stages never share a normal.
  ISMC_HD void simulate(const double* theta, ismc::random_stream s, std::uint64_t sim,
                        double* x) const {
    double z[2];
    ismc::standard_normals(s, sim, z, 2);
    const double root_stage = sqrt(stage_size);
    x[0] = stage_size * theta[0] + root_stage * z[0];
    x[1] = stage_size * theta[0] + root_stage * z[1];
  }
  /// T(x) = S₁ + S₂.
  ISMC_HD void sufficient_statistic(const double* x, double* t) const { t[0] = x[0] + x[1]; }
  /// A(η) = n η²/2.
  ISMC_HD double log_partition(const double* eta) const { return 0.5 * patients * eta[0] * eta[0]; }
  /// The exponential-family default: (η_m − η_j) T(x) − (A(η_m) − A(η_j)).
  ISMC_HD double log_density_ratio(const double* theta_m, const double* theta_j,
                                   const double* x) const {
    return ismc::exponential_family_log_density_ratio(*this, theta_m, theta_j, x);
  }
  /// Z = (S₁ + S₂)/10 when Z₁ = S₁/√50 ≥ 0 (the trial goes on), −∞ when it stopped.
  ISMC_HD double statistic(const double* x) const {
    return x[0] >= 0.0 ? (x[0] + x[1]) / sqrt(patients) : -HUGE_VAL;
  }
  /// Exactly statistic(x) > critical.
  ISMC_HD bool rejects(const double* x) const { return statistic(x) > critical; }
  /// n = 100 observations behind T.
  ISMC_HD void observation_counts(double* n) const { n[0] = patients; }

  /// `two_stage`.
  std::string name() const { return "two_stage"; }

  /// P(W₁ ≥ −θ√50, W > critical − 10θ) for a standard bivariate normal (W₁, W) with
  /// correlation √½, by conditioning on W₁: W = (W₁ + W₂)/√2 with W₂ independent, so the
  /// rate is ∫_a^∞ φ(u) Φ̄(√2 b − u) du, a = −θ√50, b = critical − 10θ, by composite
  /// Simpson on [max(a, −40), 40] with step 1/256 (the integrand's scale is 1): relative
  /// error far below 1e-9 wherever the rate is above 1e-300.
  std::optional<double> exact_rate(const double* theta) const {
    const double a = -theta[0] * sqrt(stage_size);
    const double b = critical - sqrt(patients) * theta[0];
    const double lower = a > -40.0 ? a : -40.0;
    const double upper = 40.0;
    if (!(lower < upper)) return 0.0;
    const auto integrand = [&](double u) {
      const double density = std::exp(-0.5 * u * u) / std::sqrt(2.0 * M_PI);
      return density * 0.5 * std::erfc((std::sqrt(2.0) * b - u) / std::sqrt(2.0));
    };
    const int intervals = 2 * static_cast<int>(std::ceil((upper - lower) * 128.0));
    const double h = (upper - lower) / intervals;
    double sum = integrand(lower) + integrand(upper);
    for (int k = 1; k < intervals; ++k) sum += (k % 2 == 1 ? 4.0 : 2.0) * integrand(lower + k * h);
    return sum * h / 3.0;
  }

  /// The proposal map: T(x)/n is the sample mean, the θ whose distribution has that mean.
  void user_from_mean(const double* mean, double* theta) const { theta[0] = mean[0]; }
};

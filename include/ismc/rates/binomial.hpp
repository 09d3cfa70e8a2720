#pragma once
/// @file binomial.hpp
/// @brief Binomial arms as a family (rates/family.hpp): y_i ~ Binomial(n_i, p_i)
/// independent, i = 0 … d − 1, 1 ≤ d ≤ 8, with user coordinates θ_i = logit p_i.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/variates.hpp"
#include "ismc/rates/binomial_exact.hpp"
#include "ismc/rates/family.hpp"

namespace ismc {

namespace binomial {

/// The most arms a study may have.
inline constexpr int max_arms = 8;
/// The most trials per arm.
inline constexpr std::uint32_t max_trials = 1000000;

/// p = 1/(1 + e^{−θ}), without overflow at either end.
ISMC_HD inline double probability(double theta) {
  return theta >= 0.0 ? 1.0 / (1.0 + exp(-theta)) : exp(theta) / (1.0 + exp(theta));
}

/// log(1 + e^η), without overflow for large η and without losing small values.
ISMC_HD inline double softplus(double eta) {
  return eta > 0.0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

}  // namespace binomial

/// The family `binomial` with `[test] kind = "count"`: s(y) = y_0 (any d), rejecting when
/// y_0 > critical. η = θ, T(y) = y, A(η) = Σ n_i log(1 + e^{η_i}); the log-density ratio
/// is the exponential-family default. Arm i reads the window of `binomial_variate_blocks`
/// Philox blocks from block 32 i of its simulation (`variate_first_block`): arms never
/// share a block. k-means clusters y_i/n_i, and a centre maps to θ_i = logit of it clamped
/// to [0.5/n_i, 1 − 0.5/n_i].
struct binomial_count_test {
  int arms = 1;                                   ///< d, in [1, binomial::max_arms]
  std::uint32_t trials[binomial::max_arms] = {};  ///< n_i, in [1, binomial::max_trials]
  double critical = 0.0;                          ///< reject when y_0 > critical

  /// θ, y, η and T have at most 8 values.
  static constexpr int max_parameter_size = binomial::max_arms;
  /// The bound on the sample's length.
  static constexpr int max_sample_size = binomial::max_arms;
  /// The bound on η's length.
  static constexpr int max_natural_size = binomial::max_arms;

  /// d.
  ISMC_HD int parameter_size() const { return arms; }
  /// d: the counts y_i.
  ISMC_HD int sample_size() const { return arms; }
  /// d.
  ISMC_HD int natural_size() const { return arms; }
  /// η = θ (the logits are the natural parameters).
  ISMC_HD void natural_from_user(const double* theta, double* eta) const {
    for (int i = 0; i < arms; ++i) eta[i] = theta[i];
  }
  /// θ = η.
  ISMC_HD void user_from_natural(const double* eta, double* theta) const {
    for (int i = 0; i < arms; ++i) theta[i] = eta[i];
  }
  /// y_i = binomial_variate(s, sim, 32 i, n_i, p_i) (core/variates.hpp): blocks
  /// 32 i … 32 i + 31 of simulation `sim` for arm i.
  ISMC_HD void simulate(const double* theta, random_stream s, std::uint64_t sim, double* y) const {
    for (int i = 0; i < arms; ++i) {
      const std::uint32_t first =
          variate_first_block(0, static_cast<std::uint32_t>(i), binomial_variate_blocks);
      y[i] = static_cast<double>(
          binomial_variate(s, sim, first, trials[i], binomial::probability(theta[i])));
    }
  }
  /// T(y) = y.
  ISMC_HD void sufficient_statistic(const double* y, double* t) const {
    for (int i = 0; i < arms; ++i) t[i] = y[i];
  }
  /// A(η) = Σ n_i log(1 + e^{η_i}).
  ISMC_HD double log_partition(const double* eta) const {
    double total = 0.0;
    for (int i = 0; i < arms; ++i)
      total += static_cast<double>(trials[i]) * binomial::softplus(eta[i]);
    return total;
  }
  /// The exponential-family default.
  ISMC_HD double log_density_ratio(const double* theta_m, const double* theta_j,
                                   const double* y) const {
    return exponential_family_log_density_ratio(*this, theta_m, theta_j, y);
  }
  /// s(y) = y_0.
  ISMC_HD double statistic(const double* y) const { return y[0]; }
  /// y_0 > critical.
  ISMC_HD bool rejects(const double* y) const { return statistic(y) > critical; }
  /// n_i per arm: the cluster points are the proportions y_i/n_i.
  ISMC_HD void observation_counts(double* n) const {
    for (int i = 0; i < arms; ++i) n[i] = static_cast<double>(trials[i]);
  }
  /// `binomial/count`.
  std::string name() const { return "binomial/count"; }
  /// P(Y_0 > critical) by `binomial_exact_rate` (rates/binomial_exact.hpp), any n.
  std::optional<double> exact_rate(const double* theta) const;
  /// θ_i = logit of the mean proportion clamped to [0.5/n_i, 1 − 0.5/n_i].
  void user_from_mean(const double* mean, double* theta) const {
    for (int i = 0; i < arms; ++i) {
      const double half = 0.5 / static_cast<double>(trials[i]);
      const double p = std::fmin(std::fmax(mean[i], half), 1.0 - half);
      theta[i] = std::log(p) - std::log1p(-p);
    }
  }
};

/// The CUDA kernels are compiled for the binomial count test.
template <>
struct compiled_for_device<binomial_count_test> : std::true_type {};

/// Binomial arms with a two-arm test against arm 0 (d ≥ 2): `difference` (s = max_{i ≥ 1}
/// of the pooled z, `difference_z`) or `posterior` (s = max_{i ≥ 1} P(p_i > p_0 | y) under
/// Beta(1, 1) priors, `posterior_superiority`; critical in (0, 1)), rates/binomial_exact.hpp.
/// The samples, T, A, the ratio and the proposal map are the count test's. The decision
/// reads the per-arm threshold tables t_i(y_0) (`arm_thresholds`, the exact rate's own
/// search): arm i rejects when y_i ≥ t_i(y_0), on the host and on the device alike (the CUDA
/// backend uploads the tables once per stage and points `thresholds` at its copy). The
/// tables live in a `binomial_pairwise_model`, which owns them.
struct binomial_pairwise_test : binomial_count_test {
  /// `difference` or `posterior`.
  binomial_statistic statistic_kind = binomial_statistic::difference;
  /// (d − 1)(n_0 + 1) entries: t_i(y_0) at (i − 1)(n_0 + 1) + y_0, host or device memory.
  const std::uint32_t* thresholds = nullptr;

  /// Entries of `thresholds`.
  ISMC_HD std::size_t table_size() const {
    return static_cast<std::size_t>(arms - 1) * (static_cast<std::size_t>(trials[0]) + 1);
  }
  /// Some arm i ≥ 1 has y_i ≥ t_i(y_0): exactly s(y) > critical (the tables' search).
  ISMC_HD bool rejects(const double* y) const {
    const std::size_t row = static_cast<std::size_t>(y[0]);
    const std::size_t stride = static_cast<std::size_t>(trials[0]) + 1;
    for (int i = 1; i < arms; ++i) {
      if (y[i] >= static_cast<double>(thresholds[static_cast<std::size_t>(i - 1) * stride + row]))
        return true;
    }
    return false;
  }
  /// s(y) = max_{i ≥ 1} s_i(y_0, y_i) (`arm_statistic`; host only), for reports: decisions
  /// use the tables.
  double statistic(const double* y) const;
  /// `binomial/difference` or `binomial/posterior`.
  std::string name() const;
  /// By `binomial_exact_rate`: conditioning on y_0.
  std::optional<double> exact_rate(const double* theta) const;
};

/// The CUDA kernels are compiled for the binomial two-arm tests.
template <>
struct compiled_for_device<binomial_pairwise_test> : std::true_type {};

namespace detail {
/// The threshold tables a binomial_pairwise_model owns (a base, so they exist before the
/// family that points at them).
struct binomial_tables {
  std::vector<std::uint32_t> tables;
};
}  // namespace detail

/// The two-arm test as a model: owns the threshold tables its family points at (not
/// copyable, so the pointer never dangles).
class binomial_pairwise_model : private detail::binomial_tables,
                                public family_model<binomial_pairwise_test> {
 public:
  /// @param statistic_kind `difference` or `posterior`
  /// @param trials n_0 … n_{d−1}, 2 to 8 arms, each in [1, 10⁶]
  /// @param critical the critical value (in (0, 1) for `posterior`)
  /// @throws usage_error naming the value otherwise
  binomial_pairwise_model(binomial_statistic statistic_kind,
                          const std::vector<std::uint32_t>& trials, double critical);
  binomial_pairwise_model(const binomial_pairwise_model&) = delete;
  binomial_pairwise_model& operator=(const binomial_pairwise_model&) = delete;

  /// The statistic value s(x) = max_{i ≥ 1} s_i(y_0, y_i) of sample `x` (the counts, as
  /// `simulate` writes them), for calibration: from the (y_0, y_i) tables of
  /// `binomial_statistic_values` while (n_0 + 1)(n_i + 1) ≤ 2²⁴, by host computation above.
  /// Decisions stay the threshold tables' (`reject`), which agree: s(x) > critical exactly
  /// when the model rejects x.
  double statistic_value(const double* x) const;

 private:
  binomial_statistic_values values_;
};

}  // namespace ismc

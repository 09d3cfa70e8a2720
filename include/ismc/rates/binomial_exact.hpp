#pragma once
/// @file binomial_exact.hpp
/// @brief Exact rejection rates of the binomial-arms tests (issue 16): binomial tails, the
/// two-arm statistics (the pooled difference z, the Beta(1, 1) posterior probability of
/// superiority), the per-arm threshold tables that decide both backends, and the exact
/// rates of `count`, `difference` and `posterior`. Host only.
///
/// Arms i = 0 … d − 1 (1 ≤ d ≤ `max_binomial_arms`), arm 0 the control; y_i ~ Binomial(n_i,
/// p_i) independent, 1 ≤ n_i ≤ `max_binomial_trials`. A test rejects when its statistic s is
/// strictly above `critical`:
///
/// - `count`: s = y_0 (any d);
/// - `difference` (d ≥ 2): s = max_{i ≥ 1} difference_z(y_0, n_0, y_i, n_i);
/// - `posterior` (d ≥ 2): s = max_{i ≥ 1} posterior_superiority(y_0, n_0, y_i, n_i).
///
/// Both per-arm statistics are nondecreasing in y_i at fixed y_0 (tests/rates/
/// binomial_exact_test.cpp checks every (y_0, y_i) up to n = 60), so arm i rejects exactly
/// when y_i ≥ t_i(y_0), the smallest y_i with s_i > critical (`arm_thresholds`).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ismc {

/// Most arms of a binomial study.
inline constexpr std::uint32_t max_binomial_arms = 8;
/// Most trials of one arm.
inline constexpr std::uint32_t max_binomial_trials = 1000000;

/// The test statistic of a binomial-arms study.
enum class binomial_statistic {
  count,       ///< s = y_0
  difference,  ///< s = max over i ≥ 1 of the pooled two-proportion z
  posterior    ///< s = max over i ≥ 1 of P(p_i > p_0 | y) under Beta(1, 1) priors
};

/// P(Y ≥ k) for Y ~ Binomial(n, p), without cancellation: 1 at k = 0, 0 at k > n, else the
/// regularised incomplete beta I_p(k, n − k + 1) (Boost.Math, relative error about 1e-14
/// even in far tails). p = 0 and p = 1 are exact.
/// @throws usage_error when p is not in [0, 1]
double binomial_upper_tail(std::uint32_t k, std::uint32_t n, double p);

/// The pooled two-proportion z of arm i against the control:
/// z = (y_i/n_i − y_0/n_0) / √(p̄(1 − p̄)(1/n_i + 1/n_0)), p̄ = (y_0 + y_i)/(n_0 + n_i);
/// z = 0 when p̄ is 0 or 1. Dimensionless; exact up to rounding (relative 1e-15).
/// @throws usage_error when n_0 or n_i is 0 or a count exceeds its trials
double difference_z(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi, std::uint32_t ni);

/// P(p_i > p_0 | y) for independent p_0 ~ Beta(y_0 + 1, n_0 − y_0 + 1) and
/// p_i ~ Beta(y_i + 1, n_i − y_i + 1), the posteriors under Beta(1, 1) priors.
///
/// Method: with X ~ Beta(a_1, b_1) (arm i) and Y ~ Beta(a_0, b_0) (control),
/// P(X > Y) = P(Z ≤ a_1 − 1), Z ~ BetaBinomial(a_1 + b_1 − 1, a_0, b_0) (X > Y exactly when
/// fewer than a_1 of the a_1 + b_1 − 1 uniforms behind X fall below Y), a finite sum of
/// positive terms; by the symmetries p ↦ 1 − p and X ↔ Y the same probability is also a
/// sum of b_0 terms, and its complement a sum of a_0 or of b_1 terms. The shortest of the
/// four is taken (the rest costs at most 1e-16 absolute as a complement). The
/// beta-binomial's pmf is log-concave (a, b ≥ 1), so its terms are summed from the
/// cumulated end's first term away from the mode (or, when that end is past the mode, the
/// other tail, and its complement taken), by their ratio recursion in long double, and the
/// sum stops when the geometric bound on the rest falls below 1e-18 of it: positive terms
/// only, no cancellation inside the sum. The first term's logarithm comes from lgamma in
/// long double. Accuracy: 1e-12 absolute up to n = 10^4 (tested against quadrature; the
/// lgamma of the first term dominates, about 1e-11 relative at n = 10^6). Cost: at most
/// min(a_0, b_0, a_1, b_1) steps, in practice about 10 standard deviations of the
/// beta-binomial (a few thousand at n = 10^6).
/// @throws usage_error when n_0 or n_i is 0 or a count exceeds its trials
double posterior_superiority(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi,
                             std::uint32_t ni);

/// The per-arm statistic s_i(y_0, y_i) of `statistic` (`difference_z` or
/// `posterior_superiority`).
/// @throws usage_error for `count` (it has no per-arm statistic), or bad counts
double arm_statistic(binomial_statistic statistic, std::uint32_t y0, std::uint32_t n0,
                     std::uint32_t yi, std::uint32_t ni);

/// The statistic values s(y) = max_{i ≥ 1} s_i(y_0, y_i) of a two-arm test (`difference` or
/// `posterior`), for what needs s(x) itself rather than a decision (calibration,
/// reports). Per arm pair, a (y_0, y_i) table of `arm_statistic` while
/// (n_0 + 1)(n_i + 1) ≤ 2²⁴ (`max_table_entries`), built on the first lookup of that arm
/// (once, thread-safe; up to 128 MiB per arm, about (n_0 + 1)(n_i + 1) evaluations), and
/// `arm_statistic` on the host above (for `posterior`, `posterior_superiority`: the smaller
/// tail summed, 1e-12 absolute). A table entry is exactly the direct value.
class binomial_statistic_values {
 public:
  /// Most entries of one arm's table: 2²⁴.
  static constexpr std::uint64_t max_table_entries = std::uint64_t{1} << 24;

  /// @param statistic `difference` or `posterior`
  /// @param trials n_0 … n_{d−1}: 2 to `max_binomial_arms` arms, each in 1 … 10⁶
  /// @throws usage_error naming the value otherwise
  binomial_statistic_values(binomial_statistic statistic, std::vector<std::uint32_t> trials);
  ~binomial_statistic_values();
  binomial_statistic_values(const binomial_statistic_values&) = delete;
  binomial_statistic_values& operator=(const binomial_statistic_values&) = delete;

  /// s(y) for counts y_0 … y_{d−1}.
  /// @throws usage_error when a count exceeds its trials
  double value(const std::uint32_t* y) const;

  /// s_i(y_0, y_i) of arm i (1 … d − 1), from its table when it has one.
  /// @throws usage_error for a bad arm or count
  double arm_value(std::size_t arm, std::uint32_t y0, std::uint32_t yi) const;

  /// Whether arm i's values come from a table ((n_0 + 1)(n_i + 1) ≤ 2²⁴).
  bool tabulated(std::size_t arm) const;

 private:
  struct arm_table;
  binomial_statistic statistic_;
  std::vector<std::uint32_t> trials_;
  std::unique_ptr<arm_table[]> tables_;  // one per arm (index 0 unused)
};

/// The threshold table of one arm: entry y_0 (0 … n_0) is the smallest y_i in 0 … n_i with
/// arm_statistic(statistic, y_0, n_0, y_i, n_i) > critical (strictly), or n_i + 1 when none,
/// so that the arm rejects exactly when y_i ≥ entry. The statistic is nondecreasing in
/// y_i and nonincreasing in y_0 (so entries are nondecreasing): each entry is found by
/// galloping from the previous one and bisecting, about (n_0 + 1) · (2 log2(g + 1) + 1)
/// evaluations for steps g ≈ n_i/n_0 between entries (n_0 = n_i = 10^4: under 4 · 10^4).
/// @throws usage_error for `count`, a non-finite critical, a posterior critical outside
///         (0, 1), or trials outside 1 … `max_binomial_trials`
std::vector<std::uint32_t> arm_thresholds(binomial_statistic statistic, double critical,
                                          std::uint32_t n0, std::uint32_t ni);

/// The exact rejection rate P(s > critical) of a binomial-arms test.
///
/// - `count`: P(Y_0 ≥ ⌊critical⌋ + 1) by `binomial_upper_tail` (1 when critical < 0), any n;
/// - `difference`, `posterior`: conditioning on y_0, the other arms are independent and arm
///   i rejects when y_i ≥ t_i(y_0) (`arm_thresholds`), so
///   rate = Σ_{y_0} P(y_0) · [1 − Π_{i ≥ 1} P(Y_i < t_i(y_0))], the bracket computed as
///   −expm1(Σ_i log1p(−q_i)), q_i = P(Y_i ≥ t_i(y_0)) (no cancellation). Cost: the tables
///   plus (n_0 + 1)(d − 1) incomplete betas.
/// Accuracy about 1e-13 relative for `count` and `difference`; `posterior` inherits the
/// tables' decisions (exact unless a statistic lies within its accuracy of `critical`).
/// @param trials n_0 … n_{d−1}; @param p p_0 … p_{d−1} in [0, 1]
/// @throws usage_error naming the field, the value and what was expected: d outside
///         1 … 8 (2 … 8 for `difference` and `posterior`), p and trials of different
///         lengths, trials outside 1 … 10^6, p outside [0, 1], a non-finite critical, a
///         posterior critical outside (0, 1)
double binomial_exact_rate(binomial_statistic statistic, double critical,
                           const std::vector<std::uint32_t>& trials, const std::vector<double>& p);

}  // namespace ismc

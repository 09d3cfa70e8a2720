#pragma once
/// @file intervals.hpp
/// @brief Confidence bounds for a rejection rate: exact binomial (Clopper–Pearson), the
/// Chernoff–Hoeffding (Kullback–Leibler) bound for bounded i.i.d. terms, and the normal
/// approximation.

#include <cstdint>

namespace ismc {

/// A closed interval [low, high].
struct interval {
  double low;
  double high;
};

/// Two-sided Clopper–Pearson interval for a binomial proportion.
/// @param rejections R, 0 ≤ R ≤ N
/// @param sims N > 0
/// @param confidence coverage in (0, 1), e.g. 0.99
/// @return [0, ·] when R = 0 and [·, 1] when R = N
interval clopper_pearson_interval(std::uint64_t rejections, std::uint64_t sims, double confidence);

/// One-sided Clopper–Pearson upper bound: the largest p with P_p(X ≤ R) ≥ 1 − confidence.
/// Equals 1 when R = N.
double clopper_pearson_upper(std::uint64_t rejections, std::uint64_t sims, double confidence);

/// Two-sided normal-approximation interval estimate ± z·se at `confidence`, clamped to [0, 1].
interval normal_interval(double estimate, double std_error, double confidence);

/// One-sided normal-approximation upper bound estimate + z·se at `confidence`, clamped to [0, 1].
double normal_upper(double estimate, double std_error, double confidence);

/// Chernoff–Hoeffding (Kullback–Leibler) one-sided upper confidence bound for the mean μ of
/// n i.i.d. variables Y_i ∈ [0, B] whose sample mean is `mean` (Hoeffding 1963, Theorem 1:
/// P(Ȳ ≤ μ − t) ≤ exp(−n·KL(μ/B − t/B ‖ μ/B)), KL the Bernoulli divergence). Returns
/// B·p, p the largest value in [Ȳ/B, 1] with n·KL(Ȳ/B ‖ p) ≤ log(1/(1 − confidence)), so
/// that P(μ > bound) ≤ 1 − confidence whatever the law of Y. With Ȳ = 0 it is
/// B·(1 − (1 − confidence)^(1/n)), never 0. docs/spec/rejection-rates.md states its use.
/// @param mean Ȳ, in [0, B] (a relative excess below 1e-9, rounding, counts as B)
/// @param n number of terms, > 0
/// @param bound B > 0, finite
/// @param confidence in (0, 1)
/// @throws usage_error naming the argument that is out of range
double hoeffding_kl_upper(double mean, std::uint64_t n, double bound, double confidence);

/// Two-sided Chernoff–Hoeffding (Kullback–Leibler) interval for the mean of n i.i.d.
/// variables in [0, B]: the one-sided bounds at (1 + confidence)/2 each (the lower one
/// applies Theorem 1 of Hoeffding 1963 to B − Y_i), so the interval covers μ with
/// probability ≥ `confidence`. Arguments as `hoeffding_kl_upper`; low is 0 when Ȳ = 0.
interval hoeffding_kl_interval(double mean, std::uint64_t n, double bound, double confidence);

}  // namespace ismc

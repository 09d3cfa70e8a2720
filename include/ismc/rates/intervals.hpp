#pragma once
/// @file intervals.hpp
/// @brief Exact binomial (Clopper–Pearson) confidence bounds for a rejection rate.

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

}  // namespace ismc

#pragma once
/// @file t_test_exact.hpp
/// @brief The exact rejection rate of the one-sample t-test (issue 16,
/// `family = "normal_unknown_variance"`, `[test] kind = "t"`). Host only.

#include <cstdint>

namespace ismc {

/// P(t > critical) for t = √n x̄ / s, the one-sample t statistic of n observations
/// X ~ N(μ, σ²) (s the sample standard deviation): t follows the noncentral t law with
/// n − 1 degrees of freedom and noncentrality δ = √n μ / σ, so the rate is
/// P(T_{n−1, δ} > critical), by Boost.Math's `non_central_t` (the central `students_t`
/// when μ = 0), as the complement. Dimensionless. Accuracy (tests/rates/
/// t_test_exact_test.cpp, against an integral over the χ² law): relative 1e-9 or better
/// at rates above 1e-9; below, at δ < 0, Boost's upper tail keeps an absolute accuracy of
/// about 1e-20 only (1.1926e-18 for 1.2008e-18 at n = 200, δ = −7.07, critical 1.7, and 0
/// for rates below about 1e-20), which is far below what a simulation can resolve.
/// @param n observations, at least 2
/// @param mu the mean μ, finite (μ ≤ 0 is the null of the test)
/// @param sigma the standard deviation σ, finite and > 0
/// @param critical the critical value, finite
/// @throws usage_error naming the field, the value and what was expected
double t_test_exact_rate(std::uint64_t n, double mu, double sigma, double critical);

}  // namespace ismc

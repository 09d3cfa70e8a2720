#pragma once
/// @file mixture_batch.hpp (private)
/// @brief The four-index stage's inner loop over the cached rejected samples of one shared
/// proposal k for one target j (src/rates/cpu_backend.cpp), written as loops the compiler
/// vectorizes: per sample r a short dot product of the target's weights with the sample's
/// precomputed terms, one exponential (`exp_polynomial_fma`) and one division.
///
/// Compiled for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the baseline, chosen at run time;
/// the file is compiled without floating-point contraction and every multiply-add is an
/// explicit fma, so every variant rounds every operation alike and the results are the same
/// bits on every machine and thread count.

#include <cstddef>
#include <cstdint>

namespace ismc::detail {

/// The direct evaluation of target j's term at the `count` cached samples of a shared
/// proposal k (the common case, where j's only unshared proposal is itself):
///
///     term[r] = 1 / (own_weight + e^(shift[r] − log_ratio_j[r]) · Σ_u weight[u] scaled[u][r]),
///
/// with shift[r] the sample's max shift, log_ratio_j[r] = ℓ_j − ℓ_k at the sample, and
/// scaled[u] (`used` rows of `count` values, the transposed shared precomputation) the
/// scaled ratios e^(ℓ_s − ℓ_k − shift) of the shared proposals s that j weighs, in order.
/// Writes −1 to term[r] where the direct form is unsafe (the exponent outside
/// [exp_polynomial_lowest, `exponent_limit`), the weighted sum or the denominator not above
/// `smallest_sum`); the caller evaluates those in log space. `scratch` holds
/// min(`count`, 512) values. Returns how many terms it marked.
std::size_t direct_mixture_terms(std::size_t count, const double* shift, const double* log_ratio_j,
                                 const double* const* scaled, const double* weight,
                                 std::size_t used, double own_weight, double exponent_limit,
                                 double smallest_sum, double* scratch, double* term);

/// Target j's term at `count` rejected samples of its own proposal (k = j, so that
/// ℓ_j − ℓ_k = 0), when it weighs only shared proposals besides itself:
///
///     term[r] = 1 / (own_weight + Σ_u weight[u] · e^(log_ratio[u][r])),
///
/// with log_ratio[u] (`used` rows of `count` values) = ℓ_s − ℓ_j at the samples for the
/// shared proposals s that j weighs, in order. A ratio below exp_polynomial_lowest adds
/// nothing (its share of the denominator is under 1e-307 · weight[u], and the denominator is
/// at least own_weight); −1 where a ratio reaches `exponent_limit` or the denominator is not
/// above `smallest_sum`: the caller evaluates those in log space. Returns how many it
/// marked.
std::size_t own_mixture_terms(std::size_t count, const double* const* log_ratio,
                              const double* weight, std::size_t used, double own_weight,
                              double exponent_limit, double smallest_sum, double* term);

/// out[r] = e^(log_ratio[r] − shift[r]) for `count` values with log_ratio ≤ shift: the
/// shared precomputation's scaled ratios; 0 where the difference is below
/// exp_polynomial_lowest (a sum of such values falls to the log-space path).
void shifted_exponentials(const double* log_ratio, const double* shift, std::size_t count,
                          double* out);

/// nearest_centre (rates/mixture_math.hpp) of `count` one-coordinate points among
/// `n_centres` ≥ 1 centres: the same distances, the same ties (to the lower index), the
/// same labels, centre by centre over all the points.
void nearest_centres_1d(const double* points, std::size_t count, const double* centres,
                        std::size_t n_centres, std::uint64_t* label);

/// Σ_r term[r] and Σ_r term[r]² over `count` values, in eight interleaved partial sums
/// added in a fixed order: the same bits whatever the machine.
void sum_and_squares(const double* term, std::size_t count, double* sum, double* sum_squares);

}  // namespace ismc::detail

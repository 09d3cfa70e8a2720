#pragma once
/// @file mixture_reference.hpp (private)
/// @brief The host reference of the mixture estimator (mixture.hpp), the spec's
/// "four-index" computation written plainly: for every target j, weight entry (j, k) and
/// simulation i of proposal k, the sample x_ik as the backends simulate it (stream
/// `streams::proposal(k)`), the test's decision, and the term p_j/q_j from
/// `mixture_term` (mixture_math.hpp), the per-sample function the CUDA kernel calls
/// (kernels/importance.cu), with ℓ_m − ℓ_j from the model's `log_density_ratio`. Nothing is
/// shared between targets or samples, so it costs |S_j|² density ratios per simulation of
/// target j: for tests, which hold the CPU backend's fast loop (cpu_backend.cpp) and the
/// seed's brute-force formula against it. Also the reduction from entry sums to estimates
/// that `estimate_mixture` applies, written once.

#include <cstdint>

#include "ismc/rates/mixture.hpp"
#include "ismc/rates/model.hpp"

namespace ismc::detail {

/// Σ_i φ(x_ik) p_j/q_j(x_ik) and Σ_i (φ p_j/q_j)² over the N simulations of proposal k, for
/// every weight entry e = (j, k) of a valid problem, into sum[e] and sum_squares[e] (the
/// contract of `backend::mixture_accumulate`), one sample at a time on this thread.
void mixture_reference_accumulate(const model& model, const mixture_problem& problem, double* sum,
                                  double* sum_squares);

/// Fills `result.estimate` and `result.variance` from its entry sums as mixture.hpp states:
/// f̂_j = Σ_k w_jk s_jk / N and V̂_j = Σ_k w_jk² s²_jk / N, s²_jk the sample variance of
/// the entry's terms (divisor N − 1, clamped at 0 against rounding).
void finish_mixture_estimate(const mixture_problem& problem, mixture_estimate& result);

/// The estimator on the host reference: validates `problem` (`usage_error`), accumulates
/// with `mixture_reference_accumulate` and finishes with `finish_mixture_estimate`.
mixture_estimate mixture_reference(const model& model, const mixture_problem& problem);

}  // namespace ismc::detail

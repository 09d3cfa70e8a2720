#pragma once
/// @file rates/mixture_math.hpp
/// @brief The per-sample math of the mixture estimator (mixture.hpp) and of the pilot,
/// written once as `ISMC_HD` functions for the CPU backend (src/rates/cpu_backend.cpp), the
/// estimator's host reference (src/rates/mixture_reference.cpp) and the CUDA kernels
/// (kernels/importance.cu): the estimator's term p_j/q_j in log space,
/// nearest-centre labelling, and the rule that keeps a pilot rejection in the k-means pool.

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"

namespace ismc::detail {

/// 1 / Σ_n exp(log_terms[n]), by the max shift: exp(−M) / Σ_n exp(log_terms[n] − M).
/// Finite and non-negative for any finite inputs; 0 only when the sum overflows.
ISMC_HD inline double inverse_sum_exp(const double* log_terms, int count) {
  double shift = log_terms[0];
  for (int n = 1; n < count; ++n) shift = log_terms[n] > shift ? log_terms[n] : shift;
  double scaled_sum = 0.0;
  for (int n = 0; n < count; ++n) scaled_sum += exp(log_terms[n] - shift);
  return exp(-shift) / scaled_sum;
}

/// `inverse_sum_exp` of the values log_term(0), …, log_term(count − 1), count ≥ 1, with
/// the same arithmetic in the same order, but without an array: `log_term` is called twice
/// per value (once for the shift, once for the sum), so it must be a pure function. For
/// device code, where a per-thread array as long as a target's support would spill.
template <class LogTerm>
ISMC_HD inline double inverse_sum_exp_of(const LogTerm& log_term, int count) {
  double shift = log_term(0);
  for (int n = 1; n < count; ++n) {
    const double value = log_term(n);
    shift = value > shift ? value : shift;
  }
  double scaled_sum = 0.0;
  for (int n = 0; n < count; ++n) scaled_sum += exp(log_term(n) - shift);
  return exp(-shift) / scaled_sum;
}

/// The estimator's term at a rejected sample x for target j (at an accepted one it is 0):
///
///     p_j(x) / q_j(x) = 1 / Σ_{m<support} w_jm exp(ℓ_m(x) − ℓ_j(x)),
///
/// from `log_weight[m]` = log w_jm over target j's support (support ≥ 1) and a pure
/// callable `log_ratio(m)` = ℓ_m(x) − ℓ_j(x), in log space with the max shift
/// (`inverse_sum_exp_of`): finite for parameters any distance apart, and at most 1/w_jj
/// (up to rounding) when θ_j is in the support.
template <class LogRatio>
ISMC_HD inline double mixture_term(const double* log_weight, int support,
                                   const LogRatio& log_ratio) {
  return inverse_sum_exp_of([&](int m) { return log_weight[m] + log_ratio(m); }, support);
}

/// The centre nearest to sample `x` (squared Euclidean distance, summed over the
/// coordinates in order; ties to the lower index) among `n_centres` ≥ 1 centres stored
/// row-major, `n_centres` × `size`. The labelling of pilot rejections that sets the
/// weights n_jc (spec, "Mixture importance sampling", step 3).
ISMC_HD inline int nearest_centre(const double* x, const double* centres, int n_centres, int size) {
  int nearest = 0;
  double nearest_distance = 0.0;
  for (int c = 0; c < n_centres; ++c) {
    const double* centre = centres + static_cast<std::size_t>(c) * static_cast<std::size_t>(size);
    double distance = 0.0;
    for (int n = 0; n < size; ++n) {
      const double delta = x[n] - centre[n];
      distance += delta * delta;
    }
    if (c == 0 || distance < nearest_distance) {
      nearest = c;
      nearest_distance = distance;
    }
  }
  return nearest;
}

/// Whether pilot rejection i joins the k-means pool when each is kept with probability
/// `keep_fraction`: a uniform from block 0 of counter i in `keep_stream` (the target's
/// `streams::subsample`) below `keep_fraction`, independent of the sample itself; every
/// rejection is kept when `keep_fraction` ≥ 1.
ISMC_HD inline bool keep_in_pool(const random_stream& keep_stream, std::uint64_t i,
                                 double keep_fraction) {
  if (!(keep_fraction < 1.0)) return true;
  const philox_block bits = random_bits(keep_stream, i, 0);
  return !(uniform_closed_open(bits.v[0], bits.v[1]) >= keep_fraction);
}

}  // namespace ismc::detail

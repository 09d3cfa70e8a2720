#pragma once
/// @file hyper_likelihood_avx512.hpp (private)
/// @brief The hyper-likelihood's sample loops written for AVX-512
/// (src/population/hyper_likelihood.cpp calls them when the CPU has AVX-512F; elsewhere the
/// portable loops run).
///
/// The portable loops evaluate 2^−t with a degree-10 polynomial over a whole binade
/// (population_math.hpp's `exp2_minus`), and that polynomial is what bounds them: on an
/// AVX-512 core the fused multiply-add pipe is the bottleneck (about 14 of its operations
/// per 8 terms). Here 2^−t = 2^⌊k/16⌋ · 2^((k mod 16)/16) · 2^f with k = round(−16t),
/// |f| ≤ 1/32: the sixteen values 2^(j/16) sit in two registers and one `vpermt2pd` picks
/// them, and 2^f needs only a degree-6 polynomial (relative error 7.8e-18 as written in
/// doubles, so the result is within about 1.5 ulp: the table's rounding, Horner's and one
/// product). For the flat interim prior the weight's exponent −u², u = (μ − θ_μ)·√log₂e/
/// (√2 θ_σ), goes into the rounding and the reduction by fused multiply-adds, so u² is
/// never rounded on its own. About 10 fused operations per 8 terms remain; measured on the
/// project's 2-core AMD EPYC machine, 1.30 against 1.72 cycles per term for the portable
/// loop (bench/results/cpu_population_numpy.json has the figures of the whole call).
///
/// Like the portable loops, for t > 1021 (|u| > 31.9 in the flat loop) these return the
/// floor 2^−1021 (2^−1017.6) instead of 2^−t; hyper_likelihood.cpp's callers rely only on the
/// floor being negligible next to the sums it joins.

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(ISMC_NO_AVX512_LOOPS) && !defined(__CUDACC__)
#define ISMC_HAVE_AVX512_LOOPS 1

#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "population/population_math.hpp"

namespace ismc::detail::avx512 {

#define ISMC_AVX512_TARGET __attribute__((target("avx512f,fma")))

// Every lane: the zero-masked forms of the intrinsics that GCC 12 otherwise warns about
// (its _mm512_undefined_* pass-through reads as "maybe uninitialized", GCC bug 105593).
inline constexpr __mmask8 all = 0xFF;

/// Whether this CPU runs AVX-512F (checked once).
inline bool available() {
  static const bool has_avx512f = __builtin_cpu_supports("avx512f") != 0;
  return has_avx512f;
}

/// 2^(j/16), j = 0 … 15, each correctly rounded (computed with 50 digits by mpmath).
alignas(64) inline constexpr double exp2_sixteenths[16] = {
    1.0,
    1.0442737824274138,
    1.0905077326652577,
    1.1387886347566916,
    1.189207115002721,
    1.241857812073484,
    1.2968395546510096,
    1.3542555469368927,
    1.4142135623730951,
    1.4768261459394993,
    1.5422108254079407,
    1.6104903319492543,
    1.681792830507429,
    1.7562521603732995,
    1.8340080864093424,
    1.9152065613971474,
};

/// Adding this to x ∈ [−2¹⁶, 0] rounds x to sixteenths (the spacing of doubles in
/// [2⁴⁸, 2⁴⁹) is 2⁻⁴) and leaves 2⁵¹ + 16·x in the low 52 bits.
inline constexpr double sixteenths_shifter = 0x1.8p48;

/// 2^x from the rounded y = shifter + x (rounded to sixteenths) and f = x − (y − shifter)
/// ∈ [−1/32, 1/32], for x ∈ [−1021, 0].
ISMC_AVX512_TARGET inline __m512d exp2_from_reduced(__m512d y, __m512d f, __m512d table_low,
                                                    __m512d table_high) {
  // Chebyshev fit of 2^f on [−1/32, 1/32], degree 6 (mpmath.chebyfit, 50 digits).
  __m512d p = _mm512_set1_pd(0.0001540375624545771);
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.001333381881538924));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.009618129106525682));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.05550410865209357));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.24022650695910086));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.6931471805599468));
  p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0));
  // k = 16x sits in the low bits of y as 2⁵¹ + k: its low 4 bits pick the table entry
  // (2^((k mod 16)/16)), and bits 4 … 15 are ⌊k/16⌋ mod 2¹², which shifted into the
  // exponent field (mod 2⁶⁴) scale the entry by 2^⌊k/16⌋ ∈ [2⁻¹⁰²¹, 1].
  const __m512i bits = _mm512_castpd_si512(y);
  const __m512d entry = _mm512_permutex2var_pd(table_low, bits, table_high);
  const __m512i scale = _mm512_maskz_slli_epi64(all, _mm512_maskz_srli_epi64(all, bits, 4), 52);
  const __m512d scaled_entry =
      _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(entry), scale));
  return _mm512_mul_pd(scaled_entry, p);
}

/// 2^−t for t ≥ 0 (or +∞), eight at a time; t > 1021 gives 2^−1021.
ISMC_AVX512_TARGET inline __m512d exp2_minus(__m512d t) {
  const __m512d table_low = _mm512_load_pd(exp2_sixteenths);
  const __m512d table_high = _mm512_load_pd(exp2_sixteenths + 8);
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  const __m512d clamped = _mm512_maskz_min_pd(all, t, _mm512_set1_pd(1021.0));
  const __m512d y = _mm512_sub_pd(shifter, clamped);
  const __m512d rounded = _mm512_sub_pd(y, shifter);  // k/16 = −t rounded, exact
  const __m512d f = _mm512_sub_pd(_mm512_sub_pd(_mm512_setzero_pd(), clamped), rounded);
  return exp2_from_reduced(y, f, table_low, table_high);
}

/// e^−y for y ≥ 0 (or +∞), eight at a time, as population_math.hpp's exp_minus.
ISMC_AVX512_TARGET inline __m512d exp_minus(__m512d y) {
  return exp2_minus(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634074)));
}

/// e = 2^−u², u = (μ − mean)·scale, for the flat interim prior: the exponent −u² goes into
/// the rounding and the reduction by fused multiply-adds, never rounded on its own.
ISMC_AVX512_TARGET inline __m512d flat_weights(__m512d samples, __m512d mean, __m512d scale,
                                               __m512d table_low, __m512d table_high) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  const __m512d u = _mm512_mul_pd(_mm512_sub_pd(samples, mean), scale);
  const __m512d a = _mm512_maskz_min_pd(all, _mm512_abs_pd(u), _mm512_set1_pd(31.9));  // a² < 1021
  const __m512d y = _mm512_fnmadd_pd(a, a, shifter);  // shifter − a², to sixteenths
  const __m512d rounded = _mm512_sub_pd(y, shifter);  // k/16 = −a² rounded, exact
  const __m512d f = _mm512_fnmsub_pd(a, a, rounded);  // −a² − k/16, one rounding
  return exp2_from_reduced(y, f, table_low, table_high);
}

/// Sums of e and e² in 16 lanes (two registers each), added in lane order at the end.
struct lane_sums {
  __m512d sum_low, sum_high, square_low, square_high;
};

ISMC_AVX512_TARGET inline lane_sums empty_lane_sums() {
  return {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
}

ISMC_AVX512_TARGET inline void add_lane_sums(const lane_sums& lanes, double* sum_exp,
                                             double* sum_exp2) {
  alignas(64) double first[16], second[16];
  _mm512_store_pd(first, lanes.sum_low);
  _mm512_store_pd(first + 8, lanes.sum_high);
  _mm512_store_pd(second, lanes.square_low);
  _mm512_store_pd(second + 8, lanes.square_high);
  for (int l = 0; l < 16; ++l) {
    *sum_exp += first[l];
    *sum_exp2 += second[l];
  }
}

/// The flat-prior sums with the bounded shift log_norm (hyper_likelihood.cpp's
/// accumulate_flat_bounded): e_n = 2^−u_n², Σ e and Σ e², 16 samples a step, the last
/// step's missing samples given e = 0.
ISMC_AVX512_TARGET inline log_weight_accumulator accumulate_flat_bounded(
    const double* mu, std::size_t count, const hyper_normal& theta) {
  const __m512d table_low = _mm512_load_pd(exp2_sixteenths);
  const __m512d table_high = _mm512_load_pd(exp2_sixteenths + 8);
  const __m512d mean = _mm512_set1_pd(theta.mean);
  const __m512d scale = _mm512_set1_pd(theta.log2_scale);
  lane_sums lanes = empty_lane_sums();

  std::size_t n = 0;
  for (; n + 16 <= count; n += 16) {
    const __m512d low = flat_weights(_mm512_loadu_pd(mu + n), mean, scale, table_low, table_high);
    const __m512d high =
        flat_weights(_mm512_loadu_pd(mu + n + 8), mean, scale, table_low, table_high);
    lanes.sum_low = _mm512_add_pd(lanes.sum_low, low);
    lanes.sum_high = _mm512_add_pd(lanes.sum_high, high);
    lanes.square_low = _mm512_fmadd_pd(low, low, lanes.square_low);
    lanes.square_high = _mm512_fmadd_pd(high, high, lanes.square_high);
  }
  if (n < count) {
    const std::size_t rest = count - n;
    const __mmask8 low_mask = static_cast<__mmask8>(rest >= 8 ? 0xFFu : (1u << rest) - 1u);
    const __mmask8 high_mask = static_cast<__mmask8>(rest <= 8 ? 0u : (1u << (rest - 8)) - 1u);
    const __m512d low =
        _mm512_maskz_mov_pd(low_mask, flat_weights(_mm512_mask_loadu_pd(mean, low_mask, mu + n),
                                                   mean, scale, table_low, table_high));
    const __m512d high = _mm512_maskz_mov_pd(
        high_mask, flat_weights(_mm512_mask_loadu_pd(mean, high_mask, mu + n + 8), mean, scale,
                                table_low, table_high));
    lanes.sum_low = _mm512_add_pd(lanes.sum_low, low);
    lanes.sum_high = _mm512_add_pd(lanes.sum_high, high);
    lanes.square_low = _mm512_fmadd_pd(low, low, lanes.square_low);
    lanes.square_high = _mm512_fmadd_pd(high, high, lanes.square_high);
  }

  log_weight_accumulator total;
  total.max = theta.log_norm;
  add_lane_sums(lanes, &total.sum_exp, &total.sum_exp2);
  return total;
}

/// Replaces values[0 … padded) (padded a multiple of 16) by e^−(shift − value): the scaled
/// weights of a block under its exact shift.
ISMC_AVX512_TARGET inline void scale_block(double* values, std::size_t padded, double shift) {
  const __m512d top = _mm512_set1_pd(shift);
  for (std::size_t n = 0; n < padded; n += 8) {
    const __m512d log_w = _mm512_loadu_pd(values + n);
    _mm512_storeu_pd(values + n, exp_minus(_mm512_sub_pd(top, log_w)));
  }
}

#undef ISMC_AVX512_TARGET

}  // namespace ismc::detail::avx512

#endif

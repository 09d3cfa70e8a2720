#pragma once
/// @file hyper_likelihood_avx512.hpp (private)
/// @brief The hyper-likelihood's sample loops written for AVX-512
/// (src/population/hyper_likelihood.cpp calls them when the CPU has AVX-512F and DQ; elsewhere the
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
/// never rounded on its own. Per 8 flat-prior terms 18 vector operations remain, all on
/// the two 512-bit pipes (ports 0 and 5): 2 for u, one `vrangepd` for min(|u|, 31.9), 3 for
/// the reduction, 6 for the polynomial, 4 to rebuild 2^−t (one permute, one shift and one
/// integer add, the table's entries holding their index subtracted, and one product) and
/// 2 for Σe and Σe²: about 1.13 cycles per term at best. The flat loop puts eight θ in the
/// lanes and broadcasts each sample (no lane lost to a short object's tail, no sum across
/// lanes: objects of 100 samples run as fast as long ones), four samples interleaved stage
/// by stage so that the ~50-cycle chain of one hides behind the others.
/// The `mixed` accuracy (the opt-in mixed-precision mode) takes a degree-3 polynomial
/// instead: 15 operations per 8 terms, each term within 1.2e-9 relative.
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

#define ISMC_AVX512_TARGET __attribute__((target("avx512f,avx512dq,fma")))

// The stage loops over a few registers below must be unrolled for the registers to stay in
// registers (GCC at -O2 would otherwise keep the arrays in memory, about 3× slower).
#if defined(__clang__)
#define ISMC_UNROLL _Pragma("unroll")
#else
#define ISMC_UNROLL _Pragma("GCC unroll 8")
#endif

// Every lane: the zero-masked forms of the intrinsics that GCC 12 otherwise warns about
// (its _mm512_undefined_* pass-through reads as "maybe uninitialized", GCC bug 105593).
inline constexpr __mmask8 all = 0xFF;

/// Whether this CPU runs these loops: AVX-512F and DQ (`vrangepd`), checked once.
inline bool available() {
  static const bool has_avx512 =
      __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
  return has_avx512;
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

/// How exactly 2^f, |f| ≤ 1/32, is evaluated: `full` to double precision (degree 6,
/// relative error 7.8e-18 as written in doubles), `mixed` to better than single precision
/// (degree 3, relative error 1.17e-9: the mixed-precision mode of the hyper-likelihood,
/// docs/performance.md derives what it does to ln L̂).
enum class exp2_accuracy { full, mixed };

/// Relative error bound of one term of the `mixed` loops: the degree-3 fit (1.167e-9 as its
/// coefficients are rounded to doubles, checked on a fine grid with mpmath) and the
/// double roundings of the table, Horner's scheme and one product (< 1e-15).
inline constexpr double mixed_term_relative_error = 1.2e-9;

/// The table 2^(j/16) as the loops use it: entry j's bits less j·2⁴⁸, so that adding the
/// reduced argument's low 16 bits shifted up by 48 (the index j in bits 48 … 51, ⌊k/16⌋ in
/// the exponent field) restores the mantissa and scales by 2^⌊k/16⌋ in one integer add.
struct exp2_table {
  __m512d low, high;
};

ISMC_AVX512_TARGET inline exp2_table load_exp2_table() {
  const __m512i index_low = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i index_high = _mm512_set_epi64(15, 14, 13, 12, 11, 10, 9, 8);
  const __m512i low = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_load_pd(exp2_sixteenths)),
                                       _mm512_slli_epi64(index_low, 48));
  const __m512i high = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_load_pd(exp2_sixteenths + 8)),
                                        _mm512_slli_epi64(index_high, 48));
  return {_mm512_castsi512_pd(low), _mm512_castsi512_pd(high)};
}

/// 2^f for |f| ≤ 1/32 by a Chebyshev fit (mpmath.chebyfit, 50 digits) of the given accuracy.
template <exp2_accuracy accuracy>
ISMC_AVX512_TARGET inline __m512d exp2_small(__m512d f) {
  if constexpr (accuracy == exp2_accuracy::full) {
    __m512d p = _mm512_set1_pd(0.0001540375624545771);
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.001333381881538924));
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.009618129106525682));
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.05550410865209357));
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.24022650695910086));
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.6931471805599468));
    return _mm512_fmadd_pd(p, f, _mm512_set1_pd(1.0));
  } else {
    __m512d p = _mm512_set1_pd(0.05550541078283726);
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.24023589979184537));
    p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.6931471804009951));
    return _mm512_fmadd_pd(p, f, _mm512_set1_pd(0.9999999988534117));
  }
}

/// p · 2^(y − shifter) for the rounded y = shifter + x (x ∈ [−1021, 0] rounded to
/// sixteenths): the table's entry times the power of two, p being 2^f for the rest f.
ISMC_AVX512_TARGET __attribute__((always_inline)) inline __m512d times_exp2_rounded(
    __m512d y, __m512d p, const exp2_table& table) {
  // k = 16x sits in the low bits of y as 2⁵¹ + k: its low 4 bits pick the table entry
  // (2^((k mod 16)/16)), and its low 16 bits shifted up by 48 are (k mod 16)·2⁴⁸, which
  // the table's entries have subtracted, plus ⌊k/16⌋ mod 2¹² in the exponent field (mod
  // 2⁶⁴), which scales the entry by 2^⌊k/16⌋ ∈ [2⁻¹⁰²¹, 1].
  const __m512i bits = _mm512_castpd_si512(y);
  const __m512d entry = _mm512_permutex2var_pd(table.low, bits, table.high);
  const __m512i scale = _mm512_maskz_slli_epi64(all, bits, 48);
  const __m512d scaled_entry =
      _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(entry), scale));
  return _mm512_mul_pd(scaled_entry, p);
}

/// 2^x from the rounded y = shifter + x (rounded to sixteenths) and f = x − (y − shifter)
/// ∈ [−1/32, 1/32], for x ∈ [−1021, 0].
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline __m512d exp2_from_reduced(__m512d y, __m512d f, const exp2_table& table) {
  return times_exp2_rounded(y, exp2_small<accuracy>(f), table);
}

/// 2^−t for t ≥ 0 (or +∞), eight at a time; t > 1021 gives 2^−1021.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline __m512d exp2_minus(__m512d t, const exp2_table& table) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  const __m512d clamped = _mm512_maskz_min_pd(all, t, _mm512_set1_pd(1021.0));
  const __m512d y = _mm512_sub_pd(shifter, clamped);
  const __m512d rounded = _mm512_sub_pd(y, shifter);  // k/16 = −t rounded, exact
  // f = −t − k/16 = −(t + k/16), exact (t and −k/16 differ by at most 1/32).
  const __m512d f = _mm512_fnmsub_pd(clamped, _mm512_set1_pd(1.0), rounded);
  return exp2_from_reduced<accuracy>(y, f, table);
}

ISMC_AVX512_TARGET inline __m512d exp2_minus(__m512d t) { return exp2_minus(t, load_exp2_table()); }

/// e^−y for y ≥ 0 (or +∞), eight at a time, as population_math.hpp's exp_minus.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline __m512d exp_minus(__m512d y, const exp2_table& table) {
  return exp2_minus<accuracy>(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634074)), table);
}

ISMC_AVX512_TARGET inline __m512d exp_minus(__m512d y) { return exp_minus(y, load_exp2_table()); }

/// e = 2^−u², u = (μ − mean)·scale, for the flat interim prior: the exponent −u² goes into
/// the rounding and the reduction by fused multiply-adds, never rounded on its own.
/// (`vrangepd` takes min(|u|, 31.9) in one operation: a² < 1021.)
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline __m512d flat_weights(__m512d samples, __m512d mean, __m512d scale,
                                               const exp2_table& table) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  const __m512d u = _mm512_mul_pd(_mm512_sub_pd(samples, mean), scale);
  const __m512d a =
      _mm512_maskz_range_pd(all, u, _mm512_set1_pd(31.9), 0x0A);  // |·| min, sign cleared
  const __m512d y = _mm512_fnmadd_pd(a, a, shifter);              // shifter − a², to sixteenths
  const __m512d rounded = _mm512_sub_pd(y, shifter);              // k/16 = −a² rounded, exact
  const __m512d f = _mm512_fnmsub_pd(a, a, rounded);              // −a² − k/16, one rounding
  return exp2_from_reduced<accuracy>(y, f, table);
}

/// The end of a lanes' step: e = p · 2^(y − shifter) added to `sum`, e² to `square`.
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void add_term(__m512d y, __m512d p,
                                                                       const exp2_table& table,
                                                                       __m512d* sum,
                                                                       __m512d* square) {
  const __m512d e = times_exp2_rounded(y, p, table);
  *sum = _mm512_add_pd(*sum, e);
  *square = _mm512_fmadd_pd(e, e, *square);
}

/// One step of accumulate_flat_bounded_eight: `phases` samples x[0 …) broadcast, their
/// weights added to sum[r] and square[r], r < phases (written stage by stage, so that the
/// phases' independent chains overlap).
template <exp2_accuracy accuracy, int phases>
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void flat_lanes_step(
    const double* x, __m512d mean, __m512d scale, const exp2_table& table, __m512d* sum,
    __m512d* square) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  __m512d a[phases], y[phases], f[phases], p[phases];
  ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] = _mm512_sub_pd(_mm512_set1_pd(x[r]), mean);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] = _mm512_mul_pd(a[r], scale);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] =
      _mm512_maskz_range_pd(all, a[r], _mm512_set1_pd(31.9), 0x0A);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) y[r] = _mm512_fnmadd_pd(a[r], a[r], shifter);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = _mm512_sub_pd(y[r], shifter);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = _mm512_fnmsub_pd(a[r], a[r], f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) p[r] = exp2_small<accuracy>(f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) add_term(y[r], p[r], table, &sum[r], &square[r]);
}

/// The flat-prior sums of one object under eight θ at once, θ in the lanes: e_{n,l} =
/// 2^−u², u = (μ_n − mean_l)·scale_l, sums[l] = Σ_n e_{n,l} and squares[l] = Σ_n e_{n,l}²
/// (shift log_norm_l, as hyper_likelihood.cpp's accumulate_flat_bounded). Each sample is broadcast
/// to the lanes, so no lane is wasted on a short object's tail and no sum is added across lanes:
/// per lane the samples are added in four interleaved phases (n mod 4, the rest to phase 0), the
/// phases added as (0 + 1) + (2 + 3), an order that depends on nothing but the sample count, so a θ
/// gets the same sums in any lane, batch or thread.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline void accumulate_flat_bounded_eight(const double* mu, std::size_t count,
                                                             const double* means,
                                                             const double* scales, double* sums,
                                                             double* squares) {
  constexpr int R = 4;
  const exp2_table table = load_exp2_table();
  const __m512d mean = _mm512_loadu_pd(means);
  const __m512d scale = _mm512_loadu_pd(scales);
  __m512d sum[R], square[R];
  for (int r = 0; r < R; ++r) sum[r] = square[r] = _mm512_setzero_pd();
  std::size_t n = 0;
  for (; n + R <= count; n += R) {
    flat_lanes_step<accuracy, R>(mu + n, mean, scale, table, sum, square);
  }
  for (; n < count; ++n) flat_lanes_step<accuracy, 1>(mu + n, mean, scale, table, sum, square);
  _mm512_storeu_pd(sums,
                   _mm512_add_pd(_mm512_add_pd(sum[0], sum[1]), _mm512_add_pd(sum[2], sum[3])));
  _mm512_storeu_pd(squares, _mm512_add_pd(_mm512_add_pd(square[0], square[1]),
                                          _mm512_add_pd(square[2], square[3])));
}

/// One step of accumulate_bounded_eight: as flat_lanes_step with the exponent u² + d_n,
/// d_n = excess[n] ≥ 0 the sample's share of the interim prior (clamped at 1021 as a whole).
template <exp2_accuracy accuracy, int phases>
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void lanes_step_with_excess(
    const double* x, const double* excess, __m512d mean, __m512d scale, const exp2_table& table,
    __m512d* sum, __m512d* square) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  __m512d t[phases], y[phases], f[phases], p[phases];
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] = _mm512_sub_pd(_mm512_set1_pd(x[r]), mean);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] = _mm512_mul_pd(t[r], scale);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] =
      _mm512_fmadd_pd(t[r], t[r], _mm512_set1_pd(excess[r]));
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] =
      _mm512_maskz_min_pd(all, t[r], _mm512_set1_pd(1021.0));
  ISMC_UNROLL for (int r = 0; r < phases; ++r) y[r] = _mm512_sub_pd(shifter, t[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = _mm512_sub_pd(y[r], shifter);
  // f = −t − k/16 = −(t + k/16), exact.
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] =
      _mm512_fnmsub_pd(t[r], _mm512_set1_pd(1.0), f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) p[r] = exp2_small<accuracy>(f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) add_term(y[r], p[r], table, &sum[r], &square[r]);
}

/// accumulate_flat_bounded_eight for any interim prior: e_{n,l} = 2^−(u² + excess[n]), where
/// excess[n] = (ln p0_n − min ln p0)·log₂e ≥ 0, so that the shift log_norm_l − min ln p0
/// bounds every ln w and e ∈ (0, 1]. The same order of additions.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline void accumulate_bounded_eight(const double* mu, const double* excess,
                                                        std::size_t count, const double* means,
                                                        const double* scales, double* sums,
                                                        double* squares) {
  constexpr int R = 4;
  const exp2_table table = load_exp2_table();
  const __m512d mean = _mm512_loadu_pd(means);
  const __m512d scale = _mm512_loadu_pd(scales);
  __m512d sum[R], square[R];
  for (int r = 0; r < R; ++r) sum[r] = square[r] = _mm512_setzero_pd();
  std::size_t n = 0;
  for (; n + R <= count; n += R) {
    lanes_step_with_excess<accuracy, R>(mu + n, excess + n, mean, scale, table, sum, square);
  }
  for (; n < count; ++n) {
    lanes_step_with_excess<accuracy, 1>(mu + n, excess + n, mean, scale, table, sum, square);
  }
  _mm512_storeu_pd(sums,
                   _mm512_add_pd(_mm512_add_pd(sum[0], sum[1]), _mm512_add_pd(sum[2], sum[3])));
  _mm512_storeu_pd(squares, _mm512_add_pd(_mm512_add_pd(square[0], square[1]),
                                          _mm512_add_pd(square[2], square[3])));
}

/// Replaces values[0 … padded) (padded a multiple of 16) by e^−(shift − value): the scaled
/// weights of a block under its exact shift.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline void scale_block(double* values, std::size_t padded, double shift) {
  const exp2_table table = load_exp2_table();
  const __m512d top = _mm512_set1_pd(shift);
  for (std::size_t n = 0; n < padded; n += 8) {
    const __m512d log_w = _mm512_loadu_pd(values + n);
    _mm512_storeu_pd(values + n, exp_minus<accuracy>(_mm512_sub_pd(top, log_w), table));
  }
}

#undef ISMC_AVX512_TARGET
#undef ISMC_UNROLL

}  // namespace ismc::detail::avx512

#endif

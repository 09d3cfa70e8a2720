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
/// never rounded on its own. Per 8 flat-prior terms 16 vector operations remain, all on
/// the two 512-bit pipes (ports 0 and 5): 2 for u, 3 for the reduction, 6 for the
/// polynomial, 3 to rebuild 2^−t (one permute, one product, and one `vscalefpd` that
/// multiplies by 2^⌊k/16⌋) and 2 for Σe and Σe²: one cycle per term at best. The clamp
/// min(|u|, 31.9) that keeps k in the table's range (one `vrangepd`, a 17th operation) runs
/// only for the objects whose range of samples reaches it in some lane; elsewhere it would
/// change nothing and is left out. The flat loop puts eight θ in the lanes and broadcasts
/// each sample (no lane lost to a short object's tail, no sum across lanes: objects of 100
/// samples run as fast as long ones), four samples interleaved stage by stage so that the
/// ~50-cycle chain of one hides behind the others. With an interim prior one fused
/// multiply-add more (the prior's share of the exponent) and the clamp, min(·, 1021), is
/// likewise left out where it changes nothing: 17 operations.
/// The `mixed` accuracy (the opt-in mixed-precision mode) takes a degree-3 polynomial
/// instead: 13 operations per 8 flat terms, each term within 1.2e-9 relative.
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

/// The table 2^(j/16), j = 0 … 15, in two registers: one `vpermt2pd` indexed by the low 4
/// bits of the rounded argument picks an entry.
struct exp2_table {
  __m512d low, high;
};

ISMC_AVX512_TARGET inline exp2_table load_exp2_table() {
  return {_mm512_load_pd(exp2_sixteenths), _mm512_load_pd(exp2_sixteenths + 8)};
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
/// sixteenths) and `rounded` = y − shifter = x (exact): the table's entry times p, scaled by
/// 2^⌊x⌋. k = 16x sits in the low bits of y as 2⁵¹ + k, so its low 4 bits pick the entry
/// 2^((k mod 16)/16), and `vscalefpd` multiplies by 2^⌊rounded⌋ = 2^⌊k/16⌋ exactly (the
/// result is a normal double, ≥ 2^−1021 · 2^f): the same bits as scaling the entry first.
ISMC_AVX512_TARGET __attribute__((always_inline)) inline __m512d times_exp2_rounded(
    __m512d y, __m512d rounded, __m512d p, const exp2_table& table) {
  const __m512d entry = _mm512_permutex2var_pd(table.low, _mm512_castpd_si512(y), table.high);
  return _mm512_maskz_scalef_pd(all, _mm512_mul_pd(entry, p), rounded);
}

/// 2^x from the rounded y = shifter + x (rounded to sixteenths), `rounded` = y − shifter and
/// f = x − rounded ∈ [−1/32, 1/32], for x ∈ [−1021, 0].
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline __m512d exp2_from_reduced(__m512d y, __m512d rounded, __m512d f,
                                                    const exp2_table& table) {
  return times_exp2_rounded(y, rounded, exp2_small<accuracy>(f), table);
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
  return exp2_from_reduced<accuracy>(y, rounded, f, table);
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
  return exp2_from_reduced<accuracy>(y, rounded, f, table);
}

/// The end of a lanes' step: e = p · 2^rounded (the table's entry picked by y) added to
/// `sum`, e² to `square`.
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void add_term(
    __m512d y, __m512d rounded, __m512d p, const exp2_table& table, __m512d* sum, __m512d* square) {
  const __m512d e = times_exp2_rounded(y, rounded, p, table);
  *sum = _mm512_add_pd(*sum, e);
  *square = _mm512_fmadd_pd(e, e, *square);
}

/// The smallest and the largest of an object's samples (or of its ln p0).
struct value_range {
  double lowest;
  double highest;
};

/// The range of values[0 … count) (finite values; none: +∞ and −∞). Four pairs of running
/// extremes, so that the pass runs at the speed of its loads rather than of a chain of
/// dependent min/max operations.
ISMC_AVX512_TARGET inline value_range range_of(const double* values, std::size_t count) {
  constexpr int R = 4;
  __m512d lowest[R], highest[R];
  for (int r = 0; r < R; ++r) {
    lowest[r] = _mm512_set1_pd(__builtin_inf());
    highest[r] = _mm512_set1_pd(-__builtin_inf());
  }
  std::size_t n = 0;
  for (; n + 8 * R <= count; n += 8 * R) {
    ISMC_UNROLL for (int r = 0; r < R; ++r) {
      const __m512d next = _mm512_loadu_pd(values + n + 8 * r);
      lowest[r] = _mm512_maskz_min_pd(all, lowest[r], next);
      highest[r] = _mm512_maskz_max_pd(all, highest[r], next);
    }
  }
  for (; n < count; n += 8) {
    const auto lanes = static_cast<__mmask8>(count - n >= 8 ? 0xFFu : (1u << (count - n)) - 1u);
    const __m512d next = _mm512_maskz_loadu_pd(lanes, values + n);
    lowest[0] = _mm512_mask_min_pd(lowest[0], lanes, lowest[0], next);
    highest[0] = _mm512_mask_max_pd(highest[0], lanes, highest[0], next);
  }
  for (int r = 1; r < R; ++r) {
    lowest[0] = _mm512_maskz_min_pd(all, lowest[0], lowest[r]);
    highest[0] = _mm512_maskz_max_pd(all, highest[0], highest[r]);
  }
  alignas(64) double low[8], high[8];
  _mm512_store_pd(low, lowest[0]);
  _mm512_store_pd(high, highest[0]);
  value_range range{low[0], high[0]};
  for (int l = 1; l < 8; ++l) {
    range.lowest = low[l] < range.lowest ? low[l] : range.lowest;
    range.highest = high[l] > range.highest ? high[l] : range.highest;
  }
  return range;
}

/// The loops below clamp |u| (the flat loop) or u² + d (the interim prior's) so that the
/// rounded exponent stays in the table's range [−1021, 0]: one operation per 8 terms.
/// Where an object's range shows that no sample reaches the clamp in any lane, the loops
/// run without it and give the same bits. Rounding is monotonic, so u = (μ − mean)·scale,
/// rounded as the loops round it, lies for every μ of the range between its values at the
/// range's two ends: these are |u| at both ends, per lane.
struct lane_offsets {
  __m512d at_lowest;
  __m512d at_highest;
};

ISMC_AVX512_TARGET inline lane_offsets offsets_at_ends(value_range samples, __m512d mean,
                                                       __m512d scale) {
  return {
      _mm512_abs_pd(_mm512_mul_pd(_mm512_sub_pd(_mm512_set1_pd(samples.lowest), mean), scale)),
      _mm512_abs_pd(_mm512_mul_pd(_mm512_sub_pd(_mm512_set1_pd(samples.highest), mean), scale))};
}

/// The flat loop's clamp of |u| (a² = 31.9² ≈ 1017.6 < 1021).
inline constexpr double largest_flat_offset = 31.9;

/// Whether the flat loop's clamp min(|u|, 31.9) changes no sample of `samples` in any lane
/// (false where an end gives NaN).
ISMC_AVX512_TARGET inline bool flat_clamp_unneeded(value_range samples, __m512d mean,
                                                   __m512d scale) {
  const lane_offsets ends = offsets_at_ends(samples, mean, scale);
  const __m512d limit = _mm512_set1_pd(largest_flat_offset);
  return (_mm512_cmp_pd_mask(ends.at_lowest, limit, _CMP_LE_OQ) &
          _mm512_cmp_pd_mask(ends.at_highest, limit, _CMP_LE_OQ)) == all;
}

/// Whether the interim prior loop's clamp min(u² + d, 1021) changes no sample in any lane,
/// d ≤ largest_excess (u² + d is rounded by one fused multiply-add, monotonic in |u| and d).
ISMC_AVX512_TARGET inline bool clamp_with_excess_unneeded(value_range samples,
                                                          double largest_excess, __m512d mean,
                                                          __m512d scale) {
  const lane_offsets ends = offsets_at_ends(samples, mean, scale);
  const __m512d excess = _mm512_set1_pd(largest_excess), limit = _mm512_set1_pd(1021.0);
  const __m512d at_lowest = _mm512_fmadd_pd(ends.at_lowest, ends.at_lowest, excess);
  const __m512d at_highest = _mm512_fmadd_pd(ends.at_highest, ends.at_highest, excess);
  return (_mm512_cmp_pd_mask(at_lowest, limit, _CMP_LE_OQ) &
          _mm512_cmp_pd_mask(at_highest, limit, _CMP_LE_OQ)) == all;
}

/// One step of the flat lanes' loop: `phases` samples x[0 …) broadcast, their weights added
/// to sum[r] and square[r], r < phases (written stage by stage, so that the phases'
/// independent chains overlap); `clamped`: with min(|u|, 31.9).
template <exp2_accuracy accuracy, bool clamped, int phases>
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void flat_lanes_step(
    const double* x, __m512d mean, __m512d scale, const exp2_table& table, __m512d* sum,
    __m512d* square) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  __m512d a[phases], y[phases], rounded[phases], f[phases];
  ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] = _mm512_sub_pd(_mm512_set1_pd(x[r]), mean);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] = _mm512_mul_pd(a[r], scale);
  if constexpr (clamped) {
    ISMC_UNROLL for (int r = 0; r < phases; ++r) a[r] =
        _mm512_maskz_range_pd(all, a[r], _mm512_set1_pd(largest_flat_offset), 0x0A);
  }
  ISMC_UNROLL for (int r = 0; r < phases; ++r) y[r] = _mm512_fnmadd_pd(a[r], a[r], shifter);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) rounded[r] = _mm512_sub_pd(y[r], shifter);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = _mm512_fnmsub_pd(a[r], a[r], rounded[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = exp2_small<accuracy>(f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r)
      add_term(y[r], rounded[r], f[r], table, &sum[r], &square[r]);
}

/// The four phases of a lanes' loop added as (0 + 1) + (2 + 3), into sums and squares.
ISMC_AVX512_TARGET inline void store_phases(const __m512d* sum, const __m512d* square, double* sums,
                                            double* squares) {
  _mm512_storeu_pd(sums,
                   _mm512_add_pd(_mm512_add_pd(sum[0], sum[1]), _mm512_add_pd(sum[2], sum[3])));
  _mm512_storeu_pd(squares, _mm512_add_pd(_mm512_add_pd(square[0], square[1]),
                                          _mm512_add_pd(square[2], square[3])));
}

template <exp2_accuracy accuracy, bool clamped>
ISMC_AVX512_TARGET inline void flat_lanes_loop(const double* mu, std::size_t count, __m512d mean,
                                               __m512d scale, double* sums, double* squares) {
  constexpr int R = 4;
  const exp2_table table = load_exp2_table();
  __m512d sum[R], square[R];
  for (int r = 0; r < R; ++r) sum[r] = square[r] = _mm512_setzero_pd();
  std::size_t n = 0;
  for (; n + R <= count; n += R) {
    flat_lanes_step<accuracy, clamped, R>(mu + n, mean, scale, table, sum, square);
  }
  for (; n < count; ++n) {
    flat_lanes_step<accuracy, clamped, 1>(mu + n, mean, scale, table, sum, square);
  }
  store_phases(sum, square, sums, squares);
}

/// The flat-prior sums of one object under eight θ at once, θ in the lanes: e_{n,l} =
/// 2^−u², u = (μ_n − mean_l)·scale_l, sums[l] = Σ_n e_{n,l} and squares[l] = Σ_n e_{n,l}²
/// (shift log_norm_l, as hyper_likelihood.cpp's accumulate_flat_bounded). `samples` holds
/// the range of mu[0 … count) (a wider one only costs the clamp). Each sample is broadcast
/// to the lanes, so no lane is wasted on a short object's tail and no sum is added across
/// lanes: per lane the samples are added in four interleaved phases (n mod 4, the rest to
/// phase 0), the phases added as (0 + 1) + (2 + 3), an order that depends on nothing but
/// the sample count, so a θ gets the same sums in any lane, batch or thread (with or
/// without the clamp: the same bits).
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline void accumulate_flat_bounded_eight(const double* mu, std::size_t count,
                                                             value_range samples,
                                                             const double* means,
                                                             const double* scales, double* sums,
                                                             double* squares) {
  const __m512d mean = _mm512_loadu_pd(means);
  const __m512d scale = _mm512_loadu_pd(scales);
  if (flat_clamp_unneeded(samples, mean, scale)) {
    flat_lanes_loop<accuracy, false>(mu, count, mean, scale, sums, squares);
  } else {
    flat_lanes_loop<accuracy, true>(mu, count, mean, scale, sums, squares);
  }
}

/// One step of the interim prior's lanes' loop: as flat_lanes_step with the exponent
/// u² + d_n, d_n = excess[n] ≥ 0 the sample's share of the interim prior (`clamped`: at
/// 1021 as a whole).
template <exp2_accuracy accuracy, bool clamped, int phases>
ISMC_AVX512_TARGET __attribute__((always_inline)) inline void lanes_step_with_excess(
    const double* x, const double* excess, __m512d mean, __m512d scale, const exp2_table& table,
    __m512d* sum, __m512d* square) {
  const __m512d shifter = _mm512_set1_pd(sixteenths_shifter);
  __m512d t[phases], y[phases], rounded[phases], f[phases];
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] = _mm512_sub_pd(_mm512_set1_pd(x[r]), mean);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] = _mm512_mul_pd(t[r], scale);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] =
      _mm512_fmadd_pd(t[r], t[r], _mm512_set1_pd(excess[r]));
  if constexpr (clamped) {
    ISMC_UNROLL for (int r = 0; r < phases; ++r) t[r] =
        _mm512_maskz_min_pd(all, t[r], _mm512_set1_pd(1021.0));
  }
  ISMC_UNROLL for (int r = 0; r < phases; ++r) y[r] = _mm512_sub_pd(shifter, t[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) rounded[r] = _mm512_sub_pd(y[r], shifter);
  // f = −t − k/16 = −(t + k/16), exact.
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] =
      _mm512_fnmsub_pd(t[r], _mm512_set1_pd(1.0), rounded[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r) f[r] = exp2_small<accuracy>(f[r]);
  ISMC_UNROLL for (int r = 0; r < phases; ++r)
      add_term(y[r], rounded[r], f[r], table, &sum[r], &square[r]);
}

template <exp2_accuracy accuracy, bool clamped>
ISMC_AVX512_TARGET inline void lanes_loop_with_excess(const double* mu, const double* excess,
                                                      std::size_t count, __m512d mean,
                                                      __m512d scale, double* sums,
                                                      double* squares) {
  constexpr int R = 4;
  const exp2_table table = load_exp2_table();
  __m512d sum[R], square[R];
  for (int r = 0; r < R; ++r) sum[r] = square[r] = _mm512_setzero_pd();
  std::size_t n = 0;
  for (; n + R <= count; n += R) {
    lanes_step_with_excess<accuracy, clamped, R>(mu + n, excess + n, mean, scale, table, sum,
                                                 square);
  }
  for (; n < count; ++n) {
    lanes_step_with_excess<accuracy, clamped, 1>(mu + n, excess + n, mean, scale, table, sum,
                                                 square);
  }
  store_phases(sum, square, sums, squares);
}

/// accumulate_flat_bounded_eight for any interim prior: e_{n,l} = 2^−(u² + excess[n]), where
/// excess[n] = (ln p0_n − min ln p0)·log₂e ≥ 0, so that the shift log_norm_l − min ln p0
/// bounds every ln w and e ∈ (0, 1]. `samples` holds the range of mu[0 … count) and
/// `largest_excess` ≥ every excess[n]. The same order of additions.
template <exp2_accuracy accuracy = exp2_accuracy::full>
ISMC_AVX512_TARGET inline void accumulate_bounded_eight(const double* mu, const double* excess,
                                                        std::size_t count, value_range samples,
                                                        double largest_excess, const double* means,
                                                        const double* scales, double* sums,
                                                        double* squares) {
  const __m512d mean = _mm512_loadu_pd(means);
  const __m512d scale = _mm512_loadu_pd(scales);
  if (clamp_with_excess_unneeded(samples, largest_excess, mean, scale)) {
    lanes_loop_with_excess<accuracy, false>(mu, excess, count, mean, scale, sums, squares);
  } else {
    lanes_loop_with_excess<accuracy, true>(mu, excess, count, mean, scale, sums, squares);
  }
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

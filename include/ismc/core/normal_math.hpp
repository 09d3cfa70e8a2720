#pragma once
/// @file normal_math.hpp
/// @brief The arithmetic of Box–Muller (core/rng.hpp), written so that it rounds alike on
/// the host and the device: a polynomial log(u) and cos/sin(2πv) of our own.
///
/// libm's log, cos and sin differ between glibc and CUDA in the last bits, so normals
/// drawn through them differ between the CPU and the GPU. These functions use only
/// operations that are correctly rounded on both (+, −, ×, /, sqrt and fused multiply-add)
/// in a fixed order: every multiply-add is an explicit `fma_rn`, and every other product
/// and sum goes through `mul_rn`/`add_rn`/`sub_rn`, which on the device are `__dmul_rn`,
/// `__dadd_rn` and `__dsub_rn` (never contracted into an FMA, whatever nvcc's `--fmad`) and
/// on the host plain operators in translation units compiled with `-ffp-contract=off`
/// (src/core/normals.cpp: the host never evaluates these functions elsewhere). Hence the
/// same bits everywhere: the vectorized host batch (core/normals.hpp), the scalar host
/// path and the CUDA kernels.
///
/// Accuracy (tests/core/normal_math_test.cpp, against long double references):
/// `log_unit` within 1 ulp on (0, 1]; `cos_sin_turns` within 1 ulp.

#include <cmath>
#include <cstdint>
#include <cstring>

#include "ismc/core/config.hpp"

/// Inlined always: the host's batch (src/core/normals.cpp) vectorizes only loops whose
/// bodies have no calls.
#if defined(__CUDA_ARCH__)
#define ISMC_HD_INLINE __forceinline__
#elif defined(__GNUC__)
#define ISMC_HD_INLINE inline __attribute__((always_inline))
#else
#define ISMC_HD_INLINE inline
#endif

namespace ismc::detail {

/// a · b + c with one rounding (IEEE fused multiply-add, the same on host and device).
ISMC_HD ISMC_HD_INLINE double fma_rn(double a, double b, double c) {
#ifdef __CUDA_ARCH__
  return ::fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

/// a · b rounded on its own (never fused with a following sum).
ISMC_HD ISMC_HD_INLINE double mul_rn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

/// a + b rounded on its own.
ISMC_HD ISMC_HD_INLINE double add_rn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

/// a − b rounded on its own.
ISMC_HD ISMC_HD_INLINE double sub_rn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}

/// The bits of a double.
ISMC_HD ISMC_HD_INLINE std::uint64_t bits_of(double value) {
#ifdef __CUDA_ARCH__
  return static_cast<std::uint64_t>(__double_as_longlong(value));
#else
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
#endif
}

/// The double with these bits.
ISMC_HD ISMC_HD_INLINE double double_of(std::uint64_t bits) {
#ifdef __CUDA_ARCH__
  return __longlong_as_double(static_cast<long long>(bits));
#else
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
#endif
}

namespace normal_math {
// fdlibm's e_log.c: ln 2 split so that k · ln2_hi is exact for |k| < 2^11, and the
// coefficients of log(1 + f) = f − f²/2 + s (f²/2 + R(s²)), s = f / (2 + f).
inline constexpr double ln2_hi = 0x1.62e42fee00000p-1;
inline constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
inline constexpr double lg1 = 0x1.5555555555593p-1;
inline constexpr double lg2 = 0x1.999999997fa04p-2;
inline constexpr double lg3 = 0x1.2492494229359p-2;
inline constexpr double lg4 = 0x1.c71c51d8e78afp-3;
inline constexpr double lg5 = 0x1.7466496cb03dep-3;
inline constexpr double lg6 = 0x1.39a09d078c69fp-3;
inline constexpr double lg7 = 0x1.2f112df3e5244p-3;
// The mantissa bits of √2: a mantissa above them is halved (m in [√2/2, √2)).
inline constexpr std::uint64_t sqrt2_mantissa = 0x6a09e667f3bcdull;

// Taylor coefficients of cos(πr/2) = Σ c_k r^(2k) and sin(πr/2) = Σ s_k r^(2k+1) (exact to
// 200 bits, then rounded); on |r| ≤ 1/2 the omitted terms are below 2^-60 of the result.
inline constexpr double cos1 = -0x1.3bd3cc9be45dep+0;
inline constexpr double cos2 = 0x1.03c1f081b5ac4p-2;
inline constexpr double cos3 = -0x1.55d3c7e3cbffap-6;
inline constexpr double cos4 = 0x1.e1f506891babbp-11;
inline constexpr double cos5 = -0x1.a6d1f2a204a8cp-16;
inline constexpr double cos6 = 0x1.f9d38a3763cc3p-22;
inline constexpr double cos7 = -0x1.b6e24f44b128fp-28;
inline constexpr double cos8 = 0x1.20c62c2f2d7f5p-34;
inline constexpr double cos9 = -0x1.2a0c591af8314p-41;
inline constexpr double sin0_hi = 0x1.921fb54442d18p+0;  // π/2 = sin0_hi + sin0_lo
inline constexpr double sin0_lo = 0x1.1a62633145c07p-54;
inline constexpr double sin1 = -0x1.4abbce625be53p-1;
inline constexpr double sin2 = 0x1.466bc6775aae2p-4;
inline constexpr double sin3 = -0x1.32d2cce62bd86p-8;
inline constexpr double sin4 = 0x1.50783487ee782p-13;
inline constexpr double sin5 = -0x1.e3074fde8871fp-19;
inline constexpr double sin6 = 0x1.e8f434d018d63p-25;
inline constexpr double sin7 = -0x1.6fadb9f155744p-31;
inline constexpr double sin8 = 0x1.aaec32af93359p-38;
}  // namespace normal_math

/// log(m · 2^k) from its parts: k an integer in [−1074, 1024], m in [√2/2, √2]
/// (`log_unit` splits u so).
ISMC_HD ISMC_HD_INLINE double log_of_parts(double m, double k) {
  using namespace normal_math;
  const double f = sub_rn(m, 1.0);  // exact (Sterbenz)
  const double s = f / add_rn(2.0, f);
  const double z = mul_rn(s, s);
  double p = fma_rn(lg7, z, lg6);
  p = fma_rn(p, z, lg5);
  p = fma_rn(p, z, lg4);
  p = fma_rn(p, z, lg3);
  p = fma_rn(p, z, lg2);
  p = fma_rn(p, z, lg1);
  const double r = mul_rn(p, z);
  const double half_f_squared = mul_rn(mul_rn(0.5, f), f);
  // k ln2_hi − ((f²/2 − (s (f²/2 + R) + k ln2_lo)) − f), fdlibm's order of the terms.
  const double tail = fma_rn(s, add_rn(half_f_squared, r), mul_rn(k, ln2_lo));
  return sub_rn(mul_rn(k, ln2_hi), sub_rn(sub_rn(half_f_squared, tail), f));
}

/// log(u) for a normal double u in (0, 1] (Box–Muller's u is a multiple of 2^-53), within
/// 1 ulp: the exponent and mantissa split by bit manipulation, then `log_of_parts`.
ISMC_HD ISMC_HD_INLINE double log_unit(double u) {
  const std::uint64_t bits = bits_of(u);
  const std::uint64_t mantissa = bits & 0xfffffffffffffull;
  const bool halve = mantissa > normal_math::sqrt2_mantissa;
  const int exponent = static_cast<int>(bits >> 52) - 1023 + (halve ? 1 : 0);
  const double m = double_of(mantissa | (halve ? 0x3fe0000000000000ull : 0x3ff0000000000000ull));
  return log_of_parts(m, static_cast<double>(exponent));
}

/// cos(πr/2) and sin(πr/2) for |r| ≤ 1/2 (the angle in [−π/4, π/4]).
ISMC_HD ISMC_HD_INLINE void cos_sin_quarter(double r, double* c, double* s) {
  using namespace normal_math;
  const double z = mul_rn(r, r);
  double pc = fma_rn(cos9, z, cos8);
  pc = fma_rn(pc, z, cos7);
  pc = fma_rn(pc, z, cos6);
  pc = fma_rn(pc, z, cos5);
  pc = fma_rn(pc, z, cos4);
  pc = fma_rn(pc, z, cos3);
  pc = fma_rn(pc, z, cos2);
  // 1 + c1 z + z² P(z) with 1 + c1 z carried in two parts (the exact product's error by an
  // FMA, the sum's by Fast2Sum, |c1 z| ≤ 1): the result rounds once at the end.
  const double leading = mul_rn(cos1, z);
  const double leading_error = fma_rn(cos1, z, -leading);
  const double head = add_rn(1.0, leading);
  const double head_error = add_rn(sub_rn(1.0, head), leading);
  *c = add_rn(head, fma_rn(mul_rn(z, z), pc, add_rn(head_error, leading_error)));
  double ps = fma_rn(sin8, z, sin7);
  ps = fma_rn(ps, z, sin6);
  ps = fma_rn(ps, z, sin5);
  ps = fma_rn(ps, z, sin4);
  ps = fma_rn(ps, z, sin3);
  ps = fma_rn(ps, z, sin2);
  ps = fma_rn(ps, z, sin1);
  // r (π/2 + z P(z)) with π/2 in two parts: one rounding for the leading product.
  *s = fma_rn(r, sin0_hi, mul_rn(r, fma_rn(ps, z, sin0_lo)));
}

/// cos(2πv) and sin(2πv) for v in [0, 1) a multiple of 2^-53 (Box–Muller's angle in
/// turns), within 1 ulp. The reduction is exact: 4v = q + r with q = ⌊4v + 1/2⌋ and
/// |r| ≤ 1/2, then the quadrant q mod 4 swaps and negates cos(πr/2) and sin(πr/2).
ISMC_HD ISMC_HD_INLINE void cos_sin_turns(double v, double* c, double* s) {
  const double quarters = mul_rn(4.0, v);  // exact
  // ⌊4v + 1/2⌋ by truncation (4v + 1/2 > 0); the rounding of the sum never crosses an integer.
  const int q = static_cast<int>(add_rn(quarters, 0.5));
  const double r = sub_rn(quarters, static_cast<double>(q));  // exact, in [−1/2, 1/2]
  const int quadrant = q & 3;
  double cos_r, sin_r;
  cos_sin_quarter(r, &cos_r, &sin_r);
  // quadrant 0: (c, s); 1: (−s, c); 2: (−c, −s); 3: (s, −c).
  const bool swap = (quadrant & 1) != 0;
  const double cos_part = swap ? sin_r : cos_r;
  const double sin_part = swap ? cos_r : sin_r;
  *c = ((quadrant + 1) & 2) != 0 ? -cos_part : cos_part;
  *s = (quadrant & 2) != 0 ? -sin_part : sin_part;
}

}  // namespace ismc::detail

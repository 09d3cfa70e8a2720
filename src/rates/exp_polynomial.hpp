#pragma once
/// @file exp_polynomial.hpp (private)
/// @brief e^x without a branch or a library call, so that a loop over many exponentials
/// vectorizes: the four-index stage's one exponential per (target, sample) pair
/// (src/rates/mixture_batch.cpp) and the floor benchmarks (bench/bench_floor.cpp).
///
/// x = k·ln 2 + r with k = round(x / ln 2) and ln 2 split in two (Cody–Waite), |r| ≤ ln2/2;
/// e^r by its Taylor polynomial to degree 13 (truncation below 5e-18 relative), Horner;
/// e^x = 2^k · e^r with 2^k written into the exponent bits. Valid for x in
/// [exp_polynomial_lowest, exp_polynomial_highest], where the result is normal; within a few
/// ulp of the correctly rounded e^x there (tests/rates/exp_polynomial_test.cpp). Outside that
/// range the result is meaningless: callers check the range and take another path.

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ismc::detail {

/// The smallest argument `exp_polynomial` accepts (e^x is normal above it).
constexpr double exp_polynomial_lowest = -708.0;
/// The largest argument `exp_polynomial` accepts (e^x is finite below it).
constexpr double exp_polynomial_highest = 709.0;

#if defined(__GNUC__)
#define ISMC_ALWAYS_INLINE __attribute__((always_inline))
#else
#define ISMC_ALWAYS_INLINE
#endif

/// p · 2^k, where `shifted` = x·log2(e) + `round_shift` holds k in its low mantissa bits
/// (the rounding trick of both exponentials below): k's bits moved to the exponent.
inline ISMC_ALWAYS_INLINE double times_power_of_two(double p, double shifted, double round_shift) {
  std::int64_t bits = 0;
  std::memcpy(&bits, &shifted, sizeof bits);
  std::int64_t round_bits = 0;
  std::memcpy(&round_bits, &round_shift, sizeof round_bits);
  const std::int64_t scale_bits = (bits - round_bits + 1023) << 52;
  double scale = 0.0;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

/// e^x for x in [exp_polynomial_lowest, exp_polynomial_highest]; see the file comment.
/// Always inlined, so that it vectorizes inside the caller's loop whatever its target.
inline ISMC_ALWAYS_INLINE double exp_polynomial(double x) {
  constexpr double log2_e = 1.4426950408889634;
  constexpr double ln2_high = 0x1.62e42fefa3800p-1;  // 43 significant bits: k·ln2_high is exact
  constexpr double ln2_low = 0x1.ef35793c76730p-45;
  // Adding 1.5·2^52 rounds to an integer (round to nearest) kept in the low mantissa bits.
  constexpr double round_shift = 6755399441055744.0;
  const double shifted = x * log2_e + round_shift;
  const double k = shifted - round_shift;
  const double r = (x - k * ln2_high) - k * ln2_low;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return times_power_of_two(p, shifted, round_shift);
}

/// `exp_polynomial` with every multiply-add an explicit `std::fma` (one rounding each, so
/// the reduction and the polynomial are a little more accurate, and half the operations):
/// the same bits on every machine, fast where the caller is compiled with hardware FMA
/// (x86-64-v3 and up), a library call otherwise. Same range and contract.
inline ISMC_ALWAYS_INLINE double exp_polynomial_fma(double x) {
  constexpr double log2_e = 1.4426950408889634;
  constexpr double ln2_high = 0x1.62e42fefa3800p-1;
  constexpr double ln2_low = 0x1.ef35793c76730p-45;
  constexpr double round_shift = 6755399441055744.0;
  const double shifted = std::fma(x, log2_e, round_shift);
  const double k = shifted - round_shift;
  const double r = std::fma(-k, ln2_low, std::fma(-k, ln2_high, x));
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  return times_power_of_two(p, shifted, round_shift);
}

}  // namespace ismc::detail

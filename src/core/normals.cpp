// The host's Box–Muller, scalar and in batches. This translation unit is compiled with
// -ffp-contract=off (CMakeLists.txt): its products and sums round on their own, as the
// device's __dmul_rn/__dadd_rn do, and its multiply-adds are the explicit fma_rn of
// core/normal_math.hpp; so every variant below gives the device's bits.
#include "ismc/core/normals.hpp"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "ismc/core/normal_math.hpp"

namespace ismc {

#if defined(ISMC_NORMAL_CLONES)
// Given by the includer: tests/core/normals_variant_*.cpp compile the batch for one
// instruction set each, to check that every variant gives the same bits.
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
// x86-64-v4: AVX-512 F/DQ/BW/VL with FMA; v3: AVX2 with FMA; the baseline calls libm's fma.
#define ISMC_NORMAL_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ISMC_NORMAL_CLONES
#endif

#ifndef ISMC_NORMALS_BATCH_ONLY
namespace detail {

ISMC_NORMAL_CLONES
void box_muller_host(const philox_block& bits, double* z0, double* z1) {
  box_muller_polynomial(bits, z0, z1);
}

}  // namespace detail
#endif

namespace {

// Simulations per vector batch: two AVX-512 registers of doubles.
constexpr int lanes = 16;

// An exact integer below 2^52 as a double, by the exponent trick (vectorizes without
// AVX-512DQ's 64-bit conversions): 2^52 + n has n in its mantissa.
inline __attribute__((always_inline)) double exact_double(std::uint64_t n) {
  return detail::sub_rn(detail::double_of(0x4330000000000000ull | n), 0x1.0p52);
}

// The four Philox4x32-10 output words (core/rng.hpp) of `lanes` consecutive simulations:
// words[w][i] is word w of simulation first + i.
struct philox_lanes {
  alignas(64) std::uint32_t words[4][lanes];
};

constexpr std::uint32_t multiplier0 = 0xD2511F53u;
constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t weyl0 = 0x9E3779B9u;
constexpr std::uint32_t weyl1 = 0xBB67AE85u;

// The rounds in plain C++, one simulation per iteration (the compiler vectorizes it, with
// full 64-bit multiplies where it cannot see that both factors fit in 32 bits).
inline __attribute__((always_inline)) void philox_generic(const philox_input& in,
                                                          std::uint64_t first, philox_lanes& out) {
  for (int i = 0; i < lanes; ++i) {
    const std::uint64_t sim = first + static_cast<std::uint64_t>(i);
    std::uint32_t c0 = in.counter.v[0], c1 = static_cast<std::uint32_t>(sim);
    std::uint32_t c2 = static_cast<std::uint32_t>(sim >> 32), c3 = in.counter.v[3];
    std::uint32_t key0 = in.key0, key1 = in.key1;
    for (int round = 0; round < 10; ++round) {
      const std::uint64_t product0 = static_cast<std::uint64_t>(multiplier0) * c0;
      const std::uint64_t product1 = static_cast<std::uint64_t>(multiplier1) * c2;
      const std::uint32_t next0 = static_cast<std::uint32_t>(product1 >> 32) ^ c1 ^ key0;
      const std::uint32_t next2 = static_cast<std::uint32_t>(product0 >> 32) ^ c3 ^ key1;
      c1 = static_cast<std::uint32_t>(product1);
      c3 = static_cast<std::uint32_t>(product0);
      c0 = next0;
      c2 = next2;
      key0 += weyl0;
      key1 += weyl1;
    }
    out.words[0][i] = c0;
    out.words[1][i] = c1;
    out.words[2][i] = c2;
    out.words[3][i] = c3;
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ISMC_PHILOX_AVX512 1
// The same rounds on AVX-512, eight simulations per register in 64-bit lanes that hold
// 32-bit words, so that each 32 × 32 → 64-bit product is one vpmuludq (the compiler's
// vectorization of the loop above uses the three-µop 64-bit multiply). Integer arithmetic
// only: the same words as philox_generic, whatever the machine.
// GCC 12's intrinsics read an undefined register as their masked-off source, which
// -Wuninitialized reports from inside its own header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void philox_avx512(const philox_input& in, std::uint64_t first,
                                                      philox_lanes& out) {
  const __m512i low = _mm512_set1_epi64(0xFFFFFFFFll);
  const __m512i m0 = _mm512_set1_epi64(multiplier0);
  const __m512i m1 = _mm512_set1_epi64(multiplier1);
  const __m512i steps = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  for (int half = 0; half < lanes / 8; ++half) {
    const __m512i sim = _mm512_add_epi64(
        _mm512_set1_epi64(static_cast<long long>(first + 8u * static_cast<unsigned>(half))), steps);
    __m512i c0 = _mm512_set1_epi64(in.counter.v[0]);
    __m512i c1 = _mm512_and_si512(sim, low);
    __m512i c2 = _mm512_srli_epi64(sim, 32);
    __m512i c3 = _mm512_set1_epi64(in.counter.v[3]);
    std::uint32_t key0 = in.key0, key1 = in.key1;
    for (int round = 0; round < 10; ++round) {
      const __m512i product0 = _mm512_mul_epu32(c0, m0);
      const __m512i product1 = _mm512_mul_epu32(c2, m1);
      const __m512i next0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(product1, 32), c1),
                                             _mm512_set1_epi64(key0));
      const __m512i next2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(product0, 32), c3),
                                             _mm512_set1_epi64(key1));
      c1 = _mm512_and_si512(product1, low);
      c3 = _mm512_and_si512(product0, low);
      c0 = next0;
      c2 = next2;
      key0 += weyl0;
      key1 += weyl1;
    }
    const int at = 8 * half;
    _mm256_store_si256(reinterpret_cast<__m256i*>(&out.words[0][at]), _mm512_cvtepi64_epi32(c0));
    _mm256_store_si256(reinterpret_cast<__m256i*>(&out.words[1][at]), _mm512_cvtepi64_epi32(c1));
    _mm256_store_si256(reinterpret_cast<__m256i*>(&out.words[2][at]), _mm512_cvtepi64_epi32(c2));
    _mm256_store_si256(reinterpret_cast<__m256i*>(&out.words[3][at]), _mm512_cvtepi64_epi32(c3));
  }
}
#pragma GCC diagnostic pop
#endif

// Block `block` of simulations first … first + lanes − 1, as Box–Muller pairs (z0, z1).
inline __attribute__((always_inline)) void box_muller_lanes(random_stream s, std::uint64_t first,
                                                            std::uint32_t block, double* z0,
                                                            double* z1) {
  const philox_input in = philox_address(s, first, block);
  philox_lanes bits;
#ifdef ISMC_PHILOX_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) {
    philox_avx512(in, first, bits);
  } else {
    philox_generic(in, first, bits);
  }
#else
  philox_generic(in, first, bits);
#endif
  for (int i = 0; i < lanes; ++i) {
    const std::uint32_t c0 = bits.words[0][i], c1 = bits.words[1][i];
    const std::uint32_t c2 = bits.words[2][i], c3 = bits.words[3][i];
    // uniform_open_closed and uniform_closed_open (core/rng.hpp), exactly: every step is.
    const double u_bits =
        detail::add_rn(detail::mul_rn(exact_double(c0), 0x1.0p21), exact_double(c1 >> 11));
    const double v_bits =
        detail::add_rn(detail::mul_rn(exact_double(c2), 0x1.0p21), exact_double(c3 >> 11));
    const double u = detail::mul_rn(detail::add_rn(u_bits, 1.0), 0x1.0p-53);
    const double v = detail::mul_rn(v_bits, 0x1.0p-53);
    const double radius = std::sqrt(detail::mul_rn(-2.0, detail::log_unit(u)));
    double cos_angle, sin_angle;
    detail::cos_sin_turns(v, &cos_angle, &sin_angle);
    z0[i] = detail::mul_rn(radius, cos_angle);
    z1[i] = detail::mul_rn(radius, sin_angle);
  }
}

}  // namespace

ISMC_NORMAL_CLONES
void standard_normals_batch(random_stream s, std::uint64_t sim_begin, std::size_t count, int dim,
                            double* z) {
  if (dim <= 0) return;
  const auto stride = static_cast<std::size_t>(dim);
  const int blocks = (dim + 1) / 2;
  alignas(64) double z0[lanes], z1[lanes];
  for (std::size_t first = 0; first < count; first += lanes) {
    const std::size_t size = std::min<std::size_t>(lanes, count - first);
    double* out = z + first * stride;
    for (int block = 0; block < blocks; ++block) {
      // A partial batch computes all lanes and keeps its own: the bits are per simulation.
      box_muller_lanes(s, sim_begin + first, static_cast<std::uint32_t>(block), z0, z1);
      const std::size_t n = 2 * static_cast<std::size_t>(block);
      for (std::size_t i = 0; i < size; ++i) out[i * stride + n] = z0[i];
      if (n + 1 < stride) {
        for (std::size_t i = 0; i < size; ++i) out[i * stride + n + 1] = z1[i];
      }
    }
  }
}

}  // namespace ismc

// The host's Box–Muller, scalar and in batches. This translation unit is compiled with
// -ffp-contract=off (CMakeLists.txt): its products and sums round on their own, as the
// device's __dmul_rn/__dadd_rn do, and its multiply-adds are the explicit fma_rn of
// core/normal_math.hpp; so every variant below gives the device's bits.
#include "ismc/core/normals.hpp"

#include <algorithm>

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

// Block `block` of simulations first … first + lanes − 1, as Box–Muller pairs (z0, z1).
inline __attribute__((always_inline)) void box_muller_lanes(random_stream s, std::uint64_t first,
                                                            std::uint32_t block, double* z0,
                                                            double* z1) {
  constexpr std::uint32_t multiplier0 = 0xD2511F53u;
  constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
  constexpr std::uint32_t weyl0 = 0x9E3779B9u;
  constexpr std::uint32_t weyl1 = 0xBB67AE85u;
  const philox_input in = philox_address(s, first, block);
  for (int i = 0; i < lanes; ++i) {
    // Philox4x32-10 (core/rng.hpp) on the counter of simulation first + i.
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

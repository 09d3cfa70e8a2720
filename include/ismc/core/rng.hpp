#pragma once
/// @file rng.hpp
/// @brief Counter-based randomness shared by host and device: Philox4x32-10 and Box–Muller.
///
/// Every random number of a study is a pure function of (seed, stream, simulation index,
/// draw index), so a study gives the same numbers on any number of threads, on the CPU and
/// on the GPU, in any order. Layout of one Philox call:
///
///     key     = { low 32 bits of seed, stream }
///     counter = { domain << 24 | block, low 32 bits of sim, high 32 bits of sim,
///                 high 32 bits of seed }
///
/// `stream` and `domain` say which consumer draws (a rates target, a proposal, a NUTS
/// chain, the ensemble's stretches, ...): the layout of every consumer's (domain, stream,
/// sim, block) is stated once, in `core/streams.hpp`. `block` numbers the 4-word blocks
/// that one simulation uses: block b gives normals 2b and 2b + 1 of that simulation; it
/// stays below 2^24 (`random_block_limit`) so that it never reaches the domain's bits.
/// The map from (seed, domain, stream, sim, block) to (key, counter) is one to one while
/// block < 2^24 (or the domain is 0), so two draws share a Philox input only if they
/// share all five.

#include <cmath>
#include <cstdint>

#include "ismc/core/config.hpp"
#include "ismc/core/normal_math.hpp"

namespace ismc {

/// Four 32-bit words: a Philox counter or output block.
struct philox_block {
  std::uint32_t v[4];
};

namespace detail {
/// 2π (the gamma variates' angle, core/variates.hpp).
inline constexpr double two_pi = 6.283185307179586476925286766559;

ISMC_HD inline std::uint32_t mulhilo32(std::uint32_t a, std::uint32_t b, std::uint32_t* hi) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  *hi = static_cast<std::uint32_t>(product >> 32);
  return static_cast<std::uint32_t>(product);
}
}  // namespace detail

/// Philox4x32 with 10 rounds (Salmon et al. 2011), bit-identical to Random123's
/// `r123::Philox4x32` and to cuRAND's device Philox round function.
/// @param counter the 128-bit counter
/// @param key0,key1 the 64-bit key
ISMC_HD inline philox_block philox4x32_10(philox_block counter, std::uint32_t key0,
                                          std::uint32_t key1) {
  constexpr std::uint32_t multiplier0 = 0xD2511F53u;
  constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
  constexpr std::uint32_t weyl0 = 0x9E3779B9u;
  constexpr std::uint32_t weyl1 = 0xBB67AE85u;
  std::uint32_t* c = counter.v;
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, hi1;
    const std::uint32_t lo0 = detail::mulhilo32(multiplier0, c[0], &hi0);
    const std::uint32_t lo1 = detail::mulhilo32(multiplier1, c[2], &hi1);
    const philox_block next = {{hi1 ^ c[1] ^ key0, lo1, hi0 ^ c[3] ^ key1, lo0}};
    counter = next;
    key0 += weyl0;
    key1 += weyl1;
  }
  return counter;
}

/// Bits of the counter's first word that number a simulation's blocks; the 8 bits above
/// them hold the stream's domain.
inline constexpr int random_block_bits = 24;
/// Blocks per simulation a stream of a nonzero domain may use: block < 2^24.
inline constexpr std::uint32_t random_block_limit = 1u << random_block_bits;

/// Identifies one independent random stream: the study's seed, a stream number and a
/// domain (`core/streams.hpp` gives every consumer's).
struct random_stream {
  std::uint64_t seed = 0;    ///< the study's seed
  std::uint32_t stream = 0;  ///< the stream inside the domain (a target, a proposal, a chain)
  std::uint8_t domain = 0;   ///< the consumer's domain tag, the counter's top 8 bits
};

/// The Philox input of one draw: its counter and its 64-bit key.
struct philox_input {
  philox_block counter;  ///< { domain << 24 | block, sim low, sim high, seed high }
  std::uint32_t key0;    ///< low 32 bits of the seed
  std::uint32_t key1;    ///< the stream
};

/// The Philox input of block `block` of simulation `sim` in stream `s` (see the file's
/// comment); `random_bits` encrypts it.
ISMC_HD inline philox_input philox_address(random_stream s, std::uint64_t sim,
                                           std::uint32_t block) {
  const std::uint32_t word0 = (static_cast<std::uint32_t>(s.domain) << random_block_bits) | block;
  return {{{word0, static_cast<std::uint32_t>(sim), static_cast<std::uint32_t>(sim >> 32),
            static_cast<std::uint32_t>(s.seed >> 32)}},
          static_cast<std::uint32_t>(s.seed),
          s.stream};
}

/// The raw Philox block `block` of simulation `sim` in stream `s`.
ISMC_HD inline philox_block random_bits(random_stream s, std::uint64_t sim, std::uint32_t block) {
  const philox_input in = philox_address(s, sim, block);
  return philox4x32_10(in.counter, in.key0, in.key1);
}

/// Builds a 53-bit uniform in (0, 1] from two words (never 0, so its log is finite).
ISMC_HD inline double uniform_open_closed(std::uint32_t high, std::uint32_t low) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(high) << 21) | (low >> 11);
  return (static_cast<double>(bits) + 1.0) * 0x1.0p-53;
}

/// Builds a 53-bit uniform in [0, 1) from two words.
ISMC_HD inline double uniform_closed_open(std::uint32_t high, std::uint32_t low) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(high) << 21) | (low >> 11);
  return static_cast<double>(bits) * 0x1.0p-53;
}

namespace detail {
/// Box–Muller on the polynomials of core/normal_math.hpp: u, v from the block, then
/// radius sqrt(−2 log u) times cos and sin of 2πv. Rounds alike on the host and the device.
ISMC_HD inline void box_muller_polynomial(const philox_block& bits, double* z0, double* z1) {
  const double u = uniform_open_closed(bits.v[0], bits.v[1]);
  const double v = uniform_closed_open(bits.v[2], bits.v[3]);
  const double radius = sqrt(mul_rn(-2.0, log_unit(u)));
  double cos_angle, sin_angle;
  cos_sin_turns(v, &cos_angle, &sin_angle);
  *z0 = mul_rn(radius, cos_angle);
  *z1 = mul_rn(radius, sin_angle);
}

/// `box_muller_polynomial` compiled once for the host (src/core/normals.cpp, without FMA
/// contraction, with FMA instructions where the CPU has them).
void box_muller_host(const philox_block& bits, double* z0, double* z1);
}  // namespace detail

/// Box–Muller: one Philox block (two 53-bit uniforms) to two independent standard normals.
/// This is the only place where ismc turns bits into normals, on the host and the device;
/// both compute the same bits (core/normal_math.hpp: polynomial log, cos and sin, explicit
/// FMAs, no contraction), and so does the host's batch (core/normals.hpp).
/// |z| is at most sqrt(2 · 53 · ln 2) ≈ 8.57.
ISMC_HD inline void box_muller(const philox_block& bits, double* z0, double* z1) {
#ifdef __CUDA_ARCH__
  detail::box_muller_polynomial(bits, z0, z1);
#else
  detail::box_muller_host(bits, z0, z1);
#endif
}

/// The first normal of `box_muller(bits, ...)` alone, bit for bit.
ISMC_HD inline double box_muller_first(const philox_block& bits) {
  double z0, z1;
  box_muller(bits, &z0, &z1);
  return z0;
}

/// Writes the first `count` standard normals of simulation `sim` in stream `s` to `z`.
ISMC_HD inline void standard_normals(random_stream s, std::uint64_t sim, double* z, int count) {
  for (int n = 0; n < count; n += 2) {
    const philox_block bits = random_bits(s, sim, static_cast<std::uint32_t>(n / 2));
    if (n + 1 < count) {
      box_muller(bits, &z[n], &z[n + 1]);
    } else {
      z[n] = box_muller_first(bits);  // the pair's second normal is not needed
    }
  }
}

}  // namespace ismc

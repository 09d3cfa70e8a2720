#pragma once
/// @file chain_random.hpp (private)
/// @brief The randomness of one NUTS chain: consecutive counters of the Philox stream keyed
/// by (seed, chain) (`streams::nuts_chain`), so a chain's draws depend only on (seed, chain id),
/// never on other chains or threads.

#include <cstddef>
#include <cstdint>

#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"

namespace ismc::nuts_detail {

/// One chain's uniforms and normals, each call taking the next counter of its stream.
class chain_random {
 public:
  chain_random(std::uint64_t seed, std::uint32_t chain)
      : stream_(streams::nuts_chain(seed, chain)) {}

  /// A uniform in [0, 1).
  double uniform() {
    const philox_block bits = random_bits(stream_, counter_++, 0);
    return uniform_closed_open(bits.v[0], bits.v[1]);
  }

  /// `count` uniforms in [0, 1), two per Philox block of one counter.
  void uniforms(double* u, std::size_t count) {
    const std::uint64_t counter = counter_++;
    for (std::size_t n = 0; n < count; n += 2) {
      const philox_block bits = random_bits(stream_, counter, static_cast<std::uint32_t>(n / 2));
      u[n] = uniform_closed_open(bits.v[0], bits.v[1]);
      if (n + 1 < count) u[n + 1] = uniform_closed_open(bits.v[2], bits.v[3]);
    }
  }

  /// `count` standard normals (Box–Muller) from one counter.
  void normals(double* z, std::size_t count) {
    standard_normals(stream_, counter_++, z, static_cast<int>(count));
  }

 private:
  random_stream stream_;
  std::uint64_t counter_ = 0;
};

}  // namespace ismc::nuts_detail

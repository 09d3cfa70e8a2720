#pragma once
/// @file streams.hpp
/// @brief The random streams of a rates study's stages (`random_stream` ids of rng.hpp),
/// so that no two stages share random numbers.

#include <cstddef>
#include <cstdint>

#include "ismc/core/config.hpp"

namespace ismc {

/// Random streams of each stage of a study, so that no two stages share random numbers.
namespace streams {
/// Plain Monte Carlo and pilot simulations at target j use stream j (stream 0 for every
/// target under common random numbers).
ISMC_HD inline std::uint32_t target(std::size_t j, bool common_random_numbers) {
  return common_random_numbers ? 0u : static_cast<std::uint32_t>(j);
}
/// Importance simulations from proposal k use stream 2^31 + k.
ISMC_HD inline std::uint32_t proposal(std::size_t k) {
  return 0x80000000u + static_cast<std::uint32_t>(k);
}
/// The decision to keep pilot rejection i of target j in the k-means subsample draws
/// block 0 of simulation i in stream 2^30 + j: independent of the sample itself.
ISMC_HD inline std::uint32_t subsample(std::size_t j) {
  return 0x40000000u + static_cast<std::uint32_t>(j);
}
}  // namespace streams

}  // namespace ismc

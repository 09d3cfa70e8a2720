#pragma once
/// @file memory.hpp
/// @brief The one size limit: a request (targets, samples, walkers × steps, chains × draws)
/// is estimated in bytes before anything is allocated and refused, naming its field, its
/// value and the memory it would take, when it exceeds the limit. The limit is half the
/// physical memory, or the environment variable `ISMC_MEMORY_LIMIT` (bytes, or with a
/// suffix K, M, G or T, powers of 1024).

#include <cstdint>
#include <string>

namespace ismc {

/// The machine's physical memory in bytes (0 when the system does not say).
std::uint64_t physical_memory_bytes();

/// The limit requests are checked against: `ISMC_MEMORY_LIMIT` when set, else half the
/// physical memory (8 GiB when the system does not say).
/// @throws usage_error naming `ISMC_MEMORY_LIMIT`, its value and the accepted form when it
///         is malformed.
std::uint64_t memory_limit_bytes();

/// A number of bytes as text with a binary unit ("1.5 GiB").
std::string memory_text(double bytes);

/// Whether a request needing `bytes` fits the limit: "" when it does, else the expectation
/// for its error message, "a size that fits in memory: this needs 12 GiB, over the limit
/// of 4 GiB (half the physical memory; ISMC_MEMORY_LIMIT sets another)". `bytes` is a double
/// so that products of huge counts do not wrap.
std::string memory_shortfall(double bytes);

}  // namespace ismc

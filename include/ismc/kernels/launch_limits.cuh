#pragma once
/// @file kernels/launch_limits.cuh
/// @brief The grid limits of a CUDA launch (every compute capability ismc builds for), and the
/// rates kernels' launch sizes, defined once for every kernel file.

#include <cstddef>
#include <cstdint>

namespace ismc::detail {

/// The largest grid along x: 2³¹ − 1 blocks.
inline constexpr std::size_t max_grid_x = 2147483647;
/// The largest grid along y (and z): 65535 blocks.
inline constexpr std::size_t max_grid_y = 65535;

/// Threads per block of every rates kernel (ismc/kernels/family_kernels.cuh).
inline constexpr int rates_threads_per_block = 256;

/// Samples (parameters or weight entries × simulations) per launch of a rates kernel: a few
/// tenths of a second, so that progress moves and an interrupt is seen between launches.
inline constexpr std::uint64_t rates_samples_per_launch = std::uint64_t{1} << 28;

}  // namespace ismc::detail

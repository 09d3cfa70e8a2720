#pragma once
// The grid limits of a CUDA launch (every compute capability ismc builds for), defined
// once for every kernel file.

#include <cstddef>

namespace ismc::detail {

/// The largest grid along x: 2³¹ − 1 blocks.
inline constexpr std::size_t max_grid_x = 2147483647;
/// The largest grid along y (and z): 65535 blocks.
inline constexpr std::size_t max_grid_y = 65535;

}  // namespace ismc::detail

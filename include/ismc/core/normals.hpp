#pragma once
/// @file normals.hpp
/// @brief Standard normals of many simulations at once on the host, vectorized, bit for bit
/// those of `standard_normals` (core/rng.hpp) one simulation at a time.

#include <cstddef>
#include <cstdint>

#include "ismc/core/rng.hpp"

namespace ismc {

/// The first `dim` standard normals of simulations sim_begin … sim_begin + count − 1 of
/// stream `s`, simulation by simulation: z[i · dim + n] is normal n of simulation
/// sim_begin + i, the same bits as `standard_normals(s, sim_begin + i, z + i · dim, dim)`.
/// Philox4x32-10 and Box–Muller (core/normal_math.hpp) run over 16 simulations at a time
/// in vector registers (AVX-512 or AVX2 where the CPU has them); the bits do not depend on
/// the instruction set, on `count` or on where a batch starts.
/// @param s the stream
/// @param sim_begin the first simulation index
/// @param count how many simulations
/// @param dim normals per simulation, ≥ 0
/// @param z output, count · dim values
void standard_normals_batch(random_stream s, std::uint64_t sim_begin, std::size_t count, int dim,
                            double* z);

}  // namespace ismc

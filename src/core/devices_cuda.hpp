#pragma once
// The CUDA half of core/ (kernels/devices.cu, kernels/cuda_backend.cu): the device query
// and the random-number diagnostics of the host/device equivalence tests.
// Declared for every build; defined only when ISMC_HAVE_CUDA (kernels/), so host code
// guards each call with that macro.

#include <cstdint>
#include <vector>

#include "ismc/core/devices.hpp"
#include "ismc/core/rng.hpp"

namespace ismc::detail {

/// Queries the CUDA runtime for devices; never throws.
cuda_devices query_cuda_devices();

/// Diagnostics for the host/device equivalence tests: block `block` of simulations
/// [0, sims) of stream `s`, computed on the device (4 words per simulation).
std::vector<std::uint32_t> device_random_bits(random_stream s, std::uint64_t sims,
                                              std::uint32_t block);

/// The first `count` standard normals of simulations [0, sims) of stream `s`, computed on
/// the device (`count` values per simulation).
std::vector<double> device_standard_normals(random_stream s, std::uint64_t sims, int count);

}  // namespace ismc::detail

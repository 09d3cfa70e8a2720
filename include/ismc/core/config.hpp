#pragma once
/// @file config.hpp
/// @brief Compiler glue shared by host and device code.

#if defined(__CUDACC__)
/// Marks a function callable from host code and from CUDA kernels.
#define ISMC_HD __host__ __device__
#else
#define ISMC_HD
#endif

namespace ismc {

/// The library's version, as `major.minor.patch`.
inline constexpr const char* version = "0.1.0";

}  // namespace ismc

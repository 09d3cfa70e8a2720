#pragma once
/// @file devices.hpp
/// @brief What this build can run on: CPU threads and CUDA devices.

#include <cstddef>
#include <string>
#include <vector>

namespace ismc {

/// One CUDA device.
struct cuda_device {
  int index;                 ///< CUDA ordinal
  std::string name;          ///< e.g. "NVIDIA H100 80GB HBM3"
  int compute_major;         ///< compute capability, major
  int compute_minor;         ///< compute capability, minor
  std::size_t memory_bytes;  ///< global memory
  int multiprocessors;       ///< streaming multiprocessors
};

/// The CUDA devices usable by this build.
struct cuda_devices {
  bool compiled = false;             ///< whether the build contains the CUDA backend
  std::vector<cuda_device> devices;  ///< empty when none can be used
  std::string why_none;              ///< when `devices` is empty: why
};

/// Number of hardware threads of the CPU (at least 1).
unsigned cpu_threads();

/// Lists the CUDA devices; never throws.
cuda_devices list_cuda_devices();

}  // namespace ismc

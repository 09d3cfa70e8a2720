#pragma once
/// @file kernels/cuda_check.cuh
/// @brief One check for every CUDA runtime call: a failure becomes ismc::device_error naming the
/// call, the file and the line.

#include <cuda_runtime.h>

#include <string>

#include "ismc/core/error.hpp"

namespace ismc::detail {

inline void cuda_check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    throw device_error(std::string("CUDA error in ") + call + " at " + file + ":" +
                       std::to_string(line) + ": " + cudaGetErrorName(status) + ": " +
                       cudaGetErrorString(status));
  }
}

}  // namespace ismc::detail

#define ISMC_CUDA_CHECK(call) ::ismc::detail::cuda_check((call), #call, __FILE__, __LINE__)

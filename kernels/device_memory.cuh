#pragma once
// Device memory for the kernels' host code: a buffer that frees itself and checked copies.

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>

#include "cuda_check.cuh"

namespace ismc::detail {

/// Device memory that frees itself. `reserve` grows it (contents are not kept).
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t count) { reserve(count); }
  ~device_buffer() { cudaFree(data_); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;

  void reserve(std::size_t count) {
    if (data_ != nullptr && count <= capacity_) return;
    cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
    ISMC_CUDA_CHECK(cudaMalloc(&data_, std::max<std::size_t>(count, 1) * sizeof(T)));
    capacity_ = count;
  }
  T* get() const { return data_; }
  /// Elements the buffer holds.
  std::size_t size() const { return capacity_; }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
};

template <class T>
void copy_to_device(T* d_destination, const T* h_source, std::size_t count) {
  if (count == 0) return;
  ISMC_CUDA_CHECK(cudaMemcpy(d_destination, h_source, count * sizeof(T), cudaMemcpyHostToDevice));
}

template <class T>
void copy_to_host(T* h_destination, const T* d_source, std::size_t count) {
  if (count == 0) return;
  ISMC_CUDA_CHECK(cudaMemcpy(h_destination, d_source, count * sizeof(T), cudaMemcpyDeviceToHost));
}

}  // namespace ismc::detail

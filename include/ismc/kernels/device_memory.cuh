#pragma once
/// @file kernels/device_memory.cuh
/// @brief Device memory for the kernels' host code: a buffer that frees itself, page-locked host
/// memory, a stream, and checked copies.

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>

#include "ismc/kernels/cuda_check.cuh"

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

/// Page-locked host memory that frees itself, so that small per-call copies are direct
/// DMA; `reserve` grows it (contents are not kept).
template <class T>
class pinned_buffer {
 public:
  pinned_buffer() = default;
  ~pinned_buffer() { cudaFreeHost(data_); }
  pinned_buffer(const pinned_buffer&) = delete;
  pinned_buffer& operator=(const pinned_buffer&) = delete;
  void reserve(std::size_t count) {
    if (data_ != nullptr && count <= capacity_) return;
    cudaFreeHost(data_);
    data_ = nullptr;
    capacity_ = 0;
    ISMC_CUDA_CHECK(cudaMallocHost(&data_, std::max<std::size_t>(count, 1) * sizeof(T)));
    capacity_ = count;
  }
  T* get() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
};

/// A CUDA stream that destroys itself. Blocking: it orders with the legacy default stream,
/// so callers (a benchmark's CUDA events) can bracket a call there.
class cuda_stream {
 public:
  cuda_stream() { ISMC_CUDA_CHECK(cudaStreamCreate(&stream_)); }
  ~cuda_stream() { cudaStreamDestroy(stream_); }
  cuda_stream(const cuda_stream&) = delete;
  cuda_stream& operator=(const cuda_stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
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

#pragma once
// The device-time clock of the CUDA benchmarks (bench_cuda_rates, bench_population); include
// it only where ISMC_HAVE_CUDA is defined and the target links the CUDA runtime.

#include <cuda_runtime.h>

namespace ismc::bench {

/// Two CUDA events on the legacy default stream, bracketing a synchronous call.
class event_timer {
 public:
  event_timer() {
    ok_ = cudaEventCreate(&start_) == cudaSuccess && cudaEventCreate(&stop_) == cudaSuccess;
  }
  ~event_timer() {
    if (start_ != nullptr) cudaEventDestroy(start_);
    if (stop_ != nullptr) cudaEventDestroy(stop_);
  }
  event_timer(const event_timer&) = delete;
  event_timer& operator=(const event_timer&) = delete;

  /// Whether both events were created; the benchmark skips where not.
  bool ok() const { return ok_; }
  void start() { cudaEventRecord(start_, nullptr); }
  /// Seconds since start().
  double stop() {
    cudaEventRecord(stop_, nullptr);
    cudaEventSynchronize(stop_);
    float milliseconds = 0.0f;
    cudaEventElapsedTime(&milliseconds, start_, stop_);
    return static_cast<double>(milliseconds) * 1e-3;
  }

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
  bool ok_ = false;
};

}  // namespace ismc::bench

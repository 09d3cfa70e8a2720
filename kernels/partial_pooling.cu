// The partial-pooling log density and its gradient on a CUDA device, for a batch of
// q = (a, b, μ_1 … μ_n). The observations x stay on the device; a call copies the q in and
// lp (and the gradients) out, and runs one kernel:
//   pooling_kernel: a block per row b. Every thread makes the hyper-parameters' constants
//   from (a, b) itself (a few exp and log1p, cheaper than a broadcast through shared memory
//   and a barrier), then takes objects i = threadIdx.x, + threads, …: writes ∂lp/∂μ_i and
//   adds μ_i's terms to its own (S₁, S₂, D₂) in double; cub::BlockReduce adds the threads'
//   sums in its fixed tree (deterministic); thread 0 finishes lp and ∂lp/∂a, ∂lp/∂b.
// The arithmetic is partial_pooling_math.hpp's, the CPU's own; only the order in which the
// objects' terms are added differs from the CPU's index order.
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ismc/kernels/cuda_check.cuh"
#include "ismc/kernels/device_memory.cuh"
#include "ismc/kernels/launch_limits.cuh"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/error.hpp"
#include "models/partial_pooling_math.hpp"
#include "models/partial_pooling_cuda.hpp"

namespace ismc::detail {

namespace {

constexpr int pooling_threads = 256;  // threads sharing one row's objects
// Rows per launch: their q and gradients stay under this many doubles each (64 MiB).
constexpr std::size_t max_rows_doubles = std::size_t{8} << 20;

struct add_sums {
  __device__ pooling_sums operator()(const pooling_sums& first, const pooling_sums& second) const {
    return add_pooling_sums(first, second);
  }
};

// blockIdx.x: row b of the launch's q (rows × dim, row-major, dim = objects + 2). Writes
// lp[b] and, with_gradient, gradients[b · dim … (b + 1) · dim).
template <bool with_gradient>
__global__ void __launch_bounds__(pooling_threads)
    pooling_kernel(const double* __restrict__ x, std::uint64_t objects, double inv_alpha2,
                   const double* __restrict__ q, double* __restrict__ lp,
                   double* __restrict__ gradients) {
  using block_reduce = cub::BlockReduce<pooling_sums, pooling_threads>;
  __shared__ typename block_reduce::TempStorage reduce_storage;

  const std::uint64_t dim = objects + 2;
  const std::uint64_t row = blockIdx.x;
  const double* q_row = q + row * dim;
  const double a = q_row[0], b = q_row[1];
  const pooling_hyper hyper = make_pooling_hyper(a, b);

  pooling_sums partial = empty_pooling_sums();
  for (std::uint64_t i = threadIdx.x; i < objects; i += pooling_threads) {
    const double mu_gradient = add_pooling_object(hyper, q_row[2 + i], x[i], inv_alpha2, partial);
    if (with_gradient) gradients[row * dim + 2 + i] = mu_gradient;
  }
  const pooling_sums total = block_reduce(reduce_storage).Reduce(partial, add_sums{});
  if (threadIdx.x == 0) {
    lp[row] =
        finish_pooling_log_density(a, b, hyper, total, static_cast<double>(objects), inv_alpha2,
                                   with_gradient ? gradients + row * dim : nullptr);
  }
}

class cuda_partial_pooling_density final : public batched_log_density {
 public:
  cuda_partial_pooling_density(const std::vector<double>& x, double alpha)
      : objects_(x.size()), inv_alpha2_(1.0 / (alpha * alpha)) {
    ISMC_CUDA_CHECK(cudaSetDevice(device_));
    stream_ = std::make_unique<cuda_stream>();
    d_x_.reserve(objects_);
    copy_to_device(d_x_.get(), x.data(), objects_);
    const std::size_t dim = objects_ + 2;
    rows_per_launch_ = std::min(max_grid_x, std::max<std::size_t>(1, max_rows_doubles / dim));
  }

  cuda_partial_pooling_density(const cuda_partial_pooling_density&) = delete;
  cuda_partial_pooling_density& operator=(const cuda_partial_pooling_density&) = delete;

  std::size_t dim() const override { return objects_ + 2; }

  std::vector<std::string> names() const override { return pooling_coordinate_names(objects_); }

  bool has_gradient() const override { return true; }

  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    evaluate(thetas, batch, out, nullptr, hooks);
  }

  void log_density_gradient(const double* thetas, std::size_t batch, double* out, double* gradients,
                            const run_hooks& hooks) const override {
    evaluate(thetas, batch, out, gradients, hooks);
  }

 private:
  void evaluate(const double* thetas, std::size_t batch, double* out, double* gradients,
                const run_hooks& hooks) const {
    hooks.check_interrupt();
    if (batch == 0) return;
    const std::size_t dim = objects_ + 2;
    const bool with_gradient = gradients != nullptr;

    std::lock_guard<std::mutex> lock(mutex_);  // one call at a time owns the buffers
    ISMC_CUDA_CHECK(cudaSetDevice(device_));
    const std::size_t launch_rows = std::min(rows_per_launch_, batch);
    d_q_.reserve(launch_rows * dim);
    d_lp_.reserve(launch_rows);
    h_q_.reserve(launch_rows * dim);
    h_lp_.reserve(launch_rows);
    if (with_gradient) {
      d_gradients_.reserve(launch_rows * dim);
      h_gradients_.reserve(launch_rows * dim);
    }

    for (std::size_t first = 0; first < batch; first += launch_rows) {
      hooks.check_interrupt();
      const std::size_t rows = std::min(launch_rows, batch - first);
      const std::size_t values = rows * dim;
      std::memcpy(h_q_.get(), thetas + first * dim, values * sizeof(double));
      ISMC_CUDA_CHECK(cudaMemcpyAsync(d_q_.get(), h_q_.get(), values * sizeof(double),
                                      cudaMemcpyHostToDevice, stream_->get()));
      if (with_gradient) {
        pooling_kernel<true><<<static_cast<unsigned>(rows), pooling_threads, 0, stream_->get()>>>(
            d_x_.get(), objects_, inv_alpha2_, d_q_.get(), d_lp_.get(), d_gradients_.get());
      } else {
        pooling_kernel<false><<<static_cast<unsigned>(rows), pooling_threads, 0, stream_->get()>>>(
            d_x_.get(), objects_, inv_alpha2_, d_q_.get(), d_lp_.get(), nullptr);
      }
      ISMC_CUDA_CHECK(cudaGetLastError());
      ISMC_CUDA_CHECK(cudaMemcpyAsync(h_lp_.get(), d_lp_.get(), rows * sizeof(double),
                                      cudaMemcpyDeviceToHost, stream_->get()));
      if (with_gradient) {
        ISMC_CUDA_CHECK(cudaMemcpyAsync(h_gradients_.get(), d_gradients_.get(),
                                        values * sizeof(double), cudaMemcpyDeviceToHost,
                                        stream_->get()));
      }
      ISMC_CUDA_CHECK(cudaStreamSynchronize(stream_->get()));
      std::memcpy(out + first, h_lp_.get(), rows * sizeof(double));
      if (with_gradient) {
        std::memcpy(gradients + first * dim, h_gradients_.get(), values * sizeof(double));
      }
    }
  }

  int device_ = 0;
  std::size_t objects_;
  double inv_alpha2_;  // 1/α², made on the host as the CPU makes it
  std::size_t rows_per_launch_ = 1;
  std::unique_ptr<cuda_stream> stream_;  // made after cudaSetDevice
  device_buffer<double> d_x_;
  // Per-call buffers, grown on demand under mutex_.
  mutable std::mutex mutex_;
  mutable device_buffer<double> d_q_;
  mutable device_buffer<double> d_lp_;
  mutable device_buffer<double> d_gradients_;
  mutable pinned_buffer<double> h_q_;
  mutable pinned_buffer<double> h_lp_;
  mutable pinned_buffer<double> h_gradients_;
};

}  // namespace

std::unique_ptr<batched_log_density> make_cuda_partial_pooling_density(const std::vector<double>& x,
                                                                       double alpha) {
  return std::make_unique<cuda_partial_pooling_density>(x, alpha);
}

}  // namespace ismc::detail

// The hyper-likelihood posterior of population inference on a CUDA device. The samples
// stay on the device; a call evaluates every θ inside the priors in two kernels:
//   1. object_terms_kernel: a block per (object i, tile of θ) streams object i's samples
//      once, every thread holding one running (max, Σe, Σe²) accumulator per θ of the tile
//      (population_math.hpp, the CPU's own arithmetic), merges them across the block with
//      cub::BlockReduce, and writes ln L̂_i and σ²_i = 1/ESS_i − 1/S_i of each θ;
//   2. sum_objects_kernel: a block per θ adds those over the objects, in double, each thread
//      a fixed stride of objects and then CUB's fixed tree: deterministic.
// No objects × samples × θ array exists: the scratch is objects × θ. The priors, the
// variance cut and the rules for −∞ and NaN are applied on the host by the functions the
// CPU's hyper_likelihood_posterior calls too (src/population/hyper_likelihood_finish.hpp).
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ismc/kernels/cuda_check.cuh"
#include "ismc/kernels/device_memory.cuh"
#include "ismc/kernels/launch_limits.cuh"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/error.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "population/population_math.hpp"
#include "population/hyper_likelihood_cuda.hpp"
#include "population/hyper_likelihood_finish.hpp"

namespace ismc::detail {

namespace {

constexpr int object_threads = 128;  // threads streaming one object's samples
constexpr int thetas_per_tile = 8;   // θ sharing one pass over an object's samples
constexpr int sum_threads = 256;     // threads adding one θ's objects
// Scratch for the per-object terms of one launch: at most this many doubles (64 MiB).
constexpr std::size_t max_scratch_doubles = std::size_t{8} << 20;

struct merge_weights {
  __device__ log_weight_accumulator operator()(log_weight_accumulator a,
                                               const log_weight_accumulator& b) const {
    a.merge(b);
    return a;
  }
};

// One (object, θ) term pair: ln L̂_i and σ²_i.
struct object_term {
  double log_mean;
  double variance;
};

struct add_terms {
  __device__ object_term operator()(const object_term& a, const object_term& b) const {
    return {a.log_mean + b.log_mean, a.variance + b.variance};
  }
};

// blockIdx.x: object i; blockIdx.y: tile of θ [thetas_per_tile · y, … + thetas_per_tile) of
// the launch's `thetas` θ. Writes terms[θ · objects + i].
template <bool with_log_p0>
__global__ void __launch_bounds__(object_threads)
    object_terms_kernel(const double* __restrict__ values, const double* __restrict__ log_p0,
                        const std::uint64_t* __restrict__ offsets, std::uint64_t objects,
                        const hyper_normal* __restrict__ normals, int thetas,
                        object_term* __restrict__ terms) {
  using block_reduce = cub::BlockReduce<log_weight_accumulator, object_threads>;
  __shared__ typename block_reduce::TempStorage reduce_storage;

  const std::uint64_t i = blockIdx.x;
  const int first_theta = static_cast<int>(blockIdx.y) * thetas_per_tile;
  const int tile = min(thetas_per_tile, thetas - first_theta);
  hyper_normal theta[thetas_per_tile];
#pragma unroll
  for (int t = 0; t < thetas_per_tile; ++t) {
    if (t < tile) theta[t] = normals[first_theta + t];
  }

  log_weight_accumulator weights[thetas_per_tile];
  const std::uint64_t begin = offsets[i], end = offsets[i + 1];
  for (std::uint64_t n = begin + threadIdx.x; n < end; n += object_threads) {
    const double mu = values[n];
    const double log_interim = with_log_p0 ? log_p0[n] : 0.0;
#pragma unroll
    for (int t = 0; t < thetas_per_tile; ++t) {
      if (t < tile) {
        weights[t].add(with_log_p0 ? log_weight(theta[t], mu, log_interim)
                                   : log_weight(theta[t], mu));
      }
    }
  }

  const double samples = static_cast<double>(end - begin);
#pragma unroll
  for (int t = 0; t < thetas_per_tile; ++t) {
    if (t < tile) {
      const log_weight_accumulator total =
          block_reduce(reduce_storage).Reduce(weights[t], merge_weights{});
      if (threadIdx.x == 0) {
        terms[static_cast<std::uint64_t>(first_theta + t) * objects + i] = {
            total.log_mean(samples), log_likelihood_variance_term(total.ess(), samples)};
      }
      __syncthreads();  // reduce_storage is reused by the next θ
    }
  }
}

// blockIdx.x: θ; sums[θ] = Σ_i terms[θ · objects + i].
__global__ void __launch_bounds__(sum_threads)
    sum_objects_kernel(const object_term* __restrict__ terms, std::uint64_t objects,
                       object_term* __restrict__ sums) {
  using block_reduce = cub::BlockReduce<object_term, sum_threads>;
  __shared__ typename block_reduce::TempStorage reduce_storage;
  const object_term* row = terms + static_cast<std::uint64_t>(blockIdx.x) * objects;
  object_term partial{0.0, 0.0};
  for (std::uint64_t i = threadIdx.x; i < objects; i += sum_threads) {
    partial.log_mean += row[i].log_mean;
    partial.variance += row[i].variance;
  }
  const object_term total = block_reduce(reduce_storage).Reduce(partial, add_terms{});
  if (threadIdx.x == 0) sums[blockIdx.x] = total;
}

class cuda_hyper_likelihood final : public batched_log_density {
 public:
  cuda_hyper_likelihood(const population_samples& samples, double variance_cut)
      : variance_cut_(variance_cut),
        objects_(samples.objects()),
        with_log_p0_(!samples.log_p0.empty()) {
    ISMC_CUDA_CHECK(cudaSetDevice(device_));
    stream_ = std::make_unique<cuda_stream>();
    d_values_.reserve(samples.values.size());
    d_log_p0_.reserve(samples.log_p0.size());
    d_offsets_.reserve(samples.offsets.size());
    ISMC_CUDA_CHECK(cudaMemcpy(d_values_.get(), samples.values.data(),
                               samples.values.size() * sizeof(double), cudaMemcpyHostToDevice));
    if (with_log_p0_) {
      ISMC_CUDA_CHECK(cudaMemcpy(d_log_p0_.get(), samples.log_p0.data(),
                                 samples.log_p0.size() * sizeof(double), cudaMemcpyHostToDevice));
    }
    const std::vector<std::uint64_t> offsets(samples.offsets.begin(), samples.offsets.end());
    ISMC_CUDA_CHECK(cudaMemcpy(d_offsets_.get(), offsets.data(),
                               offsets.size() * sizeof(std::uint64_t), cudaMemcpyHostToDevice));
    // θ per launch: the scratch of per-object terms stays under max_scratch_doubles, the
    // grid's y under its limit; a multiple of the tile.
    const std::size_t by_scratch = max_scratch_doubles / (2 * objects_);
    const std::size_t by_grid = max_grid_y * thetas_per_tile;
    thetas_per_launch_ = std::max<std::size_t>(
        thetas_per_tile, std::min(by_scratch, by_grid) / thetas_per_tile * thetas_per_tile);
  }

  cuda_hyper_likelihood(const cuda_hyper_likelihood&) = delete;
  cuda_hyper_likelihood& operator=(const cuda_hyper_likelihood&) = delete;

  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"theta_mu", "theta_sigma"}; }

  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    hyper_posterior_log_density(
        thetas, batch, variance_cut_, out,
        [&](const double* inside, std::size_t count, hyper_likelihood_value* values) {
          evaluate(inside, count, values, hooks);
        });
  }

 private:
  // ln L̂ and σ² (finished: finish_hyper_likelihood) at `n_thetas` θ inside the priors. Their
  // normals' constants are made on the host by the CPU's own function, so both backends use
  // the same bits.
  void evaluate(const double* thetas, std::size_t n_thetas, hyper_likelihood_value* values,
                const run_hooks& hooks) const {
    std::vector<hyper_normal> normals;
    std::vector<std::size_t> where;
    normals.reserve(n_thetas);
    where.reserve(n_thetas);
    for (std::size_t n = 0; n < n_thetas; ++n) {
      hyper_normal normal;
      if (make_hyper_normal(thetas[2 * n], thetas[2 * n + 1], &normal)) {
        normals.push_back(normal);
        where.push_back(n);
      } else {
        values[n] = finish_hyper_likelihood(-HUGE_VAL, HUGE_VAL);  // not a normal: ln L̂ = −∞
      }
    }
    if (normals.empty()) return;

    std::lock_guard<std::mutex> lock(mutex_);  // one call at a time owns the scratch
    ISMC_CUDA_CHECK(cudaSetDevice(device_));
    const std::size_t launch_thetas = std::min(thetas_per_launch_, normals.size());
    d_normals_.reserve(launch_thetas);
    d_terms_.reserve(launch_thetas * objects_);
    d_sums_.reserve(launch_thetas);
    h_normals_.reserve(launch_thetas);
    h_sums_.reserve(launch_thetas);

    for (std::size_t first = 0; first < normals.size(); first += launch_thetas) {
      hooks.check_interrupt();
      const std::size_t count = std::min(launch_thetas, normals.size() - first);
      std::copy(normals.begin() + static_cast<std::ptrdiff_t>(first),
                normals.begin() + static_cast<std::ptrdiff_t>(first + count), h_normals_.get());
      ISMC_CUDA_CHECK(cudaMemcpyAsync(d_normals_.get(), h_normals_.get(),
                                      count * sizeof(hyper_normal), cudaMemcpyHostToDevice,
                                      stream_->get()));
      const dim3 grid(static_cast<unsigned>(objects_),
                      static_cast<unsigned>((count + thetas_per_tile - 1) / thetas_per_tile));
      if (with_log_p0_) {
        object_terms_kernel<true><<<grid, object_threads, 0, stream_->get()>>>(
            d_values_.get(), d_log_p0_.get(), d_offsets_.get(), objects_, d_normals_.get(),
            static_cast<int>(count), d_terms_.get());
      } else {
        object_terms_kernel<false><<<grid, object_threads, 0, stream_->get()>>>(
            d_values_.get(), nullptr, d_offsets_.get(), objects_, d_normals_.get(),
            static_cast<int>(count), d_terms_.get());
      }
      ISMC_CUDA_CHECK(cudaGetLastError());
      sum_objects_kernel<<<static_cast<unsigned>(count), sum_threads, 0, stream_->get()>>>(
          d_terms_.get(), objects_, d_sums_.get());
      ISMC_CUDA_CHECK(cudaGetLastError());
      ISMC_CUDA_CHECK(cudaMemcpyAsync(h_sums_.get(), d_sums_.get(), count * sizeof(object_term),
                                      cudaMemcpyDeviceToHost, stream_->get()));
      ISMC_CUDA_CHECK(cudaStreamSynchronize(stream_->get()));

      for (std::size_t k = 0; k < count; ++k) {
        const object_term sum = h_sums_.get()[k];
        values[where[first + k]] = finish_hyper_likelihood(sum.log_mean, sum.variance);
      }
    }
  }

  int device_ = 0;
  double variance_cut_;
  std::size_t objects_;
  bool with_log_p0_;
  std::size_t thetas_per_launch_ = thetas_per_tile;
  std::unique_ptr<cuda_stream> stream_;  // made after cudaSetDevice
  device_buffer<double> d_values_;
  device_buffer<double> d_log_p0_;
  device_buffer<std::uint64_t> d_offsets_;
  // Per-call scratch, grown on demand under mutex_.
  mutable std::mutex mutex_;
  mutable device_buffer<hyper_normal> d_normals_;
  mutable device_buffer<object_term> d_terms_;
  mutable device_buffer<object_term> d_sums_;
  mutable pinned_buffer<hyper_normal> h_normals_;
  mutable pinned_buffer<object_term> h_sums_;
};

}  // namespace

std::unique_ptr<batched_log_density> make_cuda_hyper_likelihood(const population_samples& samples,
                                                                double variance_cut) {
  return std::make_unique<cuda_hyper_likelihood>(samples, variance_cut);
}

}  // namespace ismc::detail

// The CUDA backend. Kernels map threads to (target, simulation) and reduce; the math
// (Philox, Box–Muller, the model and test) is the shared __host__ __device__ code.
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rates/cpu_backend.hpp"
#include "cuda_check.cuh"
#include "device_family.cuh"
#include "device_memory.cuh"
#include "launch_limits.cuh"
#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"
#include "core/devices_cuda.hpp"
#include "rates/backend_cuda.hpp"

namespace ismc::detail {

namespace {

using gaussian::max_dim;

// Plain Monte Carlo for a family, fused: simulate, decide, count. No sample is written to
// memory. blockIdx.y is the target; threads stride over simulations [sim_begin, sim_end).
// The sample lives in a local array of the family's bound (registers when the bound is a
// small compile-time constant, as for the fixed-dimension Gaussian families).
template <class Family>
__global__ void count_rejections_kernel(Family family, const double* targets, std::uint64_t seed,
                                        bool common_random_numbers, std::uint64_t sim_begin,
                                        std::uint64_t sim_end, std::uint32_t target_offset,
                                        std::uint64_t first_target, unsigned long long* counts) {
  using block_reduce = cub::BlockReduce<unsigned long long, rates_threads_per_block>;
  __shared__ typename block_reduce::TempStorage reduce_storage;
  const std::uint32_t j = target_offset + blockIdx.y;
  const double* theta = targets + static_cast<std::size_t>(j) * family.parameter_size();
  const random_stream stream{seed, streams::target(first_target + j, common_random_numbers)};
  double x[Family::max_sample_size];
  unsigned long long rejections = 0;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i =
           sim_begin + static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < sim_end; i += stride) {
    family.simulate(theta, stream, i, x);
    rejections += family.rejects(x) ? 1ull : 0ull;
  }
  const unsigned long long block_total = block_reduce(reduce_storage).Sum(rejections);
  if (threadIdx.x == 0 && block_total > 0) atomicAdd(counts + j, block_total);
}

// The arguments of one launch of count_rejections_kernel.
struct count_launch {
  dim3 grid;
  const double* targets;
  std::uint64_t seed;
  bool common_random_numbers;
  std::uint64_t sim_begin, sim_end;
  std::uint32_t target_offset;
  std::uint64_t first_target;  // the study's index of target 0, for its stream
  unsigned long long* counts;
};

template <class Family>
void launch_count(const Family& family, const count_launch& at) {
  count_rejections_kernel<Family><<<at.grid, rates_threads_per_block>>>(
      family, at.targets, at.seed, at.common_random_numbers, at.sim_begin, at.sim_end,
      at.target_offset, at.first_target, at.counts);
}

template <int Dim>
void launch_fixed_gaussian(const gaussian_location_test& family, const count_launch& at) {
  const basic_gaussian_location_test<Dim> fixed{Dim, family.kind, family.critical};
  launch_count(fixed, at);
}

// The Gaussian tests: compiled for d = 1 … 4 (the sample in registers), run-time d beyond.
void launch_count(const gaussian_location_test& family, const count_launch& at) {
  switch (family.dim) {
    case 1:
      return launch_fixed_gaussian<1>(family, at);
    case 2:
      return launch_fixed_gaussian<2>(family, at);
    case 3:
      return launch_fixed_gaussian<3>(family, at);
    case 4:
      return launch_fixed_gaussian<4>(family, at);
    default:
      count_rejections_kernel<gaussian_location_test><<<at.grid, rates_threads_per_block>>>(
          family, at.targets, at.seed, at.common_random_numbers, at.sim_begin, at.sim_end,
          at.target_offset, at.first_target, at.counts);
  }
}

__global__ void random_bits_kernel(random_stream s, std::uint64_t sims, std::uint32_t block,
                                   std::uint32_t* out) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= sims) return;
  const philox_block bits = random_bits(s, i, block);
  for (int w = 0; w < 4; ++w) out[4 * i + w] = bits.v[w];
}

__global__ void standard_normals_kernel(random_stream s, std::uint64_t sims, int count,
                                        double* out) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= sims) return;
  double z[max_dim];
  standard_normals(s, i, z, count);
  for (int n = 0; n < count; ++n) out[static_cast<std::size_t>(i) * count + n] = z[n];
}

unsigned blocks_for(std::uint64_t items) {
  return static_cast<unsigned>((items + rates_threads_per_block - 1) / rates_threads_per_block);
}

// Runs `run(model_of_family)` with `model` as the family_model of the first family in
// `families` it is, and returns true; false when the stage runs on the host. The decision
// is stage_place's (rates/backend.hpp), the one the study records in `stages`. A model with
// a device form is a family_model of a family the kernels were compiled for
// (compiled_for_device), whose device-visible behaviour is sealed (`final`); any other
// model that claims one is refused rather than run wrongly.
template <class Run>
bool run_on_device(const model&, rates_stage, Run&, family_list<>) {
  return false;
}

template <class Run, class Family, class... Rest>
bool run_on_device(const model& model, rates_stage stage, Run& run, family_list<Family, Rest...>) {
  if (const auto* of_family = dynamic_cast<const family_model<Family>*>(&model)) {
    run(*of_family);
    return true;
  }
  return run_on_device(model, stage, run, family_list<Rest...>{});
}

template <class Run>
bool run_on_device(const model& model, rates_stage stage, Run run) {
  if (stage_place("cuda", model.has_device_form(), stage) != "cuda") return false;
  if (run_on_device(model, stage, run, device_families{})) return true;
  throw usage_error("model '" + model.name() +
                    "' says it has a device form, but the CUDA backend has kernels only for "
                    "the families it was compiled for (family_model of a compiled_for_device "
                    "family)");
}

class cuda_backend final : public backend {
 public:
  cuda_backend() {
    ISMC_CUDA_CHECK(cudaSetDevice(0));
    cudaDeviceProp properties{};
    ISMC_CUDA_CHECK(cudaGetDeviceProperties(&properties, 0));
    multiprocessors_ = properties.multiProcessorCount;
  }

  std::string name() const override { return "cuda"; }

  // Plain Monte Carlo of `family` on the device, in slices of simulations so that progress
  // and interruption stay responsive.
  template <class Family>
  void count_on_device(const Family& family, const double* targets, std::size_t n_targets,
                       std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                       bool common_random_numbers, std::uint64_t* counts, const run_hooks& hooks) {
    const std::size_t dim = static_cast<std::size_t>(family.parameter_size());
    const device_family<Family> on_device(family);  // its tables uploaded, if any
    device_buffer<double> d_targets(n_targets * dim);
    device_buffer<unsigned long long> d_counts(n_targets);
    copy_to_device(d_targets.get(), targets, n_targets * dim);
    ISMC_CUDA_CHECK(cudaMemset(d_counts.get(), 0, n_targets * sizeof(unsigned long long)));
    const unsigned grid_x = std::min<unsigned>(blocks_for(std::min(sims, rates_samples_per_launch)),
                                               static_cast<unsigned>(multiprocessors_) * 32u);
    for (std::size_t first = 0; first < n_targets; first += max_grid_y) {
      const std::size_t tile = std::min(max_grid_y, n_targets - first);
      for (std::uint64_t begin = 0; begin < sims; begin += rates_samples_per_launch) {
        hooks.check_interrupt();
        const std::uint64_t end = std::min(sims, begin + rates_samples_per_launch);
        const count_launch at{dim3(grid_x, static_cast<unsigned>(tile)),
                              d_targets.get(),
                              seed,
                              common_random_numbers,
                              begin,
                              end,
                              static_cast<std::uint32_t>(first),
                              first_target,
                              d_counts.get()};
        launch_count(on_device.family, at);
        ISMC_CUDA_CHECK(cudaGetLastError());
        ISMC_CUDA_CHECK(cudaDeviceSynchronize());
        hooks.advance((end - begin) * tile);
      }
    }
    std::vector<unsigned long long> host_counts(n_targets);
    copy_to_host(host_counts.data(), d_counts.get(), n_targets);
    for (std::size_t j = 0; j < n_targets; ++j) counts[j] = host_counts[j];
  }

  using backend::count_rejections;
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                        bool common_random_numbers, std::uint64_t* counts,
                        const run_hooks& hooks) override {
    // A model without a device form runs on the host (the study records and warns).
    const bool ran = run_on_device(model, rates_stage::plain, [&](const auto& of_family) {
      count_on_device(of_family.family(), targets, n_targets, first_target, sims, seed,
                      common_random_numbers, counts, hooks);
    });
    if (!ran) {
      host_.count_rejections(model, targets, n_targets, first_target, sims, seed,
                             common_random_numbers, counts, hooks);
    }
  }

  // The importance stages run on the device for a model with a device form
  // (kernels/importance.cu); any other model runs them on the host (the CPU reference), so
  // a study with a custom model still runs under `--backend cuda`, and the study's
  // `stages` record and warning say where.
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                          double keep_fraction, std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) override {
    const bool ran = run_on_device(model, rates_stage::pilot, [&](const auto& of_family) {
      cuda_collect_rejections(of_family, params, n_params, sims, seed, common_random_numbers,
                              keep_fraction, samples, counts, hooks);
    });
    if (ran) return;
    host_.collect_rejections(model, params, n_params, sims, seed, common_random_numbers,
                             keep_fraction, samples, counts, hooks);
  }
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                            const double* centres, std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) override {
    const bool ran = run_on_device(model, rates_stage::labelling, [&](const auto& of_family) {
      cuda_count_nearest_centre(of_family, params, n_params, sims, seed, common_random_numbers,
                                centres, n_centres, counts, hooks);
    });
    if (ran) return;
    host_.count_nearest_centre(model, params, n_params, sims, seed, common_random_numbers, centres,
                               n_centres, counts, hooks);
  }
  void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                          double* sum_squares, const run_hooks& hooks) override {
    const bool ran = run_on_device(model, rates_stage::four_index, [&](const auto& of_family) {
      cuda_mixture_accumulate(of_family, problem, sum, sum_squares, hooks);
    });
    if (ran) return;
    host_.mixture_accumulate(model, problem, sum, sum_squares, hooks);
  }

 private:
  int multiprocessors_ = 1;
  cpu_backend host_;
};

}  // namespace

std::unique_ptr<backend> make_cuda_backend() { return std::make_unique<cuda_backend>(); }

std::vector<std::uint32_t> device_random_bits(random_stream s, std::uint64_t sims,
                                              std::uint32_t block) {
  device_buffer<std::uint32_t> d_out(4 * sims);
  random_bits_kernel<<<blocks_for(sims), rates_threads_per_block>>>(s, sims, block, d_out.get());
  ISMC_CUDA_CHECK(cudaGetLastError());
  std::vector<std::uint32_t> out(4 * sims);
  copy_to_host(out.data(), d_out.get(), out.size());
  return out;
}

std::vector<double> device_standard_normals(random_stream s, std::uint64_t sims, int count) {
  if (count < 1 || count > max_dim) throw usage_error("device_standard_normals: bad count");
  device_buffer<double> d_out(sims * static_cast<std::uint64_t>(count));
  standard_normals_kernel<<<blocks_for(sims), rates_threads_per_block>>>(s, sims, count,
                                                                         d_out.get());
  ISMC_CUDA_CHECK(cudaGetLastError());
  std::vector<double> out(d_out.size());
  copy_to_host(out.data(), d_out.get(), out.size());
  return out;
}

}  // namespace ismc::detail

#pragma once
/// @file kernels/family_kernels.cuh
/// @brief The rates kernels as templates on a family (rates/family.hpp), for nvcc: plain Monte
/// Carlo, the pilot's collecting and labelling, and the importance stage's four-index sums.
///
/// The library instantiates them for its own families (kernels/cuda_backend.cu,
/// kernels/importance.cu); a program instantiates them for a family of its own by compiling
/// this header in its own `.cu` file, through `family_cuda_backend<Family>` (below), which
/// `register_model<Family>` (rates/registry.hpp) attaches to the family's model when nvcc
/// compiles the registration. Included by a host compiler, this header is empty, so one
/// source file builds for the GPU with nvcc and for the CPU alone without it.
///
/// Kernels map threads to indices and reduce; the math is the shared `ISMC_HD` code (the
/// family's simulate, rejects, log_density_ratio and cluster point; rates/mixture_math.hpp:
/// mixture_term, nearest_centre, keep_in_pool), the same functions the CPU backend calls.
///
///   count_rejections_kernel  blockIdx.y a target, threads striding over its simulations:
///                            simulate, decide, count (CUB block sum, one atomic per block).
///   collect_kernel           blockIdx.y a parameter j of the slice, threads striding over its
///                            simulations: simulate, decide, draw the keep decision, write one
///                            flag per (j, i) in (j, i) order, count rejections.
///                            cub::DeviceSelect::Flagged then compacts the flagged indices
///                            stably; the host simulates those samples again
///                            (`resimulate_kept_samples`), so the pool is the CPU's bit for bit.
///   nearest_centre_kernel    the same mapping; per rejected sample the nearest centre, counted
///                            in shared memory (integers: exact in any order), flushed per block.
///   mixture_kernel           the "four-index" computation, fused: blockIdx.y a weight entry
///                            e = (j, k) of the chunk, blockIdx.x a slice of proposal k's
///                            simulations; target j's log weights and support parameters (and
///                            θ_j) staged in shared memory; per-thread sums in double, a CUB
///                            block reduction, one partial per block; add_partials_kernel adds a
///                            chunk's partials in block order into the entry's running totals,
///                            launch after launch in order: deterministic on a given device.
///
/// Compile with `--expt-relaxed-constexpr` and `--fmad=false` (no FMA contraction, so that
/// device arithmetic follows the host's expression order), as the library's kernels are;
/// `ismc_add_model_executable` (the installed CMake package) sets both.

#if defined(__CUDACC__)

#include <cub/block/block_reduce.cuh>
#include <cub/device/device_select.cuh>
#include <thrust/iterator/counting_iterator.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/kernels/cuda_check.cuh"
#include "ismc/kernels/device_family.cuh"
#include "ismc/kernels/device_memory.cuh"
#include "ismc/kernels/launch_limits.cuh"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/mixture_math.hpp"

namespace ismc::detail {

// Dynamic shared memory a block stages (centres, or a target's support), leaving room under
// the 48 KiB default for CUB's reduction storage. Beyond it, kernels read global memory.
inline constexpr std::size_t staged_budget_bytes = 40 * 1024;
// Pilot flags per compaction slice: 16 MiB of flags and 64 MiB of selected indices at most.
inline constexpr std::uint64_t flags_per_slice = std::uint64_t{1} << 24;
// Device memory of one tile of mixture targets (their entries' parameters, log weights,
// streams and sums).
inline constexpr std::size_t tile_budget_bytes = std::size_t{64} << 20;


// Waits for the launches so far and reports a failed launch or kernel.
inline void finish_launches() {
  ISMC_CUDA_CHECK(cudaGetLastError());
  ISMC_CUDA_CHECK(cudaDeviceSynchronize());
}

inline std::uint64_t blocks_for(std::uint64_t items) {
  return (items + rates_threads_per_block - 1) / rates_threads_per_block;
}

// Blocks along x for `rows` rows of `items` items each: enough for about 32 blocks per
// multiprocessor in all, at least 1, and no more than the items need.
inline unsigned blocks_per_row(std::size_t rows, std::uint64_t items) {
  int device = 0, multiprocessors = 1;
  ISMC_CUDA_CHECK(cudaGetDevice(&device));
  ISMC_CUDA_CHECK(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device));
  const std::uint64_t wanted = static_cast<std::uint64_t>(multiprocessors) * 32u;
  const std::uint64_t per_row = (wanted + rows - 1) / rows;
  return static_cast<unsigned>(std::max<std::uint64_t>(1, std::min(per_row, blocks_for(items))));
}

// Random streams of parameters [0, n_params): `stream_of(j)` for each, as the host computes them.
template <class StreamOf>
std::vector<std::uint32_t> stream_table(std::size_t n_params, StreamOf stream_of) {
  std::vector<std::uint32_t> table(n_params);
  for (std::size_t j = 0; j < n_params; ++j) table[j] = stream_of(j);
  return table;
}

// ---------------------------------------------------------------------------------------
// Plain Monte Carlo.

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

/// backend::count_rejections on the device for `family` (a family value, its tables
/// uploaded here): in slices of simulations so that progress and interruption stay responsive.
template <class Family>
void cuda_count_rejections(const Family& family, const double* targets, std::size_t n_targets,
                           std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                           bool common_random_numbers, std::uint64_t* counts,
                           const run_hooks& hooks) {
  const std::size_t dim = static_cast<std::size_t>(family.parameter_size());
  const device_family<Family> on_device(family);  // its tables uploaded, if any
  device_buffer<double> d_targets(n_targets * dim);
  device_buffer<unsigned long long> d_counts(n_targets);
  copy_to_device(d_targets.get(), targets, n_targets * dim);
  ISMC_CUDA_CHECK(cudaMemset(d_counts.get(), 0, n_targets * sizeof(unsigned long long)));
  int device = 0, multiprocessors = 1;
  ISMC_CUDA_CHECK(cudaGetDevice(&device));
  ISMC_CUDA_CHECK(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device));
  const unsigned grid_x = static_cast<unsigned>(
      std::min<std::uint64_t>(blocks_for(std::min(sims, rates_samples_per_launch)),
                              static_cast<std::uint64_t>(multiprocessors) * 32u));
  for (std::size_t first = 0; first < n_targets; first += max_grid_y) {
    const std::size_t tile = std::min(max_grid_y, n_targets - first);
    for (std::uint64_t begin = 0; begin < sims; begin += rates_samples_per_launch) {
      hooks.check_interrupt();
      const std::uint64_t end = std::min(sims, begin + rates_samples_per_launch);
      count_rejections_kernel<Family>
          <<<dim3(grid_x, static_cast<unsigned>(tile)), rates_threads_per_block>>>(
              on_device.family, d_targets.get(), seed, common_random_numbers, begin, end,
              static_cast<std::uint32_t>(first), first_target, d_counts.get());
      finish_launches();
      hooks.advance((end - begin) * tile);
    }
  }
  std::vector<unsigned long long> host_counts(n_targets);
  copy_to_host(host_counts.data(), d_counts.get(), n_targets);
  for (std::size_t j = 0; j < n_targets; ++j) counts[j] = host_counts[j];
}

// ---------------------------------------------------------------------------------------
// Pilot, collecting.

// blockIdx.y: parameter j = param_begin + y; threads stride over simulations
// [sim_begin, sim_end). keep[y · span + (i − sim_begin)] = 1 when sample i of parameter j is
// rejected and kept (span = sim_end − sim_begin: the flags are in (j, i) order); the
// rejections are added to counts[j]. The keep rule is the CPU's: keep_in_pool.
template <class Family>
__global__ void __launch_bounds__(rates_threads_per_block)
    collect_kernel(Family family, const double* __restrict__ params, std::uint64_t seed,
                   const std::uint32_t* __restrict__ sim_streams,
                   const std::uint32_t* __restrict__ keep_streams, double keep_fraction,
                   std::size_t param_begin, std::uint64_t sim_begin, std::uint64_t sim_end,
                   std::uint8_t* __restrict__ keep, unsigned long long* __restrict__ counts) {
  using block_reduce = cub::BlockReduce<unsigned long long, rates_threads_per_block>;
  __shared__ typename block_reduce::TempStorage reduce_storage;
  const std::size_t j = param_begin + blockIdx.y;
  const double* theta = params + j * static_cast<std::size_t>(family.parameter_size());
  const random_stream stream{seed, sim_streams[j]};
  const random_stream keep_stream{seed, keep_streams[j]};
  std::uint8_t* keep_row = keep + static_cast<std::size_t>(blockIdx.y) * (sim_end - sim_begin);
  double x[Family::max_sample_size];
  unsigned long long rejections = 0;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i =
           sim_begin + static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < sim_end; i += stride) {
    family.simulate(theta, stream, i, x);
    bool kept = false;
    if (family.rejects(x)) {
      ++rejections;
      kept = keep_in_pool(keep_stream, i, keep_fraction);
    }
    keep_row[i - sim_begin] = kept ? 1 : 0;
  }
  const unsigned long long block_total = block_reduce(reduce_storage).Sum(rejections);
  if (threadIdx.x == 0 && block_total > 0) atomicAdd(counts + j, block_total);
}


template <class Family>
void cuda_collect_rejections(const family_model<Family>& model, const double* params,
                             std::size_t n_params, std::size_t first_target, std::uint64_t sims,
                             std::uint64_t seed, bool common_random_numbers, double keep_fraction,
                             std::vector<double>& samples, std::uint64_t* counts,
                             const run_hooks& hooks) {
  const device_family<Family> on_device(model.family());  // its tables uploaded, if any
  const std::size_t dim = model.dim();
  std::fill(counts, counts + n_params, 0);
  if (n_params == 0 || sims == 0) return;

  // Parameter j is the study's target first_target + j: the streams are its.
  const std::vector<std::uint32_t> h_sim_streams = stream_table(n_params, [&](std::size_t j) {
    return streams::target(first_target + j, common_random_numbers);
  });
  const std::vector<std::uint32_t> h_keep_streams =
      stream_table(n_params, [&](std::size_t j) { return streams::subsample(first_target + j); });
  device_buffer<double> d_params(n_params * dim);
  device_buffer<std::uint32_t> d_sim_streams(n_params), d_keep_streams(n_params);
  device_buffer<unsigned long long> d_counts(n_params);
  copy_to_device(d_params.get(), params, n_params * dim);
  copy_to_device(d_sim_streams.get(), h_sim_streams.data(), n_params);
  copy_to_device(d_keep_streams.get(), h_keep_streams.data(), n_params);
  ISMC_CUDA_CHECK(cudaMemset(d_counts.get(), 0, n_params * sizeof(unsigned long long)));

  // Slices in (j, i) order: several whole parameters, or one parameter's range of simulations.
  const std::size_t params_per_slice =
      sims <= flags_per_slice
          ? static_cast<std::size_t>(std::min<std::uint64_t>(max_grid_y, flags_per_slice / sims))
          : 1;
  const std::uint64_t sims_per_slice = std::min(sims, flags_per_slice);
  const std::size_t slice_flags = params_per_slice * sims_per_slice;
  device_buffer<std::uint8_t> d_keep(slice_flags);
  device_buffer<std::uint32_t> d_selected(slice_flags);
  device_buffer<std::int64_t> d_selected_count(1);
  device_buffer<unsigned char> d_select_storage;
  std::vector<std::uint32_t> h_selected;

  for (std::size_t first = 0; first < n_params; first += params_per_slice) {
    const std::size_t tile = std::min(params_per_slice, n_params - first);
    for (std::uint64_t begin = 0; begin < sims; begin += sims_per_slice) {
      hooks.check_interrupt();
      const std::uint64_t end = std::min(sims, begin + sims_per_slice);
      const std::uint64_t span = end - begin;
      const dim3 grid(blocks_per_row(tile, span), static_cast<unsigned>(tile));
      collect_kernel<<<grid, rates_threads_per_block>>>(
          on_device.family, d_params.get(), seed, d_sim_streams.get(), d_keep_streams.get(),
          keep_fraction, first, begin, end, d_keep.get(), d_counts.get());
      ISMC_CUDA_CHECK(cudaGetLastError());

      // Stable compaction of the flat indices f = y · span + (i − begin) that are flagged.
      const std::int64_t n_flags = static_cast<std::int64_t>(tile * span);
      const thrust::counting_iterator<std::uint32_t> flat_index(0);
      std::size_t storage_bytes = 0;
      ISMC_CUDA_CHECK(cub::DeviceSelect::Flagged(nullptr, storage_bytes, flat_index, d_keep.get(),
                                                 d_selected.get(), d_selected_count.get(),
                                                 n_flags));
      d_select_storage.reserve(storage_bytes);
      ISMC_CUDA_CHECK(cub::DeviceSelect::Flagged(d_select_storage.get(), storage_bytes, flat_index,
                                                 d_keep.get(), d_selected.get(),
                                                 d_selected_count.get(), n_flags));
      finish_launches();
      std::int64_t selected = 0;
      copy_to_host(&selected, d_selected_count.get(), 1);
      h_selected.resize(static_cast<std::size_t>(selected));
      copy_to_host(h_selected.data(), d_selected.get(), h_selected.size());

      // The kept samples, simulated again by the host's own code: the CPU's pool bit for bit.
      const kept_samples kept{h_selected.data(), h_selected.size(), first, begin, span,
                              first_target};
      resimulate_kept_samples(model, params, seed, common_random_numbers, kept, hooks.threads,
                              samples);
      hooks.advance(span * tile);
    }
  }
  std::vector<unsigned long long> h_counts(n_params);
  copy_to_host(h_counts.data(), d_counts.get(), n_params);
  for (std::size_t j = 0; j < n_params; ++j) counts[j] = h_counts[j];
}

// ---------------------------------------------------------------------------------------
// Pilot, labelling.


// blockIdx.y: parameter j = param_begin + y; threads stride over simulations
// [sim_begin, sim_end). Each rejected sample adds 1 to counts[j · n_centres + c], c its
// nearest centre. `staged`: the centres and the block's counters live in dynamic shared
// memory (n_centres · (size + 1) doubles); otherwise the centres are read from global
// memory and the counters there are incremented directly.
template <class Family>
__global__ void __launch_bounds__(rates_threads_per_block)
    nearest_centre_kernel(Family family, const double* __restrict__ params, std::uint64_t seed,
                          const std::uint32_t* __restrict__ sim_streams,
                          const double* __restrict__ centres, int n_centres, bool staged,
                          std::size_t param_begin, std::uint64_t sim_begin, std::uint64_t sim_end,
                          unsigned long long* __restrict__ counts) {
  extern __shared__ double staged_memory[];
  const std::size_t j = param_begin + blockIdx.y;
  const double* theta = params + j * static_cast<std::size_t>(family.parameter_size());
  const int point_size = family.natural_size();
  const random_stream stream{seed, sim_streams[j]};
  unsigned long long* const row_counts = counts + j * static_cast<std::size_t>(n_centres);
  const double* centre_table = centres;
  unsigned long long* tally = row_counts;
  if (staged) {
    double* staged_centres = staged_memory;
    auto* staged_counts =
        reinterpret_cast<unsigned long long*>(staged_memory + n_centres * point_size);
    for (int n = threadIdx.x; n < n_centres * point_size; n += blockDim.x) {
      staged_centres[n] = centres[n];
    }
    for (int c = threadIdx.x; c < n_centres; c += blockDim.x) staged_counts[c] = 0;
    __syncthreads();
    centre_table = staged_centres;
    tally = staged_counts;
  }
  double x[Family::max_sample_size];
  double point[Family::max_natural_size];
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i =
           sim_begin + static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < sim_end; i += stride) {
    family.simulate(theta, stream, i, x);
    if (!family.rejects(x)) continue;
    family_cluster_point(family, x, point);
    atomicAdd(tally + nearest_centre(point, centre_table, n_centres, point_size), 1ull);
  }
  if (staged) {
    __syncthreads();
    for (int c = threadIdx.x; c < n_centres; c += blockDim.x) {
      if (tally[c] > 0) atomicAdd(row_counts + c, tally[c]);
    }
  }
}


template <class Family>
void cuda_count_nearest_centre(const family_model<Family>& model, const double* params,
                               std::size_t n_params, std::size_t first_target, std::uint64_t sims,
                               std::uint64_t seed, bool common_random_numbers,
                               const double* centres, std::size_t n_centres, std::uint64_t* counts,
                               const run_hooks& hooks) {
  const device_family<Family> on_device(model.family());  // its tables uploaded, if any
  const std::size_t dim = model.dim();
  const std::size_t sample_size = model.cluster_size();  // centres are cluster points
  std::fill(counts, counts + n_params * n_centres, 0);
  if (n_params == 0 || sims == 0 || n_centres == 0) return;
  if (n_centres > static_cast<std::size_t>(INT_MAX) / sample_size) {
    throw usage_error("count_nearest_centre: " + std::to_string(n_centres) +
                      " centres, expected at most " +
                      std::to_string(static_cast<std::size_t>(INT_MAX) / sample_size));
  }

  const std::vector<std::uint32_t> h_sim_streams = stream_table(n_params, [&](std::size_t j) {
    return streams::target(first_target + j, common_random_numbers);
  });
  device_buffer<double> d_params(n_params * dim);
  device_buffer<std::uint32_t> d_sim_streams(n_params);
  device_buffer<double> d_centres(n_centres * sample_size);
  device_buffer<unsigned long long> d_counts(n_params * n_centres);
  copy_to_device(d_params.get(), params, n_params * dim);
  copy_to_device(d_sim_streams.get(), h_sim_streams.data(), n_params);
  copy_to_device(d_centres.get(), centres, n_centres * sample_size);
  ISMC_CUDA_CHECK(cudaMemset(d_counts.get(), 0, n_params * n_centres * sizeof(unsigned long long)));

  const std::size_t staged_bytes = n_centres * (sample_size + 1) * sizeof(double);
  const bool staged = staged_bytes <= staged_budget_bytes;
  for (std::size_t first = 0; first < n_params; first += max_grid_y) {
    const std::size_t tile = std::min(max_grid_y, n_params - first);
    const std::uint64_t sims_per_launch = std::min<std::uint64_t>(
        sims, std::max<std::uint64_t>(rates_threads_per_block, rates_samples_per_launch / tile));
    const dim3 grid(blocks_per_row(tile, sims_per_launch), static_cast<unsigned>(tile));
    for (std::uint64_t begin = 0; begin < sims; begin += sims_per_launch) {
      hooks.check_interrupt();
      const std::uint64_t end = std::min(sims, begin + sims_per_launch);
      nearest_centre_kernel<<<grid, rates_threads_per_block, staged ? staged_bytes : 0>>>(
          on_device.family, d_params.get(), seed, d_sim_streams.get(), d_centres.get(),
          static_cast<int>(n_centres), staged, first, begin, end, d_counts.get());
      finish_launches();
      hooks.advance((end - begin) * tile);
    }
  }
  std::vector<unsigned long long> h_counts(n_params * n_centres);
  copy_to_host(h_counts.data(), d_counts.get(), h_counts.size());
  for (std::size_t n = 0; n < h_counts.size(); ++n) counts[n] = h_counts[n];
}

// ---------------------------------------------------------------------------------------
// Importance stage: the mixture sums.


// Σ t and Σ t² over some simulations of one weight entry.
struct term_sums {
  double sum;
  double sum_squares;
};

struct add_term_sums {
  __device__ term_sums operator()(const term_sums& a, const term_sums& b) const {
    return {a.sum + b.sum, a.sum_squares + b.sum_squares};
  }
};

// A tile of whole targets and their weight entries, indexed from the tile's first entry:
// target t's support is entries [support_offsets[t], support_offsets[t + 1]); entry e names
// its target (entry_target), the random stream of its proposal k (streams::proposal(k)),
// log w_jk and θ_k (dim values).
//
// blockIdx.y: entry e = entry_begin + y; blockIdx.x with the threads strides over
// simulations [sim_begin, sim_end) of proposal k. Writes the block's sums to
// partials[y · gridDim.x + blockIdx.x]. `staged`: the target's log weights, support
// parameters and θ_j live in dynamic shared memory (support · (dim + 1) + dim doubles).
template <class Family>
__global__ void __launch_bounds__(rates_threads_per_block)
    mixture_kernel(Family family, const double* __restrict__ targets,
                   const std::uint32_t* __restrict__ support_offsets,
                   const std::uint32_t* __restrict__ entry_target,
                   const std::uint32_t* __restrict__ entry_stream,
                   const double* __restrict__ entry_log_weight,
                   const double* __restrict__ entry_theta, std::uint64_t seed, bool staged,
                   std::uint32_t entry_begin, std::uint64_t sim_begin, std::uint64_t sim_end,
                   term_sums* __restrict__ partials) {
  using block_reduce = cub::BlockReduce<term_sums, rates_threads_per_block>;
  __shared__ typename block_reduce::TempStorage reduce_storage;
  extern __shared__ double staged_memory[];

  const std::uint32_t e = entry_begin + blockIdx.y;
  const std::uint32_t target = entry_target[e];
  const std::uint32_t first = support_offsets[target];
  const int support = static_cast<int>(support_offsets[target + 1] - first);
  const int dim = family.parameter_size();
  const std::size_t width = static_cast<std::size_t>(dim);
  const double* log_weight = entry_log_weight + first;
  const double* support_theta = entry_theta + first * width;
  const double* theta_j = targets + target * width;
  if (staged) {
    double* staged_log_weight = staged_memory;
    double* staged_theta = staged_log_weight + support;
    double* staged_theta_j = staged_theta + support * width;
    for (int m = threadIdx.x; m < support; m += blockDim.x) staged_log_weight[m] = log_weight[m];
    for (std::size_t n = threadIdx.x; n < support * width; n += blockDim.x) {
      staged_theta[n] = support_theta[n];
    }
    for (int n = threadIdx.x; n < dim; n += blockDim.x) staged_theta_j[n] = theta_j[n];
    __syncthreads();
    log_weight = staged_log_weight;
    support_theta = staged_theta;
    theta_j = staged_theta_j;
  }
  const double* theta_k = support_theta + (e - first) * width;  // entry e is in its support
  const random_stream stream{seed, entry_stream[e]};

  double x[Family::max_sample_size];
  term_sums mine{0.0, 0.0};
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i =
           sim_begin + static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < sim_end; i += stride) {
    family.simulate(theta_k, stream, i, x);
    if (!family.rejects(x)) continue;  // φ = 0: the term is 0
    const double term = mixture_term(log_weight, support, [&](int m) {
      return family.log_density_ratio(support_theta + m * width, theta_j, x);
    });
    mine.sum += term;
    mine.sum_squares += term * term;
  }
  const term_sums block_total = block_reduce(reduce_storage).Reduce(mine, add_term_sums{});
  if (threadIdx.x == 0) {
    partials[static_cast<std::size_t>(blockIdx.y) * gridDim.x + blockIdx.x] = block_total;
  }
}

// Internal linkage: every translation unit that includes this header (the library's and a
// program's) has its own copy of this kernel that is not a template.
namespace {

// One thread per entry y < entries of a chunk: adds its `blocks` partials in block order to
// the running totals of entry entry_begin + y (launch after launch, in launch order).
__global__ void add_partials_kernel(const term_sums* __restrict__ partials, unsigned blocks,
                                    std::uint32_t entries, std::uint32_t entry_begin,
                                    double* __restrict__ sum, double* __restrict__ sum_squares) {
  const std::uint32_t y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= entries) return;
  term_sums total{0.0, 0.0};
  for (unsigned b = 0; b < blocks; ++b) {
    const term_sums& part = partials[static_cast<std::size_t>(y) * blocks + b];
    total.sum += part.sum;
    total.sum_squares += part.sum_squares;
  }
  sum[entry_begin + y] += total.sum;
  sum_squares[entry_begin + y] += total.sum_squares;
}

}  // namespace


template <class Family>
void cuda_mixture_accumulate(const family_model<Family>& model, const mixture_problem& problem,
                             double* sum, double* sum_squares, const run_hooks& hooks) {
  const device_family<Family> on_device(model.family());  // its tables uploaded, if any
  const mixture_weights& weights = *problem.weights;
  const std::size_t dim = model.dim();
  const std::uint64_t sims = problem.sims_per_proposal;
  const std::size_t n_targets = problem.n_targets;
  if (weights.entries() == 0) return;

  // Per entry: θ_k and log w (dim + 1 doubles), target and stream, the two sums.
  const std::size_t bytes_per_entry = (dim + 3) * sizeof(double) + 2 * sizeof(std::uint32_t);
  const std::size_t entries_per_tile =
      std::max<std::size_t>(1, tile_budget_bytes / bytes_per_entry);

  device_buffer<double> d_targets, d_entry_log_weight, d_entry_theta, d_sum, d_sum_squares;
  device_buffer<std::uint32_t> d_support_offsets, d_entry_target, d_entry_stream;
  device_buffer<term_sums> d_partials;
  std::vector<std::uint32_t> h_support_offsets, h_entry_target, h_entry_stream;
  std::vector<double> h_entry_log_weight, h_entry_theta;

  for (std::size_t tile_first = 0; tile_first < n_targets;) {
    // Whole targets while their entries fit the tile (one target at least).
    const std::size_t e0 = weights.offsets[tile_first];
    std::size_t tile_last = tile_first + 1;
    while (tile_last < n_targets && weights.offsets[tile_last + 1] - e0 <= entries_per_tile) {
      ++tile_last;
    }
    const std::size_t n_tile_targets = tile_last - tile_first;
    const std::size_t entries = weights.offsets[tile_last] - e0;
    if (entries > UINT32_MAX) {
      throw usage_error("mixture problem: target " + std::to_string(tile_first) + " has " +
                        std::to_string(entries) + " weight entries, expected fewer than 2^32");
    }

    std::size_t widest_support = 0;
    h_support_offsets.resize(n_tile_targets + 1);
    h_entry_target.resize(entries);
    for (std::size_t t = 0; t < n_tile_targets; ++t) {
      const std::size_t first = weights.offsets[tile_first + t] - e0;
      const std::size_t last = weights.offsets[tile_first + t + 1] - e0;
      h_support_offsets[t] = static_cast<std::uint32_t>(first);
      widest_support = std::max(widest_support, last - first);
      std::fill(h_entry_target.begin() + first, h_entry_target.begin() + last,
                static_cast<std::uint32_t>(t));
    }
    h_support_offsets[n_tile_targets] = static_cast<std::uint32_t>(entries);
    h_entry_stream.resize(entries);
    h_entry_log_weight.resize(entries);
    h_entry_theta.resize(entries * dim);
    for (std::size_t e = 0; e < entries; ++e) {
      const std::uint32_t k = weights.proposal[e0 + e];
      h_entry_stream[e] = proposal_stream(problem, k);
      h_entry_log_weight[e] = std::log(weights.weight[e0 + e]);
      std::copy(problem.proposals + k * dim, problem.proposals + (k + 1) * dim,
                h_entry_theta.begin() + e * dim);
    }

    d_targets.reserve(n_tile_targets * dim);
    d_support_offsets.reserve(n_tile_targets + 1);
    d_entry_target.reserve(entries);
    d_entry_stream.reserve(entries);
    d_entry_log_weight.reserve(entries);
    d_entry_theta.reserve(entries * dim);
    d_sum.reserve(entries);
    d_sum_squares.reserve(entries);
    copy_to_device(d_targets.get(), problem.targets + tile_first * dim, n_tile_targets * dim);
    copy_to_device(d_support_offsets.get(), h_support_offsets.data(), n_tile_targets + 1);
    copy_to_device(d_entry_target.get(), h_entry_target.data(), entries);
    copy_to_device(d_entry_stream.get(), h_entry_stream.data(), entries);
    copy_to_device(d_entry_log_weight.get(), h_entry_log_weight.data(), entries);
    copy_to_device(d_entry_theta.get(), h_entry_theta.data(), entries * dim);
    ISMC_CUDA_CHECK(cudaMemset(d_sum.get(), 0, entries * sizeof(double)));
    ISMC_CUDA_CHECK(cudaMemset(d_sum_squares.get(), 0, entries * sizeof(double)));

    const std::size_t staged_bytes = (widest_support * (dim + 1) + dim) * sizeof(double);
    const bool staged = staged_bytes <= staged_budget_bytes;
    for (std::size_t chunk_begin = 0; chunk_begin < entries; chunk_begin += max_grid_y) {
      const std::size_t chunk = std::min(max_grid_y, entries - chunk_begin);
      const std::uint64_t sims_per_launch = std::min<std::uint64_t>(
          sims, std::max<std::uint64_t>(rates_threads_per_block, rates_samples_per_launch / chunk));
      const unsigned blocks_x = blocks_per_row(chunk, sims_per_launch);
      d_partials.reserve(chunk * blocks_x);
      const dim3 grid(blocks_x, static_cast<unsigned>(chunk));
      for (std::uint64_t begin = 0; begin < sims; begin += sims_per_launch) {
        hooks.check_interrupt();
        const std::uint64_t end = std::min(sims, begin + sims_per_launch);
        mixture_kernel<<<grid, rates_threads_per_block, staged ? staged_bytes : 0>>>(
            on_device.family, d_targets.get(), d_support_offsets.get(), d_entry_target.get(),
            d_entry_stream.get(), d_entry_log_weight.get(), d_entry_theta.get(), problem.seed,
            staged, static_cast<std::uint32_t>(chunk_begin), begin, end, d_partials.get());
        ISMC_CUDA_CHECK(cudaGetLastError());
        add_partials_kernel<<<static_cast<unsigned>(blocks_for(chunk)), rates_threads_per_block>>>(
            d_partials.get(), blocks_x, static_cast<std::uint32_t>(chunk),
            static_cast<std::uint32_t>(chunk_begin), d_sum.get(), d_sum_squares.get());
        finish_launches();
        hooks.advance((end - begin) * chunk);
      }
    }
    copy_to_host(sum + e0, d_sum.get(), entries);
    copy_to_host(sum_squares + e0, d_sum_squares.get(), entries);
    tile_first = tile_last;
  }
}

}  // namespace ismc::detail

namespace ismc {

/// The device stages of `Family` as a backend (`name()` is `cuda`), compiled in the
/// translation unit that includes this header: the CUDA backend hands it the stages of a
/// model whose `device_stages()` it is (`family_model` built with it, as
/// `register_model<Family>` does under nvcc). Each operation takes a `family_model<Family>`
/// and throws `usage_error` for any other model; the contracts and random streams are the
/// CPU backend's (rates/backend.hpp), on device 0.
template <class Family>
class family_cuda_backend final : public backend {
 public:
  std::string name() const override { return "cuda"; }
  using backend::count_rejections;
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                        bool common_random_numbers, std::uint64_t* counts,
                        const run_hooks& hooks) override {
    detail::cuda_count_rejections(of_family(model).family(), targets, n_targets, first_target, sims,
                                  seed, common_random_numbers, counts, hooks);
  }
  using backend::collect_rejections;
  using backend::count_nearest_centre;
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                          bool common_random_numbers, double keep_fraction,
                          std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) override {
    detail::cuda_collect_rejections(of_family(model), params, n_params, first_target, sims, seed,
                                    common_random_numbers, keep_fraction, samples, counts, hooks);
  }
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                            bool common_random_numbers, const double* centres,
                            std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) override {
    detail::cuda_count_nearest_centre(of_family(model), params, n_params, first_target, sims, seed,
                                      common_random_numbers, centres, n_centres, counts, hooks);
  }
  void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                          double* sum_squares, const run_hooks& hooks) override {
    detail::cuda_mixture_accumulate(of_family(model), problem, sum, sum_squares, hooks);
  }

 private:
  static const family_model<Family>& of_family(const model& model) {
    if (const auto* of = dynamic_cast<const family_model<Family>*>(&model)) return *of;
    throw usage_error("model '" + model.name() +
                      "': a family's device stages run only a family_model of that family");
  }
};

namespace detail {

/// The device stages `register_model<Family>` attaches when nvcc compiles it
/// (declared in rates/registry.hpp).
template <class Family>
std::shared_ptr<backend> make_family_device_stages() {
  return std::make_shared<family_cuda_backend<Family>>();
}

}  // namespace detail

}  // namespace ismc

#endif  // __CUDACC__

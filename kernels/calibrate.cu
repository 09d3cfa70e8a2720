// Method calibrate on the device: the statistic s(x) simulated at each null tile's centre
// with the top-m selection fused in. A block takes 16384 simulations of one tile; its
// threads simulate a round of 256 statistics, those above the block's current m-th largest
// go to a shared candidate list, and one thread inserts them into the block's min-heap of m
// values in global memory. The host merges the blocks' heaps per tile (rates/calibrate.cpp's
// `top_values`): nothing holds all K statistics of a tile.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/kernels/cuda_check.cuh"
#include "ismc/kernels/device_memory.cuh"
#include "ismc/core/error.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/t_test.hpp"
#include "rates/calibrate_cuda.hpp"

namespace ismc::detail {

namespace {

constexpr int calibrate_threads = 256;
constexpr std::uint64_t calibrate_rounds = calibrate_sims_per_block / calibrate_threads;
static_assert(calibrate_rounds * calibrate_threads == calibrate_sims_per_block);

// A min-heap of `size` values at `heap`: sift `value` down from the root (it replaces it).
__device__ void replace_root(double* heap, std::uint64_t size, double value) {
  std::uint64_t at = 0;
  for (;;) {
    const std::uint64_t left = 2 * at + 1;
    if (left >= size) break;
    const std::uint64_t right = left + 1;
    const std::uint64_t child = right < size && heap[right] < heap[left] ? right : left;
    if (!(heap[child] < value)) break;
    heap[at] = heap[child];
    at = child;
  }
  heap[at] = value;
}

// Appends `value` to a min-heap of `size` values and sifts it up.
__device__ void push_heap_value(double* heap, std::uint64_t size, double value) {
  std::uint64_t at = size;
  while (at > 0) {
    const std::uint64_t parent = (at - 1) / 2;
    if (!(value < heap[parent])) break;
    heap[at] = heap[parent];
    at = parent;
  }
  heap[at] = value;
}

// One block per (tile, chunk of calibrate_sims_per_block simulations); blocks
// [first_block, first_block + gridDim.x) of the whole launch list.
template <class Family>
__global__ void calibrate_top_kernel(Family family, const double* thetas,
                                     const std::uint32_t* streams_of, const std::uint64_t* rank,
                                     const std::uint64_t* heap_offset, std::uint64_t* heap_size,
                                     double* heaps, std::uint64_t sims, std::uint64_t seed,
                                     std::uint64_t blocks_per_tile, std::uint64_t first_block) {
  __shared__ double candidates[calibrate_threads];
  __shared__ int candidate_count;
  __shared__ double floor_value;  // the block's m-th largest so far (−∞ until m are held)
  __shared__ std::uint64_t held;
  const std::uint64_t block = first_block + blockIdx.x;
  const std::uint64_t tile = block / blocks_per_tile;
  const std::uint64_t begin = (block % blocks_per_tile) * calibrate_sims_per_block;
  const std::uint64_t end =
      begin + calibrate_sims_per_block < sims ? begin + calibrate_sims_per_block : sims;
  const std::uint64_t capacity = rank[tile] < end - begin ? rank[tile] : end - begin;
  double* heap = heaps + heap_offset[block];
  const random_stream stream{seed, streams_of[tile]};
  const int dim = family.parameter_size();
  double theta[Family::max_parameter_size];
  for (int n = 0; n < dim; ++n) theta[n] = thetas[tile * static_cast<std::uint64_t>(dim) + n];
  if (threadIdx.x == 0) {
    held = 0;
    floor_value = -INFINITY;
  }
  __syncthreads();
  double x[Family::max_sample_size];
  for (std::uint64_t round = 0; round < calibrate_rounds; ++round) {
    if (threadIdx.x == 0) candidate_count = 0;
    __syncthreads();
    const std::uint64_t i = begin + round * calibrate_threads + threadIdx.x;
    if (i < end && capacity > 0) {
      family.simulate(theta, stream, i, x);
      const double value = family.statistic(x);
      if (!isnan(value) && (held < capacity || value > floor_value)) {
        candidates[atomicAdd(&candidate_count, 1)] = value;
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int c = 0; c < candidate_count; ++c) {
        const double value = candidates[c];
        if (held < capacity) {
          push_heap_value(heap, held, value);
          ++held;
        } else if (value > heap[0]) {
          replace_root(heap, held, value);
        }
      }
      floor_value = held == capacity && held > 0 ? heap[0] : -INFINITY;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) heap_size[block] = held;
}

}  // namespace

template <class Family>
std::vector<std::vector<double>> calibrate_top_cuda(
    const Family& family, const std::vector<double>& thetas,
    const std::vector<std::size_t>& target_index, const std::vector<std::uint64_t>& rank,
    std::uint64_t sims, std::uint64_t seed, bool common_random_numbers, const run_hooks& hooks) {
  const std::size_t tiles = target_index.size();
  const std::uint64_t blocks_per_tile =
      (sims + calibrate_sims_per_block - 1) / calibrate_sims_per_block;
  const std::uint64_t blocks = tiles * blocks_per_tile;
  // Each block's heap: min(m, its simulations) values, laid out block after block.
  std::vector<std::uint64_t> offsets(blocks + 1, 0);
  for (std::uint64_t b = 0; b < blocks; ++b) {
    const std::uint64_t begin = (b % blocks_per_tile) * calibrate_sims_per_block;
    const std::uint64_t length = std::min(sims, begin + calibrate_sims_per_block) - begin;
    offsets[b + 1] = offsets[b] + std::min(rank[b / blocks_per_tile], length);
  }
  std::vector<std::uint32_t> streams_of(tiles);
  for (std::size_t t = 0; t < tiles; ++t)
    streams_of[t] = streams::target(target_index[t], common_random_numbers);
  device_buffer<double> d_thetas(thetas.size()),
      d_heaps(std::max<std::uint64_t>(offsets[blocks], 1));
  device_buffer<std::uint32_t> d_streams(tiles);
  device_buffer<std::uint64_t> d_rank(tiles), d_offsets(blocks + 1), d_sizes(blocks);
  copy_to_device(d_thetas.get(), thetas.data(), thetas.size());
  copy_to_device(d_streams.get(), streams_of.data(), tiles);
  copy_to_device(d_rank.get(), rank.data(), tiles);
  copy_to_device(d_offsets.get(), offsets.data(), blocks + 1);
  // Launches of at most 65536 blocks (2^30 simulations): progress and interrupts between.
  const std::uint64_t per_launch = 65536;
  hooks.begin("calibrate", sims * tiles);
  for (std::uint64_t first = 0; first < blocks; first += per_launch) {
    hooks.check_interrupt();
    const std::uint64_t count = std::min(per_launch, blocks - first);
    calibrate_top_kernel<Family><<<static_cast<unsigned>(count), calibrate_threads>>>(
        family, d_thetas.get(), d_streams.get(), d_rank.get(), d_offsets.get(), d_sizes.get(),
        d_heaps.get(), sims, seed, blocks_per_tile, first);
    ISMC_CUDA_CHECK(cudaGetLastError());
    ISMC_CUDA_CHECK(cudaDeviceSynchronize());
    hooks.advance(count * calibrate_sims_per_block);
  }
  hooks.end();
  std::vector<double> heaps(offsets[blocks]);
  std::vector<std::uint64_t> sizes(blocks);
  copy_to_host(heaps.data(), d_heaps.get(), heaps.size());
  copy_to_host(sizes.data(), d_sizes.get(), blocks);
  std::vector<std::vector<double>> result(tiles);
  for (std::size_t t = 0; t < tiles; ++t) {
    top_values top(static_cast<std::size_t>(rank[t]));
    for (std::uint64_t b = t * blocks_per_tile; b < (t + 1) * blocks_per_tile; ++b)
      for (std::uint64_t v = 0; v < sizes[b]; ++v) top.push(heaps[offsets[b] + v]);
    result[t] = top.values();
  }
  return result;
}

#define ISMC_CALIBRATE_INSTANCE(Family)                                           \
  template std::vector<std::vector<double>> calibrate_top_cuda<Family>(           \
      const Family&, const std::vector<double>&, const std::vector<std::size_t>&, \
      const std::vector<std::uint64_t>&, std::uint64_t, std::uint64_t, bool, const run_hooks&);
ISMC_CALIBRATE_INSTANCE(gaussian_location_test)
ISMC_CALIBRATE_INSTANCE(normal_t_test)
ISMC_CALIBRATE_INSTANCE(binomial_count_test)
#undef ISMC_CALIBRATE_INSTANCE

}  // namespace ismc::detail

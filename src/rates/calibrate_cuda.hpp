#pragma once
// The device half of method calibrate (kernels/calibrate.cu). Declared for every build;
// defined only when ISMC_HAVE_CUDA, so host code guards each call with that macro.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/core/progress.hpp"

namespace ismc::detail {

/// Statistics one block of the calibrate kernel simulates (256 threads × 64 rounds).
inline constexpr std::uint64_t calibrate_sims_per_block = 16384;

/// The fused top-m of method calibrate on device 0, for `Family` one of
/// gaussian_location_test, normal_t_test, binomial_count_test (their statistic is
/// `ISMC_HD`): for tile t (θ at `thetas` + t·dim, random stream streams::target(
/// target_index[t], common_random_numbers), K = `sims` simulations 0 … K − 1, as the CPU
/// reference reads them), each block of `calibrate_sims_per_block` simulations keeps its
/// rank[t] largest statistics in a heap in global memory (never all K); the host merges
/// the blocks' heaps per tile. Returns, per tile, its rank[t] largest statistics (fewer
/// only when NaNs were simulated). Throws `device_error` when a CUDA call fails and
/// `interrupted` when the hooks' flag is set between launches.
template <class Family>
std::vector<std::vector<double>> calibrate_top_cuda(
    const Family& family, const std::vector<double>& thetas,
    const std::vector<std::size_t>& target_index, const std::vector<std::uint64_t>& rank,
    std::uint64_t sims, std::uint64_t seed, bool common_random_numbers, const run_hooks& hooks);

}  // namespace ismc::detail

#pragma once
// The CUDA half of the rates backend (kernels/cuda_backend.cu, kernels/importance.cu).
// Declared for every build; defined only when ISMC_HAVE_CUDA (kernels/), so host code
// guards each call with that macro.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ismc/core/progress.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/t_test.hpp"

namespace ismc {
struct mixture_problem;
}  // namespace ismc

namespace ismc::detail {

/// A list of family types.
template <class... Families>
struct family_list {};

/// The families the rates kernels are instantiated for (kernels/cuda_backend.cu,
/// kernels/importance.cu): exactly those `compiled_for_device` marks (checked there).
using device_families =
    family_list<gaussian_location_test, normal_t_test, binomial_count_test, binomial_pairwise_test>;

/// The CUDA backend on device 0. Throws `runtime_failure` when no device is usable.
std::unique_ptr<backend> make_cuda_backend();

// The importance stages on device 0 for a model of a family in `device_families`
// (kernels/importance.cu, instantiated for each):
// the same contracts and the same random streams as the backend operations of the same
// names (backend.hpp), tested against the CPU reference. Each throws `device_error` when a
// CUDA call fails and `interrupted` when the hooks' flag is set between launches.

/// backend::collect_rejections on the device: simulate, decide, count and draw the keep
/// decision there; compact the kept (parameter, simulation) indices in that order
/// (cub::DeviceSelect::Flagged, in slices of bounded memory); then simulate the kept
/// samples again on the host with `model.simulate` and `model.cluster_point`, so the pool
/// is bit for bit the CPU's (host and device libm may differ in the last bits of a normal).
template <class Family>
void cuda_collect_rejections(const family_model<Family>& model, const double* params,
                             std::size_t n_params, std::size_t first_target, std::uint64_t sims,
                             std::uint64_t seed, bool common_random_numbers, double keep_fraction,
                             std::vector<double>& samples, std::uint64_t* counts,
                             const run_hooks& hooks);

/// backend::count_nearest_centre on the device (`nearest_centre` of rates/mixture_math.hpp).
template <class Family>
void cuda_count_nearest_centre(const family_model<Family>& model, const double* params,
                               std::size_t n_params, std::size_t first_target, std::uint64_t sims,
                               std::uint64_t seed, bool common_random_numbers,
                               const double* centres, std::size_t n_centres, std::uint64_t* counts,
                               const run_hooks& hooks);

/// backend::mixture_accumulate on the device (`mixture_term` of rates/mixture_math.hpp), fused and
/// streamed: no sample array; memory bounded by a tile of targets.
template <class Family>
void cuda_mixture_accumulate(const family_model<Family>& model, const mixture_problem& problem,
                             double* sum, double* sum_squares, const run_hooks& hooks);

}  // namespace ismc::detail

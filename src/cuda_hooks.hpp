#pragma once
// Entry points into the CUDA half of the library (kernels/*.cu). Declared for every build;
// defined only when ISMC_HAVE_CUDA, so host code guards each call with that macro.

#include <memory>

#include "ismc/backend.hpp"
#include "ismc/devices.hpp"

namespace ismc::detail {

/// Queries the CUDA runtime for devices; never throws.
cuda_devices query_cuda_devices();

/// The CUDA backend on device 0. Throws `runtime_failure` when no device is usable.
std::unique_ptr<backend> make_cuda_backend();

}  // namespace ismc::detail

#include <cstdint>
#include <vector>

namespace ismc::detail {

/// Diagnostics for the host/device equivalence tests: block `block` of simulations
/// [0, sims) of stream `s`, computed on the device (4 words per simulation).
std::vector<std::uint32_t> device_random_bits(random_stream s, std::uint64_t sims,
                                              std::uint32_t block);

/// The first `count` standard normals of simulations [0, sims) of stream `s`, computed on
/// the device (`count` values per simulation).
std::vector<double> device_standard_normals(random_stream s, std::uint64_t sims, int count);

}  // namespace ismc::detail

namespace ismc {
struct population_samples;
class batched_log_density;
}  // namespace ismc

namespace ismc::detail {

/// The hyper-likelihood posterior of population.hpp on device 0 (kernels/population_kernels.cu):
/// the samples (offsets, values, ln p0) are copied to the device here, once; each
/// log_density call copies the θ inside the priors in and ln L̂ and σ² out. `samples` must
/// be valid (`ismc::validate`) and `variance_cut` > 0; make_hyper_likelihood checks both.
/// Throws `device_error` when a CUDA call fails.
std::unique_ptr<batched_log_density> make_cuda_hyper_likelihood(const population_samples& samples,
                                                                double variance_cut);

}  // namespace ismc::detail

namespace ismc::detail {

/// The partial-pooling log density and its gradient (make_partial_pooling_density of
/// population.hpp) on device 0 (kernels/partial_pooling_kernels.cu): x is copied to the
/// device here, once; each call copies the batch of q in and lp (and the gradients) out,
/// through pinned buffers on the class's own stream, one call at a time (a mutex), so
/// concurrent const calls are safe. x must be non-empty and finite and α finite and > 0;
/// make_partial_pooling_density checks both. Throws `device_error` when a CUDA call fails.
std::unique_ptr<batched_log_density> make_cuda_partial_pooling_density(const std::vector<double>& x,
                                                                       double alpha);

}  // namespace ismc::detail

namespace ismc {
class gaussian_test_model;
struct mixture_problem;
}  // namespace ismc

namespace ismc::detail {

// The importance stages on device 0 for a Gaussian test model (kernels/importance_kernels.cu):
// the same contracts and the same random streams as the backend operations of the same
// names (backend.hpp), tested against the CPU reference. Each throws `device_error` when a
// CUDA call fails and `interrupted` when the hooks' flag is set between launches.

/// backend::collect_rejections on the device: simulate, decide, count and draw the keep
/// decision there; compact the kept (parameter, simulation) indices in that order
/// (cub::DeviceSelect::Flagged, in slices of bounded memory); then simulate the kept
/// samples again on the host with `model.simulate`, so the pool is bit for bit the CPU's
/// (host and device libm may differ in the last bits of a normal).
void cuda_collect_rejections(const gaussian_test_model& model, const double* params,
                             std::size_t n_params, std::uint64_t sims, std::uint64_t seed,
                             bool common_random_numbers, double keep_fraction,
                             std::vector<double>& samples, std::uint64_t* counts,
                             const run_hooks& hooks);

/// backend::count_nearest_centre on the device (`nearest_centre` of mixture.hpp).
void cuda_count_nearest_centre(const gaussian_test_model& model, const double* params,
                               std::size_t n_params, std::uint64_t sims, std::uint64_t seed,
                               bool common_random_numbers, const double* centres,
                               std::size_t n_centres, std::uint64_t* counts,
                               const run_hooks& hooks);

/// backend::mixture_accumulate on the device (`mixture_term` of mixture.hpp), fused and
/// streamed: no sample array; memory bounded by a tile of targets.
void cuda_mixture_accumulate(const gaussian_test_model& model, const mixture_problem& problem,
                             double* sum, double* sum_squares, const run_hooks& hooks);

}  // namespace ismc::detail

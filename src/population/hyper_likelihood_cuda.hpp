#pragma once
// The CUDA half of the hyper-likelihood (kernels/hyper_likelihood.cu).
// Declared for every build; defined only when ISMC_HAVE_CUDA (kernels/), so host code
// guards each call with that macro.

#include <memory>

#include "ismc/backend/batched_log_density.hpp"

namespace ismc {
struct population_samples;
}  // namespace ismc

namespace ismc::detail {

/// The hyper-likelihood posterior of population.hpp on device 0 (kernels/hyper_likelihood.cu):
/// the samples (offsets, values, ln p0) are copied to the device here, once; each
/// log_density call copies the θ inside the priors in and ln L̂ and σ² out. `samples` must
/// be valid (`ismc::validate`) and `variance_cut` > 0; make_hyper_likelihood checks both.
/// Throws `device_error` when a CUDA call fails.
std::unique_ptr<batched_log_density> make_cuda_hyper_likelihood(const population_samples& samples,
                                                                double variance_cut);

}  // namespace ismc::detail

#pragma once
// The CUDA half of the partial-pooling model (kernels/partial_pooling.cu).
// Declared for every build; defined only when ISMC_HAVE_CUDA (kernels/), so host code
// guards each call with that macro.

#include <memory>
#include <vector>

#include "ismc/backend/batched_log_density.hpp"

namespace ismc::detail {

/// The partial-pooling log density and its gradient (make_partial_pooling_density of
/// population.hpp) on device 0 (kernels/partial_pooling.cu): x is copied to the
/// device here, once; each call copies the batch of q in and lp (and the gradients) out,
/// through pinned buffers on the class's own stream, one call at a time (a mutex), so
/// concurrent const calls are safe. x must be non-empty and finite and α finite and > 0;
/// make_partial_pooling_density checks both. Throws `device_error` when a CUDA call fails.
std::unique_ptr<batched_log_density> make_cuda_partial_pooling_density(const std::vector<double>& x,
                                                                       double alpha);

}  // namespace ismc::detail

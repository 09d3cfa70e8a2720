#pragma once
// Whether a backend_kind puts work on the CUDA device: the one rule of make_backend,
// make_hyper_likelihood and make_partial_pooling (src/backend/backend_kind.cpp).

#include <string>

#include "ismc/backend/backend_kind.hpp"

namespace ismc::detail {

/// `cpu`: false. `automatic`: true when CUDA is compiled in and a device is usable. `cuda`:
/// true when a device is usable; otherwise throws `runtime_failure` (CUDA compiled in, no
/// device) or `not_compiled` (no CUDA in this build), the message naming `what` ("the
/// hyper-likelihood"; empty for none).
bool use_device(backend_kind kind, const std::string& what = "");

}  // namespace ismc::detail

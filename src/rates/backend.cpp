#include "ismc/rates/backend.hpp"

#include "rates/cpu_backend.hpp"
#include "backend/device_choice.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "rates/backend_cuda.hpp"

namespace ismc {

std::unique_ptr<backend> make_cpu_backend() { return std::make_unique<detail::cpu_backend>(); }

std::unique_ptr<backend> make_backend(backend_kind kind) {
  const bool on_device = detail::use_device(kind);
#if defined(ISMC_HAVE_CUDA)
  if (on_device) return detail::make_cuda_backend();
#else
  (void)on_device;
#endif
  return make_cpu_backend();
}

}  // namespace ismc

#include "ismc/backend.hpp"

#include "backend_cpu.hpp"
#include "cuda_hooks.hpp"
#include "ismc/devices.hpp"
#include "ismc/error.hpp"

namespace ismc {

std::optional<backend_kind> parse_backend_kind(const std::string& name) {
  if (name == "auto") return backend_kind::automatic;
  if (name == "cpu") return backend_kind::cpu;
  if (name == "cuda") return backend_kind::cuda;
  return std::nullopt;
}

std::unique_ptr<backend> make_cpu_backend() { return std::make_unique<detail::cpu_backend>(); }

std::unique_ptr<backend> make_backend(backend_kind kind) {
  switch (kind) {
    case backend_kind::cpu:
      return make_cpu_backend();
    case backend_kind::automatic: {
#if defined(ISMC_HAVE_CUDA)
      if (!list_cuda_devices().devices.empty()) return detail::make_cuda_backend();
#endif
      return make_cpu_backend();
    }
    case backend_kind::cuda: {
#if defined(ISMC_HAVE_CUDA)
      const cuda_devices found = list_cuda_devices();
      if (found.devices.empty()) {
        throw runtime_failure("backend 'cuda' requested but no CUDA device is usable: " +
                              found.why_none);
      }
      return detail::make_cuda_backend();
#else
      throw not_compiled(
          "backend 'cuda' requested but this build does not include CUDA "
          "(reconfigure with -DISMC_ENABLE_CUDA=ON on a machine with nvcc)");
#endif
    }
  }
  throw usage_error("unknown backend kind");
}

}  // namespace ismc

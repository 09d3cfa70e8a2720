#include "ismc/backend/backend_kind.hpp"

#include <string>

#include "backend/device_choice.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"

namespace ismc {

std::optional<backend_kind> parse_backend_kind(const std::string& name) {
  if (name == "auto") return backend_kind::automatic;
  if (name == "cpu") return backend_kind::cpu;
  if (name == "cuda") return backend_kind::cuda;
  return std::nullopt;
}

backend_kind parse_backend_kind(const std::string& field, const std::string& name) {
  if (const std::optional<backend_kind> kind = parse_backend_kind(name)) return *kind;
  throw usage_error(bad_value(field, "'" + name + "'", "auto, cpu or cuda"));
}

namespace detail {

bool use_device(backend_kind kind, const std::string& what) {
  const std::string requested =
      "backend 'cuda' requested" + (what.empty() ? std::string() : " for " + what);
  switch (kind) {
    case backend_kind::cpu:
      return false;
    case backend_kind::automatic:
#if defined(ISMC_HAVE_CUDA)
      return !list_cuda_devices().devices.empty();
#else
      return false;
#endif
    case backend_kind::cuda: {
#if defined(ISMC_HAVE_CUDA)
      const cuda_devices found = list_cuda_devices();
      if (found.devices.empty()) {
        throw runtime_failure(requested + " but no CUDA device is usable: " + found.why_none);
      }
      return true;
#else
      throw not_compiled(requested +
                         " but this build does not include CUDA (reconfigure with "
                         "-DISMC_ENABLE_CUDA=ON on a machine with nvcc)");
#endif
    }
  }
  throw usage_error("unknown backend kind");
}

}  // namespace detail

}  // namespace ismc

#include "ismc/core/devices.hpp"
#include "core/devices_cuda.hpp"

#include <thread>


namespace ismc {

unsigned cpu_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

cuda_devices list_cuda_devices() {
#if defined(ISMC_HAVE_CUDA)
  return detail::query_cuda_devices();
#else
  cuda_devices none;
  none.compiled = false;
  none.why_none = "this build does not include CUDA (configure with -DISMC_ENABLE_CUDA=ON)";
  return none;
#endif
}

}  // namespace ismc

// Device discovery for `ismc devices` and the `auto` backend.
#include <cuda_runtime.h>
#include "core/devices_cuda.hpp"


namespace ismc::detail {

cuda_devices query_cuda_devices() {
  cuda_devices found;
  found.compiled = true;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    found.why_none =
        std::string("the CUDA runtime found no usable device (") + cudaGetErrorString(status) + ")";
    cudaGetLastError();  // clear the sticky error for later calls
    return found;
  }
  if (count == 0) {
    found.why_none = "the CUDA runtime reports 0 devices";
    return found;
  }
  for (int index = 0; index < count; ++index) {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, index) != cudaSuccess) continue;
    found.devices.push_back({index, properties.name, properties.major, properties.minor,
                             properties.totalGlobalMem, properties.multiProcessorCount});
  }
  if (found.devices.empty()) found.why_none = "no device answered a properties query";
  return found;
}

}  // namespace ismc::detail

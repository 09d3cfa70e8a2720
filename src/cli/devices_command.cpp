#include "cli/devices_command.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "ismc/core/devices.hpp"

namespace ismc::cli {

CLI::App* add_devices_command(CLI::App& app) {
  return app.add_subcommand("devices", "List the CPU threads and CUDA devices");
}

int run_devices_command() {
  std::cout << "CPU: " << cpu_threads() << " hardware threads\n";
  const cuda_devices cuda = list_cuda_devices();
  if (!cuda.compiled) {
    std::cout << "CUDA: not compiled into this build";
    if (!cuda.why_none.empty()) std::cout << " (" << cuda.why_none << ")";
    std::cout << "\n";
    return 0;
  }
  if (cuda.devices.empty()) {
    std::cout << "CUDA: no usable device";
    if (!cuda.why_none.empty()) std::cout << " (" << cuda.why_none << ")";
    std::cout << "\n";
    return 0;
  }
  std::cout << "CUDA: " << cuda.devices.size()
            << (cuda.devices.size() == 1 ? " device\n" : " devices\n");
  for (const cuda_device& device : cuda.devices) {
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB",
                  static_cast<double>(device.memory_bytes) / (1024.0 * 1024.0 * 1024.0));
    std::cout << "  [" << device.index << "] " << device.name << ", compute capability "
              << device.compute_major << "." << device.compute_minor << ", " << memory << ", "
              << device.multiprocessors << " multiprocessors\n";
  }
  return 0;
}

}  // namespace ismc::cli

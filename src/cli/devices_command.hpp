#pragma once
// `ismc devices`: the CPU's hardware threads and the CUDA devices this build can use.

namespace CLI {
class App;
}

namespace ismc::cli {

/// Adds the `devices` subcommand (it has no flags).
CLI::App* add_devices_command(CLI::App& app);

/// Runs `ismc devices`: prints the CPU threads and each usable CUDA device (or why there
/// is none); returns the exit code.
int run_devices_command();

}  // namespace ismc::cli

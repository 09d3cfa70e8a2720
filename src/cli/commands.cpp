#include "cli/commands.hpp"

#include <cstdio>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/flags.hpp"
#include "cli/population_command.hpp"
#include "cli/rates_command.hpp"
#include "cli/sample_command.hpp"
#include "cli/summary.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

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

int run_commands(int argc, char** argv) {
  CLI::App app{"ismc: Monte Carlo and importance sampling for rejection rates of statistical tests",
               "ismc"};
  app.set_version_flag("--version", std::string("ismc ") + ismc::version);
  app.require_subcommand(1);

  CLI::App* devices = app.add_subcommand("devices", "List the CPU threads and CUDA devices");

  rates_options options;
  std::uint64_t seed = 0;
  CLI::App* rates = app.add_subcommand("rates", "Estimate rejection rates over a grid of targets");
  rates->add_option("study", options.study_path, "The study file (TOML)")
      ->required()
      ->type_name("STUDY.toml");
  rates->add_option("-o,--out", options.out_path, "Write the rows as CSV to this file")
      ->type_name("FILE");
  rates->add_option("--json", options.json_path,
                    "Write a JSON report (resolved study, rows, warnings) to this file")
      ->type_name("FILE");
  CLI::Option* seed_option =
      rates->add_option("--seed", seed, "Random seed; overrides [run] seed")
          ->type_name("N")
          ->check(check_unsigned);
  rates->add_option("--threads", options.threads, "CPU threads; 0 = all hardware threads")
      ->type_name("N")
      ->check(check_unsigned)
      ->check(CLI::Range(0u, 4096u));
  rates->add_option("--backend", options.backend, "Where to run: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  rates->add_flag("-q,--quiet", options.quiet, "No progress bar");

  sample_options sampling;
  CLI::App* sample = add_sample_command(app, sampling);

  population_options population_flags;
  std::uint64_t population_seed = 0;
  CLI::App* population = app.add_subcommand(
      "population", "Population inference: point estimates, the hyper-likelihood, the full model");
  population->add_option("study", population_flags.study_path, "The study file (TOML)")
      ->required()
      ->type_name("STUDY.toml");
  population->add_option("--out-dir", population_flags.out_dir, "Directory for the CSV files")
      ->type_name("DIR")
      ->capture_default_str();
  CLI::Option* population_seed_option =
      population->add_option("--seed", population_seed, "Random seed; overrides [run] seed")
          ->type_name("N")
          ->check(check_unsigned);
  population->add_option("--backend", population_flags.backend, "Where the hyper-likelihood and NUTS's gradient run: auto (the device for large calls when one is present), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  population->add_option("--threads", population_flags.threads, "CPU threads; 0 = all hardware threads")
      ->type_name("N")
      ->check(check_unsigned)
      ->check(CLI::Range(0u, 4096u));
  population->add_flag("-q,--quiet", population_flags.quiet, "No progress bar");

  std::vector<std::string> summary_files;
  CLI::App* summary =
      app.add_subcommand("summary", "Summarize Stan CSV files (ours or CmdStan's), one chain each");
  summary->add_option("files", summary_files, "Stan CSV files")->required()->type_name("FILE.csv...");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "ismc: error: " << e.what() << "\n"
              << "Run 'ismc --help' for usage.\n";
    return 2;
  }

  if (devices->parsed()) return run_devices_command();
  if (sample->parsed()) return run_sample_command(sampling);
  if (summary->parsed()) return run_summary_command(summary_files);
  if (population->parsed()) {
    if (population_seed_option->count() > 0) population_flags.seed = population_seed;
    return run_population_command(population_flags);
  }
  if (rates->parsed()) {
    if (seed_option->count() > 0) options.seed = seed;
    return run_rates_command(options);
  }
  return 2;  // unreachable: require_subcommand(1)
}

}  // namespace

int run_cli(int argc, char** argv) {
  try {
    return run_commands(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "ismc: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ismc: error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "ismc: error: unknown failure\n";
    return 1;
  }
}

}  // namespace ismc::cli

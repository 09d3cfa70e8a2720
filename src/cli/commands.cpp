#include "cli/commands.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/flags.hpp"
#include "cli/interrupt.hpp"
#include "cli/population_command.hpp"
#include "cli/progress_bar.hpp"
#include "cli/rates_output.hpp"
#include "cli/run_context.hpp"
#include "cli/sample_command.hpp"
#include "ismc/io/study_file.hpp"
#include "cli/summary.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc::cli {

namespace {

/// The flags of `ismc rates`.
struct rates_options {
  std::string study_path;
  std::string out_path;               ///< CSV; empty: none
  std::string json_path;              ///< JSON; empty: none
  std::optional<std::uint64_t> seed;  ///< overrides [run] seed
  unsigned threads = 0;               ///< 0: all hardware threads
  std::string backend = "auto";
  bool quiet = false;
};

// Refuses an output path that cannot be written, before hours of computing.
void check_output_path(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) {
    throw usage_error(flag + ": '" + path + "' is a directory, expected a file path");
  }
  fs::path directory = fs::path(path).parent_path();
  if (directory.empty()) directory = ".";
  if (!fs::is_directory(directory, ignored)) {
    throw usage_error(flag + ": directory '" + directory.string() + "' of '" + path +
                      "' does not exist");
  }
}

int run_rates_command(const rates_options& options) {
  rates_study study = io::load_study(options.study_path);
  if (options.seed) study.run.seed = *options.seed;

  if (!options.out_path.empty()) check_output_path("--out", options.out_path);
  if (!options.json_path.empty()) check_output_path("--json", options.json_path);
  if (!options.out_path.empty() && options.out_path == options.json_path) {
    throw usage_error("--out and --json name the same file '" + options.out_path + "'");
  }
  const std::optional<backend_kind> kind = parse_backend_kind(options.backend);
  if (!kind) {
    throw usage_error("--backend: got '" + options.backend + "', expected auto, cpu or cuda");
  }

  const std::unique_ptr<backend> machine = make_backend(*kind);
  run_context context(options.quiet, options.threads);

  const auto start = std::chrono::steady_clock::now();
  const rates_result result = run_rates(study, *machine, context.hooks());
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A signal that came as the study finished still means: write nothing.
  context.finish();

  const std::size_t dim = study.model.dim;
  const std::string model_name = make_model(study.model, study.test)->name();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3g", wall_seconds);
  std::cout << "# " << model_name << ", method " << to_string(study.run.method) << ", "
            << result.rows.size() << (result.rows.size() == 1 ? " target" : " targets")
            << ", seed " << study.run.seed << ", backend " << result.backend << ", "
            << seconds << " s\n"
            << format_table(result.rows, dim) << std::flush;
  for (const std::string& warning : result.warnings) {
    std::cerr << "ismc: warning: " << warning << "\n";
  }

  run_info info;
  info.seed = study.run.seed;
  info.backend = result.backend;
  info.wall_seconds = wall_seconds;
  if (!options.out_path.empty()) write_csv(options.out_path, result.rows, dim);
  if (!options.json_path.empty()) write_json(options.json_path, study, result, info);
  return 0;
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

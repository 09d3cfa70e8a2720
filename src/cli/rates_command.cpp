#include "cli/rates_command.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include "cli/atomic_file.hpp"
#include "cli/error_context.hpp"
#include "cli/flags.hpp"
#include "cli/output_paths.hpp"
#include "cli/rates_output.hpp"
#include "cli/run_context.hpp"
#include "cli/study_dir.hpp"
#include "ismc/backend/backend_kind.hpp"
#include "ismc/core/error.hpp"
#include "ismc/io/study_file.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc::cli {

namespace {

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

}  // namespace

CLI::App* add_rates_command(CLI::App& app, rates_options& options) {
  CLI::App* rates = app.add_subcommand("rates", "Estimate rejection rates over a grid of targets");
  rates->add_option("study", options.study_path, "The study file (TOML)")->type_name("STUDY.toml");
  rates->add_option("-o,--out", options.out_path, "Write the rows as CSV to this file")
      ->type_name("FILE");
  rates
      ->add_option("--json", options.json_path,
                   "Write a JSON report (resolved study, rows, warnings) to this file")
      ->type_name("FILE");
  rates
      ->add_option_function<std::uint64_t>(
          "--seed", [&options](const std::uint64_t& seed) { options.seed = seed; },
          "Random seed; overrides [run] seed")
      ->type_name("N")
      ->check(check_unsigned);
  rates->add_option("--threads", options.threads, "CPU threads; 0 = all hardware threads")
      ->type_name("N")
      ->check(check_unsigned)
      ->check(CLI::Range(0u, max_threads));
  rates->add_option("--backend", options.backend, "Where to run: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  rates->add_flag("-q,--quiet", options.quiet, "No progress bar");
  add_study_dir_flags(*rates, options);
  return rates;
}

int run_rates_command(const rates_options& options) {
  if (!options.out_dir.empty() || !options.resume_dir.empty()) return run_rates_in_dir(options);
  check_no_study_dir_flags(options);
  if (options.study_path.empty()) {
    throw usage_error("study: missing; expected STUDY.toml (or --resume DIR)");
  }
  rates_study study = io::load_study(options.study_path);
  if (options.seed) study.run.seed = *options.seed;

  if (!options.out_path.empty()) check_output_path("--out", options.out_path);
  if (!options.json_path.empty()) check_output_path("--json", options.json_path);
  check_distinct_files({{"study file", options.study_path}},
                       {{"--out", options.out_path}, {"--json", options.json_path}});
  // CLI11 admits only these names; the library's parser is the one check behind it.
  const backend_kind kind = parse_backend_kind("--backend", options.backend);
  check_writable({{"--out", options.out_path}, {"--json", options.json_path}});

  const std::unique_ptr<backend> machine = make_backend(kind);
  run_context context(options.quiet, options.threads);

  const auto start = std::chrono::steady_clock::now();
  const rates_result result = [&] {
    const error_context stage("running the study '" + options.study_path + "'");
    return run_rates(validated, study, *machine, context.hooks());
  }();
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A signal that came as the study finished still means: write nothing.
  context.finish();

  const std::size_t dim = study.model.dim;
  const std::string model_name = make_model(study.model, study.test)->name();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3g", wall_seconds);
  std::cout << "# " << model_name << ", method " << to_string(study.run.method) << ", "
            << result.rows.size() << (result.rows.size() == 1 ? " target" : " targets") << ", seed "
            << study.run.seed << ", backend " << result.backend << ", " << seconds << " s\n"
            << format_table(result.rows, dim) << region_summary(result) << std::flush;
  for (const std::string& warning : result.warnings) {
    std::cerr << "ismc: warning: " << warning << "\n";
  }

  run_info info;
  info.seed = study.run.seed;
  info.backend = result.backend;
  info.wall_seconds = wall_seconds;
  // The CSV and the JSON appear together or not at all.
  staged_files files;
  if (!options.out_path.empty())
    files.write(options.out_path, csv_text(result.rows, dim, study.model.family == "binomial"));
  if (!options.json_path.empty()) {
    files.write(options.json_path, report_json(study, result, info).dump(2) + "\n");
  }
  files.commit();
  return 0;
}

}  // namespace ismc::cli

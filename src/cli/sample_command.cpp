#include "cli/sample_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/atomic_file.hpp"
#include "cli/error_context.hpp"
#include "cli/flags.hpp"
#include "cli/output_paths.hpp"
#include "cli/interrupt.hpp"
#include "cli/progress_bar.hpp"
#include "cli/run_context.hpp"
#include "ismc/io/stan_json.hpp"
#include "cli/summary.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/memory.hpp"
#include "ismc/samplers/chains.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/samplers/stan_csv.hpp"

namespace ismc::cli {

namespace {

// Writes a chain's Stan CSV, on the chain's thread: the file is opened when the chain
// starts and closed (and checked) when it ends, so that no more files are open than chains
// run at once. Keeps the sampling draws in memory for the summary.
class recording_writer : public draw_writer {
 public:
  recording_writer(const std::string& path, const stan_csv_header& header,
                   const std::vector<std::string>& names)
      : out_(header.output_file, path),
        csv_(out_.stream(), header, names),
        n_outputs_(names.size()) {
    record_.columns = stan_sampler_columns();
    record_.columns.insert(record_.columns.end(), names.begin(), names.end());
    record_.config["model"] = header.model;
    record_.config["max_depth"] = std::to_string(header.config.max_depth);
    record_.path = header.output_file;
  }
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    csv_.draw(info, outputs, warmup);
    if (warmup) return;
    std::vector<double> row = {info.lp,
                               info.accept_stat,
                               info.stepsize,
                               static_cast<double>(info.treedepth),
                               static_cast<double>(info.n_leapfrog),
                               info.divergent ? 1.0 : 0.0,
                               info.energy};
    row.insert(row.end(), outputs, outputs + n_outputs_);
    record_.draws.push_back(std::move(row));
  }
  void adaptation(double stepsize, const std::vector<double>& inverse_metric) override {
    csv_.adaptation(stepsize, inverse_metric);
    record_.stepsize = stepsize;
    record_.inverse_metric = inverse_metric;
  }
  // The chain's last call.
  void timing(double warmup_seconds, double sampling_seconds) override {
    csv_.timing(warmup_seconds, sampling_seconds);
    record_.warmup_seconds = warmup_seconds;
    record_.sampling_seconds = sampling_seconds;
    out_.finish();
  }
  stan_csv& record() { return record_; }

 private:
  output_file out_;
  stan_csv_writer csv_;
  std::size_t n_outputs_;
  stan_csv record_;
};

bool parse_radius(const std::string& text, double* radius) {
  try {
    std::size_t used = 0;
    *radius = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

CLI::App* add_sample_command(CLI::App& app, sample_options& options) {
  CLI::App* sample =
      app.add_subcommand("sample", "Sample a model's posterior with NUTS (Stan's algorithm)");
  sample
      ->add_option(
          "model", options.model,
          "The model: " +
              [] {
                std::string names;
                for (const std::string& name : posterior_model_names())
                  names += (names.empty() ? "" : ", ") + name;
                return names;
              }())
      ->required()
      ->type_name("MODEL");
  sample->add_option("--data", options.data_path, "Data in Stan's JSON format")
      ->required()
      ->type_name("FILE.json");
  sample->add_option("--chains", options.chains, "Number of chains")
      ->check(check_unsigned)
      ->capture_default_str();
  sample->add_option("--warmup", options.warmup, "Warmup iterations per chain")
      ->check(check_unsigned)
      ->capture_default_str();
  sample->add_option("--draws", options.draws, "Sampling iterations per chain")
      ->check(check_unsigned)
      ->capture_default_str();
  sample->add_option("--seed", options.seed, "Random seed (chain c uses the stream (seed, c))")
      ->type_name("N")
      ->check(check_unsigned)
      ->each([&options](const std::string&) { options.seed_given = true; });
  sample->add_option("--metric", options.metric, "Metric: diag or dense")
      ->check(CLI::IsMember({"diag", "dense"}))
      ->capture_default_str();
  sample->add_option("--adapt-delta", options.adapt_delta, "Target acceptance statistic, in (0, 1)")
      ->capture_default_str();
  sample->add_option("--max-depth", options.max_depth, "Maximum tree depth")
      ->check(check_unsigned)
      ->capture_default_str();
  sample->add_option("--thin", options.thin, "Keep every n-th draw")
      ->check(check_unsigned)
      ->capture_default_str();
  sample->add_flag("--save-warmup", options.save_warmup, "Also write the warmup draws");
  sample
      ->add_option(
          "--init", options.init,
          "Inits: a radius R (uniform in (-R, R) on the unconstrained scale) or a JSON file")
      ->type_name("RADIUS|FILE.json")
      ->capture_default_str();
  sample
      ->add_option("--output-dir", options.output_dir, "Directory for MODEL-1.csv ... MODEL-C.csv")
      ->type_name("DIR")
      ->capture_default_str();
  sample
      ->add_option("--threads", options.threads,
                   "Threads running chains; 0 = one per chain, at most the hardware threads")
      ->type_name("N")
      ->check(check_unsigned)
      ->check(CLI::Range(0u, max_threads));
  sample->add_flag("-q,--quiet", options.quiet, "No progress bar");
  return sample;
}

int run_sample_command(const sample_options& options) {
  namespace fs = std::filesystem;
  if (options.draws == 0) throw usage_error(bad_value("--draws", options.draws, "at least 1"));
  nuts_config base;
  base.warmup = options.warmup;
  base.draws = options.draws;
  base.thin = options.thin;
  base.save_warmup = options.save_warmup;
  base.max_depth = options.max_depth;
  base.metric = options.metric == "dense" ? metric_kind::dense : metric_kind::diag;
  base.adapt_delta = options.adapt_delta;
  // The library's checks of the settings, before any data is read or file is written.
  validate_chains(options.chains);
  validate(base);

  const stan_data data = io::read_stan_json(options.data_path);
  std::unique_ptr<posterior_model> model;
  try {
    model = make_posterior(options.model, data);
  } catch (const input_error& e) {
    // The library names the field; the command knows the file.
    throw in_file(e, options.data_path);
  }

  base.seed = options.seed_given ? options.seed : std::random_device{}();
  double radius = 0.0;
  if (parse_radius(options.init, &radius)) {
    if (!(radius >= 0.0))
      throw usage_error("--init: got " + options.init + ", expected a radius >= 0 or a file");
    base.init_radius = radius;
  } else {
    const stan_data init = io::read_stan_json(options.init);
    base.init.assign(model->dim(), 0.0);
    try {
      model->unconstrain(init, base.init.data());
    } catch (const input_error& e) {
      throw in_file(e, options.init);
    }
  }

  // The draws every chain keeps in memory for the summary (core/memory.hpp's one limit),
  // before any directory is made or thread started.
  {
    const double kept = (static_cast<double>(options.draws) +
                         (options.save_warmup ? static_cast<double>(options.warmup) : 0.0)) /
                        static_cast<double>(std::max<std::size_t>(options.thin, 1));
    const double columns = 7.0 + static_cast<double>(model->output_names().size());
    const std::string shortfall =
        memory_shortfall(static_cast<double>(options.chains) * (kept * columns * 8.0 + 65536.0));
    if (!shortfall.empty()) {
      const bool draws = options.draws >= options.chains;
      throw usage_error(
          bad_value(draws ? "--draws" : "--chains", draws ? options.draws : options.chains,
                    draws ? "with --chains " + std::to_string(options.chains) + ": " + shortfall
                          : "with --draws " + std::to_string(options.draws) + ": " + shortfall));
    }
  }

  // No chain's file may be the data or the init file.
  std::vector<named_path> inputs = {{"--data file", options.data_path}};
  double unused_radius = 0.0;
  if (!parse_radius(options.init, &unused_radius)) {
    inputs.push_back({"--init file", options.init});
  }
  for (std::size_t c = 1; c <= options.chains; ++c) {
    const fs::path path =
        fs::path(options.output_dir) / (options.model + "-" + std::to_string(c) + ".csv");
    check_distinct_files(inputs, {{"chain " + std::to_string(c) + "'s file", path.string()}});
  }

  std::error_code error;
  fs::create_directories(options.output_dir, error);
  if (!fs::is_directory(options.output_dir)) {
    throw usage_error("--output-dir: cannot create directory '" + options.output_dir + "'");
  }
  {
    std::vector<std::pair<std::string, std::string>> outputs;
    for (std::size_t c = 1; c <= options.chains; ++c) {
      outputs.emplace_back("--output-dir", (fs::path(options.output_dir) /
                                            (options.model + "-" + std::to_string(c) + ".csv"))
                                               .string());
    }
    check_writable(outputs);
  }
  // The chains' files appear together once every chain has finished, or not at all.
  staged_files files;
  std::vector<std::string> final_paths, temporary_paths;
  for (std::size_t c = 1; c <= options.chains; ++c) {
    const fs::path path =
        fs::path(options.output_dir) / (options.model + "-" + std::to_string(c) + ".csv");
    final_paths.push_back(path.string());
    temporary_paths.push_back(files.stage(path.string()));
  }

  run_context context(options.quiet, 0);
  run_hooks hooks = context.hooks();
  hooks.threads = options.threads;

  const std::vector<std::string> names = model->output_names();
  std::vector<std::unique_ptr<recording_writer>> writers(options.chains);
  const auto writer_of = [&](std::size_t index) -> draw_writer& {
    stan_csv_header header;
    header.model = options.model;
    header.data_file = options.data_path;
    header.init = options.init;
    header.output_file = final_paths[index];
    header.config = base;
    header.config.chain = static_cast<std::uint32_t>(index + 1);
    writers[index] = std::make_unique<recording_writer>(temporary_paths[index], header, names);
    return *writers[index];
  };
  {
    const error_context stage("sampling " + options.model + " with the data '" + options.data_path +
                              "'");
    run_nuts_chains(*model, base, options.chains, writer_of, hooks, "sampling");
  }
  hooks.check_interrupt();
  std::vector<stan_csv> chains;
  for (const auto& writer : writers) chains.push_back(std::move(writer->record()));
  context.finish();
  files.commit();
  std::cout << "Wrote " << options.chains << " Stan CSV files: " << final_paths.front()
            << (options.chains > 1 ? " ... " + final_paths.back() : std::string()) << " (seed "
            << base.seed << ")\n\n";
  print_summary(std::cout, chains);
  return 0;
}

}  // namespace ismc::cli

#include "cli/population_command.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/atomic_file.hpp"
#include "cli/error_context.hpp"
#include "cli/flags.hpp"
#include "cli/output_paths.hpp"
#include "cli/run_context.hpp"
#include "ismc/backend/backend_kind.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/io/population_study_file.hpp"
#include "ismc/population/study.hpp"

namespace ismc::cli {

namespace {

// A method's draws as CSV: the ensemble's walker,step,lp__,theta_mu,theta_sigma (step by
// step), NUTS's chain,draw,lp__,theta_mu,theta_sigma (chain by chain).
std::string draws_csv(const population_method_result& method) {
  std::ostringstream text;
  if (method.method == population_method::nuts) {
    text << "chain,draw,lp__,theta_mu,theta_sigma\n";
    for (std::size_t c = 0; c < method.theta_mu.size(); ++c) {
      for (std::size_t d = 0; d < method.theta_mu[c].size(); ++d) {
        text << c + 1 << "," << d + 1 << "," << number_text(method.lp[c][d]) << ","
             << number_text(method.theta_mu[c][d]) << "," << number_text(method.theta_sigma[c][d])
             << "\n";
      }
    }
    return text.str();
  }
  text << "walker,step,lp__,theta_mu,theta_sigma\n";
  const std::size_t kept = method.theta_mu.empty() ? 0 : method.theta_mu[0].size();
  for (std::size_t s = 0; s < kept; ++s) {
    for (std::size_t w = 0; w < method.theta_mu.size(); ++w) {
      text << w + 1 << "," << method.first_step + s << "," << number_text(method.lp[w][s]) << ","
           << number_text(method.theta_mu[w][s]) << "," << number_text(method.theta_sigma[w][s])
           << "\n";
    }
  }
  return text.str();
}

// What the user should know about a method's run: the ensemble's acceptance and a chain
// too short for its autocorrelation time, NUTS's divergences.
std::vector<std::string> notes_of(const population_method_result& method, std::size_t draws) {
  std::vector<std::string> notes;
  const std::string name = to_string(method.method);
  char note[256];
  if (method.method == population_method::nuts) {
    if (method.divergent > 0) {
      notes.push_back("nuts: " + std::to_string(method.divergent) + " divergent transitions of " +
                      std::to_string(draws));
    }
    return notes;
  }
  std::snprintf(note, sizeof note, "%s: ensemble acceptance fraction %.3f", name.c_str(),
                method.acceptance_fraction);
  notes.push_back(note);
  for (const autocorrelation_time* tau : {&method.tau_mu, &method.tau_sigma}) {
    if (!std::isfinite(tau->tau)) {
      // A walker whose kept steps are all one value (one step kept, or no move accepted):
      // its autocorrelation is 0 / 0, as in emcee.
      notes.push_back(name +
                      ": the autocorrelation time cannot be estimated (a walker's kept steps "
                      "are all equal: too few steps after burn); run more steps before "
                      "trusting it");
      break;
    }
    if (!tau->reliable) {
      std::snprintf(note, sizeof note,
                    "%s: the chain is shorter than 50 autocorrelation times (tau = %.1f steps); "
                    "run more steps before trusting it",
                    name.c_str(), tau->tau);
      notes.push_back(note);
      break;
    }
  }
  return notes;
}

}  // namespace

CLI::App* add_population_command(CLI::App& app, population_options& options) {
  CLI::App* population = app.add_subcommand(
      "population", "Population inference: point estimates, the hyper-likelihood, the full model");
  population->add_option("study", options.study_path, "The study file (TOML)")
      ->required()
      ->type_name("STUDY.toml");
  population->add_option("--out-dir", options.out_dir, "Directory for the CSV files")
      ->type_name("DIR")
      ->capture_default_str();
  population
      ->add_option_function<std::uint64_t>(
          "--seed", [&options](const std::uint64_t& seed) { options.seed = seed; },
          "Random seed; overrides [run] seed")
      ->type_name("N")
      ->check(check_unsigned);
  population
      ->add_option("--backend", options.backend,
                   "Where the hyper-likelihood and NUTS's gradient run: auto (the device for large "
                   "calls when one is present), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  population->add_option("--threads", options.threads, "CPU threads; 0 = all hardware threads")
      ->type_name("N")
      ->check(check_unsigned)
      ->check(CLI::Range(0u, max_threads));
  population->add_flag("-q,--quiet", options.quiet, "No progress bar");
  return population;
}

int run_population_command(const population_options& options) {
  population_study study = io::load_population_study(options.study_path);
  if (options.seed) study.seed = *options.seed;
  const backend_kind kind = parse_backend_kind("--backend", options.backend);
  // No output file may be one of the inputs.
  {
    namespace fs = std::filesystem;
    const std::vector<named_path> inputs = {{"study file", options.study_path},
                                            {"[data] samples file", study.samples_path},
                                            {"[data] x file", study.x_path}};
    std::vector<std::string> names = {"summary.csv", "observations.csv"};
    for (population_method method :
         {population_method::point, population_method::importance, population_method::nuts}) {
      names.push_back(to_string(method) + "_draws.csv");
    }
    for (const std::string& name : names) {
      check_distinct_files(inputs,
                           {{"--out-dir's " + name, (fs::path(options.out_dir) / name).string()}});
    }
  }

  // The data (simulated, or the user's samples and observations) and the backends of the
  // hyper-likelihood and of NUTS's gradient, before any sampling: bad data or a --backend
  // that cannot be had fails at once.
  const prepared_population_study prepared = [&] {
    const error_context stage("preparing the population study '" + options.study_path + "'");
    return prepare_population_study(validated, study, kind, io::read_population_data(study));
  }();

  // The output directory, once the inputs and backends are known to be good (nothing is
  // left behind by a refused run) and before the long part.
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(options.out_dir, error);
  if (!fs::is_directory(options.out_dir))
    throw usage_error("--out-dir: cannot create directory '" + options.out_dir + "'");
  {
    std::vector<std::pair<std::string, std::string>> outputs;
    for (const char* name : {"summary.csv", "observations.csv", "point_draws.csv",
                             "importance_draws.csv", "nuts_draws.csv"}) {
      outputs.emplace_back("--out-dir", (fs::path(options.out_dir) / name).string());
    }
    check_writable(outputs);
  }

  run_context context(options.quiet, options.threads);
  const population_study_result result = [&] {
    const error_context stage("running the population study '" + options.study_path + "'");
    return run_population_study(prepared, context.hooks());
  }();
  context.finish();

  staged_files files;  // renamed together at the end
  const auto in_out_dir = [&](const std::string& name) {
    return (fs::path(options.out_dir) / name).string();
  };
  std::vector<std::string> notes;
  for (const population_method_result& method : result.methods) {
    files.write(in_out_dir(to_string(method.method) + "_draws.csv"), draws_csv(method));
    for (std::string& note : notes_of(method, study.chains * study.draws))
      notes.push_back(std::move(note));
  }

  // summary.csv and the table.
  const bool has_exact = result.exact.has_value();
  const population_exact exact = has_exact ? *result.exact : population_exact{};
  std::ostringstream summary;
  summary << "method,parameter,mean,sd,q05,q50,q95,exact_mean,exact_sd\n";
  std::cout << "# population: " << result.objects << " objects, seed " << result.seed
            << (has_exact ? "" : " (no observations: no exact posterior)") << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-11s %-12s %9s %9s %9s %9s %9s %11s %9s\n", "method",
                "parameter", "mean", "sd", "q05", "q50", "q95", "exact_mean", "exact_sd");
  std::cout << line;
  for (const population_method_result& method : result.methods) {
    const std::string name = to_string(method.method);
    for (const char* parameter : {"theta_mu", "theta_sigma"}) {
      const bool is_mu = std::string(parameter) == "theta_mu";
      const parameter_summary& s = is_mu ? method.summary_mu : method.summary_sigma;
      const double exact_mean = is_mu ? exact.mean_mu : exact.mean_sigma;
      const double exact_sd = is_mu ? exact.sd_mu : exact.sd_sigma;
      summary << name << "," << parameter << "," << number_text(s.mean) << "," << number_text(s.sd)
              << "," << number_text(s.q5) << "," << number_text(s.q50) << "," << number_text(s.q95)
              << "," << (has_exact ? number_text(exact_mean) : "") << ","
              << (has_exact ? number_text(exact_sd) : "") << "\n";
      std::snprintf(line, sizeof line, "%-11s %-12s %9.4f %9.4f %9.4f %9.4f %9.4f %11s %9s\n",
                    name.c_str(), parameter, s.mean, s.sd, s.q5, s.q50, s.q95,
                    has_exact ? number_text(std::round(exact_mean * 1e4) / 1e4).c_str() : "-",
                    has_exact ? number_text(std::round(exact_sd * 1e4) / 1e4).c_str() : "-");
      std::cout << line;
    }
  }
  for (const std::string& note : notes) std::cerr << "ismc: note: " << note << "\n";
  files.write(in_out_dir("summary.csv"), summary.str());
  if (!result.x.empty()) {
    std::ostringstream observations;
    observations << "x\n";
    for (double value : result.x) observations << number_text(value) << "\n";
    files.write(in_out_dir("observations.csv"), observations.str());
  }
  files.commit();
  return 0;
}

}  // namespace ismc::cli

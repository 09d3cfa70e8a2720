#include "cli/population_command.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "cli/progress_bar.hpp"
#include "cli/run_context.hpp"
#include "io/toml_reader.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/ensemble.hpp"
#include "ismc/core/error.hpp"
#include "ismc/samplers/chains.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/core/rng.hpp"
#include "population/population_math.hpp"

namespace ismc::cli {

namespace {

class population_reader : public io::toml_reader {
 public:
  using io::toml_reader::toml_reader;

  population_study read(const toml::table& root) {
    check_sections(root, {"data", "run", "methods", "ensemble", "nuts", "likelihood"});
    population_study study;
    const std::string positive = "an integer > 0";
    read_section(root, "data",
                 {{"simulate", [&](const toml::node& n, const std::string& f) { study.simulate = boolean(n, f); }},
                  {"objects", [&](const toml::node& n, const std::string& f) { study.setting.objects = size(n, f, positive); }},
                  {"theta_mu", [&](const toml::node& n, const std::string& f) { study.setting.theta_mu = number(n, f); }},
                  {"theta_sigma", [&](const toml::node& n, const std::string& f) { study.setting.theta_sigma = number(n, f); }},
                  {"alpha", [&](const toml::node& n, const std::string& f) {
                     study.setting.alpha = number(n, f);
                     study.alpha_given = true;
                   }},
                  {"samples_per_object", [&](const toml::node& n, const std::string& f) {
                     study.setting.samples_per_object = size(n, f, positive);
                   }},
                  {"samples", [&](const toml::node& n, const std::string& f) {
                     study.samples_path = string(n, f, "a file path (CSV with columns object,value[,log_p0])");
                   }},
                  {"x", [&](const toml::node& n, const std::string& f) {
                     study.x_path = string(n, f, "a file path (CSV with header x)");
                   }}});
    read_section(root, "run", {{"seed", [&](const toml::node& n, const std::string& f) {
                                  study.seed = count(n, f, "an integer >= 0");
                                }}});
    read_section(root, "methods",
                 {{"point", [&](const toml::node& n, const std::string& f) { study.point = boolean(n, f); }},
                  {"importance", [&](const toml::node& n, const std::string& f) { study.importance = boolean(n, f); }},
                  {"nuts", [&](const toml::node& n, const std::string& f) { study.nuts = boolean(n, f); }}});
    read_section(root, "ensemble",
                 {{"walkers", [&](const toml::node& n, const std::string& f) { study.walkers = size(n, f, "an even integer >= 4"); }},
                  {"steps", [&](const toml::node& n, const std::string& f) { study.steps = size(n, f, positive); }},
                  {"burn", [&](const toml::node& n, const std::string& f) { study.burn = size(n, f, "an integer >= 0"); }}});
    read_section(root, "nuts",
                 {{"chains", [&](const toml::node& n, const std::string& f) { study.chains = size(n, f, positive); }},
                  {"warmup", [&](const toml::node& n, const std::string& f) { study.warmup = size(n, f, "an integer >= 0"); }},
                  {"draws", [&](const toml::node& n, const std::string& f) { study.draws = size(n, f, positive); }}});
    read_section(root, "likelihood", {{"variance_cut", [&](const toml::node& n, const std::string& f) {
                                         study.variance_cut = number(n, f);
                                       }}});
    check(study);
    return study;
  }

 private:
  void check(population_study& study) const {
    const bool reads = !study.samples_path.empty();
    if (reads && has("data.simulate") && study.simulate) {
      fail(line_for("data.samples"), "data.samples", "given with simulate = true; expected one or the other");
    }
    if (reads) study.simulate = false;
    if (!study.simulate && !reads) {
      fail(line_for("data.simulate"), "data.samples", "missing; with simulate = false, expected samples = \"FILE.csv\"");
    }
    const auto positive_number = [&](const std::string& field, double value) {
      if (!(value > 0.0)) fail(line_for(field), field, "got " + format_number(value) + ", expected a number > 0");
    };
    if (study.simulate) {
      if (study.setting.objects < 2) fail(line_for("data.objects"), "data.objects", "got " + std::to_string(study.setting.objects) + ", expected at least 2");
      positive_number("data.theta_sigma", study.setting.theta_sigma);
      positive_number("data.alpha", study.setting.alpha);
    } else {
      for (const char* key : {"objects", "theta_mu", "theta_sigma", "samples_per_object"}) {
        const std::string field = std::string("data.") + key;
        if (has(field)) fail(line_for(field), field, "only for simulated data; the samples come from data.samples");
      }
      if (study.alpha_given) positive_number("data.alpha", study.setting.alpha);
      if (study.nuts && study.x_path.empty()) {
        fail(line_for("methods.nuts"), "data.x", "missing; nuts = true needs the observations x = \"FILE\" (and alpha)");
      }
      if ((study.nuts || !study.x_path.empty()) && !study.alpha_given) {
        fail(line_for("data"), "data.alpha", "missing; the observations' noise alpha is needed with x");
      }
    }
    if (!study.point && !study.importance && !study.nuts) {
      fail(line_for("methods"), "methods", "every method is off; expected at least one of point, importance, nuts");
    }
    if (study.walkers < 4 || study.walkers % 2 != 0) {
      fail(line_for("ensemble.walkers"), "ensemble.walkers",
           "got " + std::to_string(study.walkers) + ", expected an even integer >= 4 (at least 2 × the 2 hyper-parameters)");
    }
    if (study.burn >= study.steps) {
      fail(line_for("ensemble.burn"), "ensemble.burn",
           "got " + std::to_string(study.burn) + ", expected fewer than steps (" + std::to_string(study.steps) + ")");
    }
    if (has("likelihood.variance_cut")) positive_number("likelihood.variance_cut", study.variance_cut);
  }
};

// One CSV line's fields.
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    const auto first = field.find_first_not_of(" \t\r");
    const auto last = field.find_last_not_of(" \t\r");
    fields.push_back(first == std::string::npos ? "" : field.substr(first, last - first + 1));
  }
  return fields;
}

double parse_double(const std::string& text, const std::string& file, long line, const std::string& field) {
  if (text == "nan" || text == "NaN") return std::nan("");
  if (text == "-inf" || text == "-Inf") return -HUGE_VAL;
  if (text == "inf" || text == "Inf") return HUGE_VAL;
  double value = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    throw input_error(file, line, field, "got '" + text + "', expected a number");
  }
  return value;
}

struct method_draws {
  std::string method;
  std::vector<std::vector<double>> mu, sigma;  // [chain or walker][draw]
};

// Starting points of the walkers: a small ball around θ0, inside the priors.
std::vector<double> initial_walkers(std::size_t walkers, double mu0, double sigma0, std::uint64_t seed) {
  std::vector<double> initial;
  for (std::size_t w = 0; w < walkers; ++w) {
    double z[2];
    standard_normals(random_stream{seed, 0x70000000u}, w, z, 2);
    initial.push_back(std::clamp(mu0 + 0.01 * z[0], detail::theta_mu_lower + 0.01,
                                 detail::theta_mu_upper - 0.01));
    initial.push_back(std::clamp(sigma0 + 0.01 * z[1], 0.01, detail::theta_sigma_upper - 0.01));
  }
  return initial;
}

method_draws run_ensemble_method(const std::string& name, const batched_log_density& target,
                                 const population_study& study, double mu0, double sigma0,
                                 const run_hooks& hooks, std::string* csv, std::vector<std::string>* notes) {
  ensemble_config config;
  config.walkers = study.walkers;
  config.steps = study.steps;
  config.seed = study.seed;
  config.initial = initial_walkers(study.walkers, mu0, sigma0, study.seed);
  const ensemble_result result = run_ensemble(target, config, hooks);
  method_draws draws{name, std::vector<std::vector<double>>(study.walkers), std::vector<std::vector<double>>(study.walkers)};
  std::ostringstream text;
  text << "walker,step,lp__,theta_mu,theta_sigma\n";
  for (std::size_t step = study.burn; step < result.steps; ++step) {
    for (std::size_t w = 0; w < result.walkers; ++w) {
      const double* theta = result.chain.data() + (step * result.walkers + w) * result.dim;
      draws.mu[w].push_back(theta[0]);
      draws.sigma[w].push_back(theta[1]);
      text << w + 1 << "," << step << "," << format_number(result.log_density[step * result.walkers + w]) << ","
           << format_number(theta[0]) << "," << format_number(theta[1]) << "\n";
    }
  }
  *csv = text.str();
  char note[256];
  std::snprintf(note, sizeof note, "%s: ensemble acceptance fraction %.3f", name.c_str(), result.acceptance_fraction());
  notes->push_back(note);
  for (const auto* series : {&draws.mu, &draws.sigma}) {
    const autocorrelation_time tau = integrated_autocorrelation_time(*series);
    if (!tau.reliable) {
      std::snprintf(note, sizeof note,
                    "%s: the chain is shorter than 50 autocorrelation times (tau = %.1f steps); "
                    "run more steps before trusting it", name.c_str(), tau.tau);
      notes->push_back(note);
      break;
    }
  }
  return draws;
}

// NUTS on the partial-pooling model (its gradient on the machine --backend chose); writes
// chain,draw,lp__,theta_mu,theta_sigma.
class hyper_recorder : public draw_writer {
 public:
  hyper_recorder(std::size_t mu_index, std::size_t sigma_index) : mu_(mu_index), sigma_(sigma_index) {}
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    if (warmup) return;
    lp.push_back(info.lp);
    mu.push_back(outputs[mu_]);
    sigma.push_back(outputs[sigma_]);
    divergent += info.divergent ? 1 : 0;
  }
  void adaptation(double, const std::vector<double>&) override {}
  void timing(double, double) override {}
  std::vector<double> lp, mu, sigma;
  std::size_t divergent = 0;

 private:
  std::size_t mu_, sigma_;
};

method_draws run_nuts_method(const posterior_model& model, const population_study& study, const run_hooks& hooks,
                             std::string* csv, std::vector<std::string>* notes) {
  const std::vector<std::string> names = model.output_names();
  const auto index = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::vector<hyper_recorder> recorders(study.chains, hyper_recorder(index("theta_mu"), index("theta_sigma")));
  nuts_config config;
  config.warmup = study.warmup;
  config.draws = study.draws;
  config.seed = study.seed;
  run_nuts_chains(model, config, study.chains, [&](std::size_t c) -> draw_writer& { return recorders[c]; },
                  hooks, "nuts");
  method_draws draws{"nuts", {}, {}};
  std::ostringstream text;
  text << "chain,draw,lp__,theta_mu,theta_sigma\n";
  std::size_t divergent = 0;
  for (std::size_t c = 0; c < study.chains; ++c) {
    const hyper_recorder& r = recorders[c];
    for (std::size_t d = 0; d < r.mu.size(); ++d) {
      text << c + 1 << "," << d + 1 << "," << format_number(r.lp[d]) << "," << format_number(r.mu[d]) << ","
           << format_number(r.sigma[d]) << "\n";
    }
    draws.mu.push_back(r.mu);
    draws.sigma.push_back(r.sigma);
    divergent += r.divergent;
  }
  *csv = text.str();
  if (divergent > 0) {
    notes->push_back("nuts: " + std::to_string(divergent) + " divergent transitions of " +
                     std::to_string(study.chains * study.draws));
  }
  return draws;
}

}  // namespace

population_study parse_population_study(const std::string& text, const std::string& source_name) {
  return population_reader(source_name).read(io::parse_toml(text, source_name));
}

population_study load_population_study(const std::string& path) {
  return parse_population_study(io::read_text_file(path, "study file (TOML)"), path);
}

population_samples read_population_samples(const std::string& path) {
  std::istringstream in(io::read_text_file(path, "samples file (CSV)"));
  std::string line;
  long number = 0;
  if (!std::getline(in, line)) throw input_error(path, 1, "", "empty file; expected a header object,value[,log_p0]");
  ++number;
  const std::vector<std::string> header = fields_of(line);
  const auto column = [&](const std::string& name) -> long {
    const auto found = std::find(header.begin(), header.end(), name);
    return found == header.end() ? -1 : static_cast<long>(found - header.begin());
  };
  const long object_column = column("object"), value_column = column("value"), p0_column = column("log_p0");
  if (object_column < 0 || value_column < 0) {
    throw input_error(path, 1, "", "header '" + line + "'; expected the columns object,value and optionally log_p0");
  }
  std::map<std::string, std::size_t> index;  // object id -> position (first appearance)
  std::vector<std::vector<double>> values, log_p0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = fields_of(line);
    if (fields.size() != header.size()) {
      throw input_error(path, number, "", "a row of " + std::to_string(fields.size()) + " fields, the header has " +
                                              std::to_string(header.size()));
    }
    const std::string& id = fields[static_cast<std::size_t>(object_column)];
    const auto [where, inserted] = index.emplace(id, values.size());
    if (inserted) {
      values.emplace_back();
      log_p0.emplace_back();
    }
    const double value = parse_double(fields[static_cast<std::size_t>(value_column)], path, number, "value");
    if (!std::isfinite(value)) throw input_error(path, number, "value", "got " + fields[static_cast<std::size_t>(value_column)] + ", expected a finite sample");
    values[where->second].push_back(value);
    if (p0_column >= 0) {
      const double p0 = parse_double(fields[static_cast<std::size_t>(p0_column)], path, number, "log_p0");
      if (!std::isfinite(p0)) {
        throw input_error(path, number, "log_p0", "got " + fields[static_cast<std::size_t>(p0_column)] +
                                                      ", expected the finite log of a positive interim density");
      }
      log_p0[where->second].push_back(p0);
    }
  }
  if (values.empty()) throw input_error(path, number, "", "no samples");
  population_samples samples;
  for (std::size_t i = 0; i < values.size(); ++i) {
    samples.values.insert(samples.values.end(), values[i].begin(), values[i].end());
    if (p0_column >= 0) samples.log_p0.insert(samples.log_p0.end(), log_p0[i].begin(), log_p0[i].end());
    samples.offsets.push_back(samples.values.size());
  }
  return samples;
}

std::vector<double> read_observations(const std::string& path) {
  std::istringstream in(io::read_text_file(path, "observations file (CSV)"));
  std::string line;
  long number = 0;
  if (!std::getline(in, line) || fields_of(line) != std::vector<std::string>{"x"}) {
    throw input_error(path, 1, "", "expected the header x");
  }
  ++number;
  std::vector<double> x;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const double value = parse_double(fields_of(line).at(0), path, number, "x");
    if (!std::isfinite(value)) throw input_error(path, number, "x", "got " + line + ", expected a finite number");
    x.push_back(value);
  }
  return x;
}

int run_population_command(const population_options& options) {
  population_study study = load_population_study(options.study_path);
  if (options.seed) study.seed = *options.seed;
  const std::optional<backend_kind> kind = parse_backend_kind(options.backend);
  if (!kind) throw usage_error("--backend: got '" + options.backend + "', expected auto, cpu or cuda");

  // The data: simulated, or the user's samples (and observations).
  population_samples samples;
  std::vector<double> x;
  const double alpha = study.setting.alpha;
  if (study.simulate) {
    population_data data = simulate_population(study.setting, study.seed);
    samples = std::move(data.samples);
    x = std::move(data.x);
  } else {
    samples = read_population_samples(study.samples_path);
    try {
      validate(samples);
    } catch (const input_error& e) {
      throw input_error(study.samples_path, 0, e.field(), e.message());
    }
    if (!study.x_path.empty()) {
      x = read_observations(study.x_path);
      if (x.size() != samples.objects()) {
        throw input_error(study.x_path, 0, "x", std::to_string(x.size()) + " observations for " +
                                                   std::to_string(samples.objects()) + " objects in " + study.samples_path);
      }
    }
  }

  // The backends of the hyper-likelihood and of NUTS's gradient are set up before any
  // sampling: a --backend that cannot be had fails at once, not after the other methods
  // have run.
  std::unique_ptr<batched_log_density> importance_target;
  if (study.importance) importance_target = make_hyper_likelihood(samples, study.variance_cut, *kind);
  std::unique_ptr<posterior_model> nuts_model;
  if (study.nuts) nuts_model = make_partial_pooling(x, alpha, *kind);

  // The output directory, once the inputs and backends are known to be good (nothing is
  // left behind by a refused run) and before the long part.
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(options.out_dir, error);
  if (!fs::is_directory(options.out_dir)) throw usage_error("--out-dir: cannot create directory '" + options.out_dir + "'");

  run_context context(options.quiet, options.threads);
  const run_hooks& hooks = context.hooks();

  const std::vector<double> medians = sample_medians(samples);
  double mean = 0.0, squares = 0.0;
  for (double m : medians) mean += m;
  mean /= static_cast<double>(medians.size());
  for (double m : medians) squares += (m - mean) * (m - mean);
  const double spread = std::sqrt(squares / static_cast<double>(medians.size() - 1));
  const double sigma0 = std::clamp(spread, 0.05, detail::theta_sigma_upper - 0.05);

  std::vector<method_draws> results;
  std::vector<std::string> notes;
  staged_files files;  // renamed together at the end
  const auto in_out_dir = [&](const char* name) { return (fs::path(options.out_dir) / name).string(); };
  std::string csv;
  if (study.point) {
    const point_estimate_posterior target(medians);
    results.push_back(run_ensemble_method("point", target, study, mean, sigma0, hooks, &csv, &notes));
    files.write(in_out_dir("point_draws.csv"), csv);
  }
  if (study.importance) {
    results.push_back(
        run_ensemble_method("importance", *importance_target, study, mean, sigma0, hooks, &csv, &notes));
    files.write(in_out_dir("importance_draws.csv"), csv);
  }
  if (study.nuts) {
    results.push_back(run_nuts_method(*nuts_model, study, hooks, &csv, &notes));
    files.write(in_out_dir("nuts_draws.csv"), csv);
  }
  context.finish();

  const bool has_exact = !x.empty();
  population_exact exact{};
  if (has_exact) exact = exact_population_posterior(x, alpha);

  // summary.csv and the table.
  std::ostringstream summary;
  summary << "method,parameter,mean,sd,q05,q50,q95,exact_mean,exact_sd\n";
  std::cout << "# population: " << samples.objects() << " objects, seed " << study.seed
            << (has_exact ? "" : " (no observations: no exact posterior)") << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-11s %-12s %9s %9s %9s %9s %9s %11s %9s\n", "method", "parameter", "mean",
                "sd", "q05", "q50", "q95", "exact_mean", "exact_sd");
  std::cout << line;
  for (const method_draws& draws : results) {
    for (const char* parameter : {"theta_mu", "theta_sigma"}) {
      const bool is_mu = std::string(parameter) == "theta_mu";
      const parameter_summary s = summarize(parameter, is_mu ? draws.mu : draws.sigma);
      const double exact_mean = is_mu ? exact.mean_mu : exact.mean_sigma;
      const double exact_sd = is_mu ? exact.sd_mu : exact.sd_sigma;
      summary << draws.method << "," << parameter << "," << format_number(s.mean) << "," << format_number(s.sd) << ","
              << format_number(s.q5) << "," << format_number(s.q50) << "," << format_number(s.q95) << ","
              << (has_exact ? format_number(exact_mean) : "") << "," << (has_exact ? format_number(exact_sd) : "") << "\n";
      std::snprintf(line, sizeof line, "%-11s %-12s %9.4f %9.4f %9.4f %9.4f %9.4f %11s %9s\n", draws.method.c_str(),
                    parameter, s.mean, s.sd, s.q5, s.q50, s.q95, has_exact ? format_number(std::round(exact_mean * 1e4) / 1e4).c_str() : "-",
                    has_exact ? format_number(std::round(exact_sd * 1e4) / 1e4).c_str() : "-");
      std::cout << line;
    }
  }
  for (const std::string& note : notes) std::cerr << "ismc: note: " << note << "\n";
  files.write(in_out_dir("summary.csv"), summary.str());
  if (!x.empty()) {
    std::ostringstream observations;
    observations << "x\n";
    for (double value : x) observations << format_number(value) << "\n";
    files.write(in_out_dir("observations.csv"), observations.str());
  }
  files.commit();
  return 0;
}

}  // namespace ismc::cli

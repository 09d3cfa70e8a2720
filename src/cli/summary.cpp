#include "cli/summary.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output_paths.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

// The chains' draws of one column: draws[chain][iteration].
std::vector<std::vector<double>> column_chains(const std::vector<stan_csv>& chains,
                                               const std::string& name) {
  std::vector<std::vector<double>> draws;
  for (const stan_csv& chain : chains) draws.push_back(chain.values(name));
  return draws;
}

bool is_sampler_column(const std::string& name) {
  return name.size() > 2 && name.compare(name.size() - 2, 2, "__") == 0;
}

std::string percent(std::size_t count, std::size_t total) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2g%%",
                100.0 * static_cast<double>(count) / static_cast<double>(total));
  return text;
}

void check_alike(const std::vector<stan_csv>& chains) {
  if (chains.empty()) throw usage_error("summary: no chains");
  for (const stan_csv& chain : chains) {
    if (chain.columns != chains.front().columns) {
      throw input_error(chain.path, 0, "",
                        "its columns differ from those of " + chains.front().path);
    }
    if (chain.draws.empty())
      throw input_error(chain.path, 0, "", "the file holds no sampling draws");
  }
}

}  // namespace

std::vector<std::string> sampler_problems(const std::vector<stan_csv>& chains,
                                          const std::vector<parameter_summary>& summaries) {
  check_alike(chains);
  std::vector<std::string> problems;
  const stan_csv& first = chains.front();
  const auto has = [&](const char* name) {
    return std::find(first.columns.begin(), first.columns.end(), name) != first.columns.end();
  };
  std::size_t total = 0, divergent = 0, at_max_depth = 0;
  long max_depth = 10;
  // CmdStan writes max_depth, rstan max_treedepth.
  for (const char* key : {"max_depth", "max_treedepth"}) {
    if (!first.config.count(key)) continue;
    const std::string& text = first.config.at(key);
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), max_depth);
    if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || max_depth < 1) {
      throw input_error(first.path, 0, key, got_expected("'" + text + "'", "an integer >= 1"));
    }
  }
  for (const stan_csv& chain : chains) {
    total += chain.draws.size();
    if (has("divergent__")) {
      for (double value : chain.values("divergent__")) divergent += value != 0.0 ? 1 : 0;
    }
    if (has("treedepth__")) {
      for (double value : chain.values("treedepth__"))
        at_max_depth += value >= static_cast<double>(max_depth) ? 1 : 0;
    }
  }
  if (at_max_depth > 0) {
    problems.push_back(
        std::to_string(at_max_depth) + " of " + std::to_string(total) + " (" +
        percent(at_max_depth, total) + ") transitions hit the maximum treedepth limit of " +
        std::to_string(max_depth) +
        ".\nTrajectories that are prematurely terminated due to this limit will result in "
        "slow exploration.\nFor optimal performance, increase this limit.");
  }
  if (divergent > 0) {
    problems.push_back(
        std::to_string(divergent) + " of " + std::to_string(total) + " (" +
        percent(divergent, total) +
        ") transitions ended with a divergence.\nThese divergent transitions indicate "
        "that HMC is not fully able to explore the posterior distribution.\nTry "
        "increasing adapt delta closer to 1.\nIf this doesn't remove all divergences, "
        "try to reparameterize the model.");
  }
  if (has("energy__")) {
    std::string low;
    for (std::size_t c = 0; c < chains.size(); ++c) {
      const double value = ebfmi(chains[c].values("energy__"));
      if (value < 0.3) {
        char text[96];
        std::snprintf(text, sizeof text, "  Chain %zu: E-BFMI = %.3g\n", c + 1, value);
        low += text;
      }
    }
    if (!low.empty()) {
      problems.push_back(
          "The E-BFMI of these chains is below the nominal threshold of 0.3, which "
          "suggests that HMC may have trouble exploring the target distribution:\n" +
          low + "If possible, try to reparameterize the model.");
    }
  }
  // Draws that are not numbers make every statistic of their column meaningless.
  std::string not_finite;
  for (std::size_t c = 0; c < first.columns.size(); ++c) {
    std::size_t count = 0;
    for (const stan_csv& chain : chains) {
      for (const std::vector<double>& row : chain.draws) count += std::isfinite(row[c]) ? 0 : 1;
    }
    if (count > 0) {
      not_finite += "  " + first.columns[c] + ": " + std::to_string(count) + " of " +
                    std::to_string(total) + "\n";
    }
  }
  if (!not_finite.empty()) {
    problems.push_back("The following columns have draws that are nan or infinite:\n" + not_finite +
                       "Their summaries above are not meaningful.");
  }
  std::string high_rhat, low_ess;
  const double min_ess = 100.0 * static_cast<double>(chains.size());
  for (const parameter_summary& s : summaries) {
    if (s.rhat > 1.01) high_rhat += "  " + s.name + "\n";
    if (s.ess_bulk < min_ess || s.ess_tail < min_ess) low_ess += "  " + s.name + "\n";
  }
  if (!high_rhat.empty()) {
    problems.push_back(
        "The following parameters had rank-normalized split R-hat greater than 1.01:\n" +
        high_rhat +
        "Such high values indicate incomplete mixing and biased estimation.\n"
        "You should consider regularizing your model with additional prior information "
        "or a more effective parameterization.");
  }
  if (!low_ess.empty()) {
    problems.push_back(
        "The following parameters had fewer than 100 effective draws per chain "
        "(bulk or tail):\n" +
        low_ess +
        "Such low values indicate that the effective sample size estimators may be "
        "biased high and actual performance may be substantially lower than quoted.");
  }
  return problems;
}

void print_summary(std::ostream& out, const std::vector<stan_csv>& chains) {
  check_alike(chains);
  const stan_csv& first = chains.front();
  std::size_t draws = 0;
  for (const stan_csv& chain : chains) draws += chain.draws.size();
  const std::string model = first.config.count("model") ? first.config.at("model") : "model";
  out << "Inference for " << model << ": " << chains.size()
      << (chains.size() == 1 ? " chain" : " chains") << ", " << draws << " draws in all\n\n";
  char line[256];
  std::size_t width = 4;
  for (const std::string& name : first.columns) width = std::max(width, name.size());
  std::snprintf(line, sizeof line, "%-*s %10s %9s %9s %9s %9s %9s %9s %9s %7s\n",
                static_cast<int>(width), "", "Mean", "MCSE", "StdDev", "5%", "50%", "95%",
                "ESS_bulk", "ESS_tail", "R_hat");
  out << line;
  // Each column is summarized once: the table and the R-hat and ESS checks share them.
  std::vector<parameter_summary> summaries;
  for (const std::string& name : first.columns) {
    if (is_sampler_column(name) && name != "lp__") continue;
    const parameter_summary& s =
        summaries.emplace_back(summarize(name, column_chains(chains, name)));
    std::snprintf(line, sizeof line,
                  "%-*s %10.4g %9.3g %9.4g %9.4g %9.4g %9.4g %9.0f %9.0f %7.4g\n",
                  static_cast<int>(width), name.c_str(), s.mean, s.mcse_mean, s.sd, s.q5, s.q50,
                  s.q95, s.ess_bulk, s.ess_tail, s.rhat);
    out << line;
  }
  out << "\n";
  const std::vector<std::string> problems = sampler_problems(chains, summaries);
  if (problems.empty()) {
    out << "Processing complete, no problems detected.\n";
  } else {
    for (const std::string& problem : problems) out << problem << "\n\n";
  }
}

std::vector<stan_csv> split_chains(const stan_csv& file) {
  for (const auto& [id_column, step_column] :
       {std::pair<const char*, const char*>{"walker", "step"}, {"chain", "draw"}}) {
    const auto& columns = file.columns;
    const auto id = std::find(columns.begin(), columns.end(), id_column);
    const auto step = std::find(columns.begin(), columns.end(), step_column);
    if (id == columns.end() || step == columns.end()) continue;
    const std::size_t id_index = static_cast<std::size_t>(id - columns.begin());
    const std::size_t step_index = static_cast<std::size_t>(step - columns.begin());
    std::map<double, stan_csv> by_id;  // ordered by walker or chain number
    for (std::size_t r = 0; r < file.draws.size(); ++r) {
      const std::vector<double>& row = file.draws[r];
      const double id = row[id_index];
      if (!(std::isfinite(id) && id >= 0.0 && id == std::floor(id))) {
        throw input_error(
            file.path, 0, id_column,
            "draw " + std::to_string(r + 1) + ": " + got_expected(id, "an integer >= 0"));
      }
      stan_csv& chain = by_id[id];
      if (chain.columns.empty()) {
        chain.path = file.path;
        chain.config = file.config;
        for (std::size_t c = 0; c < columns.size(); ++c)
          if (c != id_index && c != step_index) chain.columns.push_back(columns[c]);
      }
      std::vector<double> values;
      for (std::size_t c = 0; c < row.size(); ++c)
        if (c != id_index && c != step_index) values.push_back(row[c]);
      chain.draws.push_back(std::move(values));
    }
    std::vector<stan_csv> chains;
    for (auto& entry : by_id) chains.push_back(std::move(entry.second));
    for (const stan_csv& chain : chains) {
      if (chain.draws.size() != chains.front().draws.size()) {
        throw input_error(file.path, 0, id_column,
                          "the " + std::string(id_column) + "s have different numbers of draws");
      }
    }
    return chains;
  }
  return {file};
}

CLI::App* add_summary_command(CLI::App& app, std::vector<std::string>& files) {
  CLI::App* summary =
      app.add_subcommand("summary", "Summarize Stan CSV files (ours or CmdStan's), one chain each");
  summary->add_option("files", files, "Stan CSV files")->required()->type_name("FILE.csv...");
  return summary;
}

int run_summary_command(const std::vector<std::string>& files) {
  // The same file twice would count its chains twice.
  for (std::size_t f = 1; f < files.size(); ++f) {
    for (std::size_t earlier = 0; earlier < f; ++earlier) {
      if (same_file(files[f], files[earlier])) {
        throw usage_error(bad_value("files", "'" + files[f] + "'",
                                    "each file once ('" + files[earlier] + "' is the same file)"));
      }
    }
  }
  std::vector<stan_csv> chains;
  for (const std::string& file : files) {
    for (stan_csv& chain : split_chains(read_stan_csv_file(file)))
      chains.push_back(std::move(chain));
  }
  print_summary(std::cout, chains);
  return 0;
}

}  // namespace ismc::cli

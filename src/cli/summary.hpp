#pragma once
// The posterior summary that `ismc sample` and `ismc summary` print: per parameter mean,
// MCSE, sd, 5%, 50%, 95%, ESS_bulk, ESS_tail, R-hat, then the checks Stan's `diagnose`
// makes (divergences, max tree depth, E-BFMI, R-hat, effective sample size).

#include <iosfwd>
#include <string>
#include <vector>

#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/stan_csv.hpp"

namespace CLI {
class App;
}

namespace ismc::cli {

/// The problems found in a set of chains, one paragraph each; empty when none.
/// `summaries`: the summaries of lp__ and every model column (as `print_summary` prints
/// them), which the R-hat and effective sample size checks read.
std::vector<std::string> sampler_problems(const std::vector<stan_csv>& chains,
                                          const std::vector<parameter_summary>& summaries);

/// Prints the summary table of `chains` (lp__ and every model column) and their problems
/// (or "no problems detected") to `out`. Chains must share their columns and draw counts.
/// @throws ismc::input_error when they do not.
void print_summary(std::ostream& out, const std::vector<stan_csv>& chains);

/// A file of draws as chains: an ensemble's walkers (columns `walker`, `step`) or a file
/// of several chains (`chain`, `draw`) split by that column; any other file is one chain.
std::vector<stan_csv> split_chains(const stan_csv& file);

/// Adds the `summary` subcommand with its file arguments bound to `files`.
CLI::App* add_summary_command(CLI::App& app, std::vector<std::string>& files);

/// `ismc summary FILE.csv...`: reads each file (one chain each, or split as
/// `split_chains` does) and prints the summary.
int run_summary_command(const std::vector<std::string>& files);

}  // namespace ismc::cli

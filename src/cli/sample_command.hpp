#pragma once
// `ismc sample MODEL --data FILE.json ...`: NUTS chains in parallel threads, one Stan CSV
// per chain (DIR/MODEL-1.csv … DIR/MODEL-C.csv, written atomically), then the summary.

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace ismc::cli {

/// The flags of `ismc sample`.
struct sample_options {
  std::string model;
  std::string data_path;
  std::size_t chains = 4;
  std::size_t warmup = 1000;
  std::size_t draws = 1000;
  std::uint64_t seed = 0;
  bool seed_given = false;  ///< without --seed, a seed is drawn and written to the CSV
  std::string metric = "diag";
  double adapt_delta = 0.8;
  std::size_t max_depth = 10;
  std::size_t thin = 1;
  bool save_warmup = false;
  std::string init = "2";  ///< a radius, or a Stan JSON file of initial values
  std::string output_dir = ".";
  unsigned threads = 0;  ///< threads running chains; 0 = one per chain up to the hardware
  bool quiet = false;
};

/// Adds the `sample` subcommand with its flags bound to `options`.
CLI::App* add_sample_command(CLI::App& app, sample_options& options);

/// Runs `ismc sample`; returns the exit code.
int run_sample_command(const sample_options& options);

}  // namespace ismc::cli

#pragma once
// `ismc rates STUDY.toml ...`: a rejection-rate study; the table on stdout, then the CSV and
// the JSON report when asked, written atomically and only after the whole study succeeded.

#include <cstdint>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ismc::cli {

/// The flags of `ismc rates`.
struct rates_options {
  std::string study_path;
  std::string out_path;               ///< CSV; empty: none
  std::string json_path;              ///< JSON; empty: none
  std::optional<std::uint64_t> seed;  ///< overrides [run] seed
  unsigned threads = 0;               ///< 0: all hardware threads
  std::string backend = "auto";
  bool quiet = false;
  std::string out_dir;     ///< --out-dir: a new study directory; empty: none
  std::string resume_dir;  ///< --resume: continue this study directory; empty: none
  bool no_lock = false;    ///< --no-lock: run where the filesystem cannot lock
  std::string shard;       ///< --shard I/N; empty: the whole study
  std::string pilot_dir;   ///< --pilot: reuse this directory's importance pilot
};

/// Adds the `rates` subcommand with its flags bound to `options`.
CLI::App* add_rates_command(CLI::App& app, rates_options& options);

/// Runs `ismc rates`; returns the exit code.
int run_rates_command(const rates_options& options);

}  // namespace ismc::cli

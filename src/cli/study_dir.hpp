#pragma once
/// @file study_dir.hpp
/// @brief A study directory (`ismc rates STUDY.toml --out-dir DIR`, `--resume DIR`,
/// `ismc status DIR`, `ismc merge`): the resolved study (`DIR/study.toml`), the append-only
/// log of finished chunks (`DIR/results.sqlite`, cli/results_log.hpp), an advisory lock
/// (`DIR/lock`) and the outputs written from the log at the end (`DIR/rates.csv`,
/// `DIR/report.json`).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/rates_command.hpp"
#include "cli/results_log.hpp"
#include "ismc/rates/chunks.hpp"
#include "ismc/rates/study.hpp"

namespace CLI {
class App;
}

namespace ismc::cli {

/// The files of a study directory.
struct study_dir_paths {
  std::string dir;
  std::string study() const { return dir + "/study.toml"; }
  std::string log() const { return dir + "/results.sqlite"; }
  std::string lock() const { return dir + "/lock"; }
  std::string csv() const { return dir + "/rates.csv"; }
  std::string json() const { return dir + "/report.json"; }
};

/// The exclusive advisory lock (`flock`) on `DIR/lock`, held while a process writes the
/// directory and released by the kernel when the process ends in any way; a lock file
/// left behind does not block anyone.
class dir_lock {
 public:
  /// Takes the lock of `paths`, or, with `no_lock`, none where the filesystem has no
  /// working locks.
  /// @throws ismc::usage_error naming `flag` and the directory when another process holds
  ///         it, or when the filesystem cannot lock and `no_lock` is false.
  dir_lock(const study_dir_paths& paths, const std::string& flag, bool no_lock);
  ~dir_lock();
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;

 private:
  int descriptor_ = -1;
};

/// The study as the TOML text `io::parse_study` reads back to the same study: every
/// section and key, every default filled (the resolved study of `DIR/study.toml`).
std::string resolved_study_toml(const rates_study& study);

/// A 64-bit FNV-1a hash of `text` as 16 hexadecimal digits.
std::string text_hash(const std::string& text);

/// The importance plan as the log keeps it (JSON; every double round-trips exactly).
std::string plan_json(const importance_plan& plan, std::size_t dim);

/// The plan of `plan_json` for a study of `targets` (row-major, `dim` each).
importance_plan plan_from_json(const std::string& json, const std::vector<double>& targets,
                               std::size_t dim, const std::string& source);

/// Adds `--out-dir`, `--resume`, `--no-lock`, `--shard` and `--pilot` to `ismc rates`.
void add_study_dir_flags(CLI::App& rates, rates_options& options);

/// Refuses `--no-lock`, `--shard` and `--pilot` without a study directory.
/// @throws ismc::usage_error naming the flag.
void check_no_study_dir_flags(const rates_options& options);

/// Runs `ismc rates` with `--out-dir` or `--resume`; returns the exit code.
int run_rates_in_dir(const rates_options& options);

/// `ismc status DIR`: the study, chunks done and to do, the log's and the lock's state.
int run_status_command(const std::string& dir);

/// `ismc merge DIR... --out-dir ALL`: shards of one study, covering it exactly once, merged
/// into a new study directory with the outputs one run gives.
int run_merge_command(const std::vector<std::string>& shards, const std::string& out_dir,
                      bool quiet);

}  // namespace ismc::cli

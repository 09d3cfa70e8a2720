#pragma once
// `ismc status DIR` and `ismc merge DIR... --out-dir ALL`: the commands on study
// directories besides `ismc rates --out-dir/--resume` (cli/study_dir.hpp).

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ismc::cli {

/// The flags of `ismc status` and `ismc merge`.
struct study_dir_commands {
  CLI::App* status = nullptr;
  CLI::App* merge = nullptr;
  std::string status_dir;               ///< status: the directory
  std::vector<std::string> merge_dirs;  ///< merge: the shard directories
  std::string merge_out;                ///< merge: --out-dir
  bool quiet = false;
};

/// Adds the `status` and `merge` subcommands.
void add_study_dir_commands(CLI::App& app, study_dir_commands& commands);

/// Runs whichever of them was parsed: its exit code, or -1 when neither was.
int run_study_dir_commands(const study_dir_commands& commands);

}  // namespace ismc::cli

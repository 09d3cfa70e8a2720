#include "cli/study_dir_commands.hpp"

#include <CLI/CLI.hpp>

#include "cli/study_dir.hpp"

namespace ismc::cli {

void add_study_dir_commands(CLI::App& app, study_dir_commands& commands) {
  commands.status = app.add_subcommand(
      "status", "A study directory's state: chunks done and to do, the log, the lock");
  commands.status->add_option("dir", commands.status_dir, "The study directory")
      ->required()
      ->type_name("DIR");
  commands.merge = app.add_subcommand(
      "merge", "Merge the shard directories of one study (--shard I/N) into one directory");
  commands.merge->add_option("dirs", commands.merge_dirs, "The shard directories")
      ->required()
      ->type_name("DIR...");
  commands.merge
      ->add_option("--out-dir", commands.merge_out,
                   "The merged study directory (new or empty): log, CSV and JSON report")
      ->required()
      ->type_name("ALL");
  commands.merge->add_flag("-q,--quiet", commands.quiet, "No progress bar");
}

int run_study_dir_commands(const study_dir_commands& commands) {
  if (commands.status != nullptr && commands.status->parsed()) {
    return run_status_command(commands.status_dir);
  }
  if (commands.merge != nullptr && commands.merge->parsed()) {
    return run_merge_command(commands.merge_dirs, commands.merge_out, commands.quiet);
  }
  return -1;
}

}  // namespace ismc::cli

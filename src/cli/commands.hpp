#pragma once
/// @file commands.hpp
/// @brief The `ismc` command line: subcommands, flags and exit codes.

namespace ismc::cli {

/// Runs the command line `argv` (argv[0] is the program name) and returns the exit code:
///
/// - 0: success (also `--help` and `--version`);
/// - 2: bad usage: a flag CLI11 rejects, or an `ismc::usage_error` (which includes every
///   `ismc::input_error` of a study file);
/// - 1: a failure while running: any other `ismc::error` or `std::exception`;
/// - 130: `ismc::interrupted` (SIGINT/SIGTERM before the outputs were renamed into place).
///
/// Errors are printed to stderr as `ismc: error: <message>`. This is the only place where
/// exceptions become exit codes; it never throws.
///
/// Subcommands:
/// - `ismc devices`: the CPU threads and the CUDA devices this build can use;
/// - `ismc rates STUDY.toml [--out rates.csv] [--json rates.json] [--seed N]
///   [--threads N] [--backend auto|cpu|cuda] [--quiet]`: runs a rejection-rate study,
///   prints the table to stdout and writes the CSV / JSON only when asked, atomically and
///   only after the whole study succeeded.
int run_cli(int argc, char** argv);

}  // namespace ismc::cli

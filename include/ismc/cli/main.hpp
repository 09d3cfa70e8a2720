#pragma once
/// @file cli/main.hpp
/// @brief The `ismc` command line as a library call, for programs that register their own
/// models (rates/registry.hpp) and then run the usual commands over them.

namespace ismc::cli {

/// Runs the `ismc` command line `argv` (argv[0] is the program name): every subcommand,
/// flag and output of the `ismc` program, which is this call and nothing else. Returns the
/// exit code (0 success; 2 bad usage or input, nothing written; 1 a failure while running;
/// 130 interrupted) after printing any error to stderr as `ismc: error: <message>`; never
/// throws. Models registered before the call (`register_model`) are found by the name a
/// study file gives in `[model] family`. Link `ismc::cli`.
int main(int argc, char** argv);

}  // namespace ismc::cli

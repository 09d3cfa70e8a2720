/// @file main.cpp
/// @brief The `ismc` program: everything, exit codes included, is in `run_cli`.

#include "cli/commands.hpp"

int main(int argc, char** argv) { return ismc::cli::run_cli(argc, argv); }

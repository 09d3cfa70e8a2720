/// @file main.cpp
/// @brief The `ismc` program: the command line library's `ismc::cli::main`, nothing else (a
/// program with models of its own calls the same function after registering them).

#include "ismc/cli/main.hpp"

int main(int argc, char** argv) { return ismc::cli::main(argc, argv); }

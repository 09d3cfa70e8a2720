#include "ismc/cli/main.hpp"

#include "cli/commands.hpp"

namespace ismc::cli {

int main(int argc, char** argv) { return run_cli(argc, argv); }

}  // namespace ismc::cli

#include "cli/plot_command.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ismc/core/error.hpp"

#ifndef ISMC_SOURCE_DIR
#define ISMC_SOURCE_DIR ""
#endif
#ifndef ISMC_PYTHON_PATH
#define ISMC_PYTHON_PATH ""
#endif

namespace ismc::cli {

namespace {

// The Python that draws: $ISMC_PYTHON, the project's .venv, or python3 on the PATH.
std::string python_program() {
  if (const char* given = std::getenv("ISMC_PYTHON"); given != nullptr && *given != '\0') {
    return given;
  }
  const std::filesystem::path venv = std::filesystem::path(ISMC_SOURCE_DIR) / ".venv/bin/python";
  std::error_code ignored;
  if (std::string(ISMC_SOURCE_DIR).size() > 0 && std::filesystem::exists(venv, ignored)) {
    return venv.string();
  }
  return "python3";
}

// Runs `arguments` (arguments[0] looked up on the PATH) with the build tree's package first
// on PYTHONPATH; `quiet` sends its output to /dev/null. Returns its exit code, or 127 when it
// could not be started.
int run_program(const std::vector<std::string>& arguments, bool quiet) {
  const pid_t child = fork();
  if (child < 0) throw runtime_failure(std::string("plot: fork failed: ") + std::strerror(errno));
  if (child == 0) {
    const std::string package_path = ISMC_PYTHON_PATH;
    std::error_code ignored;
    if (!package_path.empty() && std::filesystem::is_directory(package_path, ignored)) {
      const char* old = std::getenv("PYTHONPATH");
      const std::string path =
          package_path + (old != nullptr && *old != '\0' ? ":" + std::string(old) : "");
      setenv("PYTHONPATH", path.c_str(), 1);
    }
    if (quiet) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
    }
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR)
      throw runtime_failure(std::string("plot: waitpid failed: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 1;  // killed by a signal (Ctrl-C reaches the child too)
}

}  // namespace

CLI::App* add_plot_command(CLI::App& app, plot_options& options) {
  CLI::App* plot = app.add_subcommand(
      "plot", "Draw the rejection-rate figure of results CSVs (runs python3 -m ismc.plot)");
  plot->add_option("files", options.files, "Results CSVs of `ismc rates --out`, overlaid")
      ->required()
      ->type_name("FILE.csv...");
  plot->add_option("-o,--out", options.out_path, "The image to write (.png, .pdf, .svg)")
      ->required()
      ->type_name("FILE.png");
  plot->add_flag("--log", options.log, "Logarithmic rate axis");
  return plot;
}

int run_plot_command(const plot_options& options) {
  const std::string python = python_program();
  if (run_program({python, "-c", "import ismc.plot"}, true) != 0) {
    throw runtime_failure(
        "plot: the Python package ismc (with matplotlib) cannot be imported by '" + python +
        "'; install it with: bash scripts/test.sh (creates .venv/ and builds the package into "
        "build/python), or: python3 -m venv .venv && .venv/bin/pip install . (or set "
        "ISMC_PYTHON to a Python that has it)");
  }
  std::vector<std::string> arguments = {python, "-m", "ismc.plot"};
  arguments.insert(arguments.end(), options.files.begin(), options.files.end());
  arguments.push_back("-o");
  arguments.push_back(options.out_path);
  if (options.log) arguments.push_back("--log");
  return run_program(arguments, false);
}

}  // namespace ismc::cli

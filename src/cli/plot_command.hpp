#pragma once
// `ismc plot FILE.csv... -o FILE.png`: the rate figure of results CSVs, drawn by the Python
// package (`python3 -m ismc.plot`) run from the project's environment.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ismc::cli {

/// The flags of `ismc plot`.
struct plot_options {
  std::vector<std::string> files;  ///< results CSVs of `ismc rates --out`, overlaid
  std::string out_path;            ///< the image to write (-o)
  bool log = false;                ///< a logarithmic rate axis
};

/// Adds the `plot` subcommand with its flags bound to `options`.
CLI::App* add_plot_command(CLI::App& app, plot_options& options);

/// Runs `python -m ismc.plot FILES -o OUT [--log]` with the first Python of: $ISMC_PYTHON,
/// the project's .venv/bin/python, python3 on the PATH; the build tree's package
/// (build/python) goes first on its PYTHONPATH. Throws `runtime_failure` naming the install
/// command when that Python cannot import the package; returns the program's exit code.
int run_plot_command(const plot_options& options);

}  // namespace ismc::cli

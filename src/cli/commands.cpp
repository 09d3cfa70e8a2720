#include "cli/commands.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/devices_command.hpp"
#include "cli/error_context.hpp"
#include "cli/plot_command.hpp"
#include "cli/population_command.hpp"
#include "cli/rates_command.hpp"
#include "cli/sample_command.hpp"
#include "cli/study_dir_commands.hpp"
#include "cli/summary.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

int run_commands(int argc, char** argv) {
  CLI::App app{"ismc: Monte Carlo and importance sampling for rejection rates of statistical tests",
               "ismc"};
  app.set_version_flag("--version", std::string("ismc ") + ismc::version);
  app.require_subcommand(1);

  CLI::App* devices = add_devices_command(app);
  rates_options options;
  CLI::App* rates = add_rates_command(app, options);
  sample_options sampling;
  CLI::App* sample = add_sample_command(app, sampling);
  population_options population_flags;
  CLI::App* population = add_population_command(app, population_flags);
  std::vector<std::string> summary_files;
  CLI::App* summary = add_summary_command(app, summary_files);
  plot_options plot_flags;
  CLI::App* plot = add_plot_command(app, plot_flags);
  study_dir_commands study_dirs;
  add_study_dir_commands(app, study_dirs);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "ismc: error: " << e.what() << "\n"
              << "Run 'ismc --help' for usage.\n";
    return 2;
  }

  if (devices->parsed()) return run_devices_command();
  if (sample->parsed()) return run_sample_command(sampling);
  if (summary->parsed()) return run_summary_command(summary_files);
  if (population->parsed()) return run_population_command(population_flags);
  if (rates->parsed()) return run_rates_command(options);
  if (plot->parsed()) return run_plot_command(plot_flags);
  if (const int code = run_study_dir_commands(study_dirs); code >= 0) return code;
  return 2;  // unreachable: require_subcommand(1)
}

}  // namespace

int run_cli(int argc, char** argv) {
  take_error_context();  // nothing from an earlier run in this process
  try {
    return run_commands(argc, argv);
  } catch (const input_error& e) {  // names its file already
    take_error_context();
    std::cerr << "ismc: error: " << e.what() << "\n";
    return 2;
  } catch (const usage_error& e) {
    std::cerr << "ismc: error: " << e.what() << take_error_context() << "\n";
    return 2;
  } catch (const interrupted& e) {
    take_error_context();
    std::cerr << "ismc: " << e.what() << ": nothing was written\n";
    return 130;  // 128 + SIGINT, as a shell reports a program that Ctrl-C ended
  } catch (const std::exception& e) {
    std::cerr << "ismc: error: " << e.what() << take_error_context() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "ismc: error: unknown failure" << take_error_context() << "\n";
    return 1;
  }
}

}  // namespace ismc::cli

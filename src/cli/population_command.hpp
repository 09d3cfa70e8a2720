#pragma once
// `ismc population STUDY.toml`: the seed-000 comparison of three ways to the population's
// hyper-parameters (θ_μ, θ_σ): (a) fitting per-object point estimates, (b) the
// importance-sampled hyper-likelihood with the ensemble sampler, (c) NUTS on the full
// partial-pooling model, each next to the exact posterior. The study and its file format:
// include/ismc/population/study.hpp, include/ismc/io/population_study_file.hpp.

#include <cstdint>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ismc::cli {

/// The flags of `ismc population`.
struct population_options {
  std::string study_path;
  std::string out_dir = ".";
  std::optional<std::uint64_t> seed;
  std::string backend = "auto";
  unsigned threads = 0;
  bool quiet = false;
};

/// Adds the `population` subcommand with its flags bound to `options`.
CLI::App* add_population_command(CLI::App& app, population_options& options);

/// Runs `ismc population`; returns the exit code.
int run_population_command(const population_options& options);

}  // namespace ismc::cli

#pragma once
// The one error-context mechanism of the commands: a scope names what the command is doing
// ("running the study 'ztest.toml'"); an error that leaves it is reported by `run_cli` with
// ", while <what>" added, so that a failure from deep inside the library (k-means, the
// ensemble, a device) still says which run and which file it belongs to. Errors that name
// their file already (`input_error`) and interrupts are reported as they are.

#include <string>

namespace ismc::cli {

/// While alive, names the stage a command is in; records it if an exception leaves it.
class error_context {
 public:
  explicit error_context(std::string what);
  ~error_context();
  error_context(const error_context&) = delete;
  error_context& operator=(const error_context&) = delete;

 private:
  std::string what_;
  int exceptions_at_start_;
};

/// The stages the last escaping error left, innermost first, as ", while A, while B"; ""
/// when none. Clears them.
std::string take_error_context();

}  // namespace ismc::cli

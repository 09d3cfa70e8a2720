#pragma once
/// @file cli_runner.hpp
/// @brief Runs the `ismc` command line in-process for the CLI tests, capturing its output.

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/commands.hpp"

namespace ismc::testing {

/// What a run of `ismc` gave: the exit code and everything it printed.
struct cli_result {
  int code;
  std::string out;
  std::string err;
};

/// Runs `ismc args...` through `run_cli`, capturing stdout and stderr.
inline cli_result run_ismc(std::vector<std::string> args) {
  args.insert(args.begin(), "ismc");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = cli::run_cli(static_cast<int>(args.size()), argv.data());
  cli_result result;
  result.code = code;
  result.out = ::testing::internal::GetCapturedStdout();
  result.err = ::testing::internal::GetCapturedStderr();
  return result;
}

/// The lines of `text`.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace ismc::testing

#include "cli/error_context.hpp"

#include <exception>
#include <utility>
#include <vector>

namespace ismc::cli {

namespace {
thread_local std::vector<std::string> left_stages;
}  // namespace

error_context::error_context(std::string what)
    : what_(std::move(what)), exceptions_at_start_(std::uncaught_exceptions()) {}

error_context::~error_context() {
  // Unwinding: an exception is leaving this stage.
  if (std::uncaught_exceptions() > exceptions_at_start_) left_stages.push_back(what_);
}

std::string take_error_context() {
  std::string text;
  for (const std::string& stage : left_stages) text += ", while " + stage;
  left_stages.clear();
  return text;
}

}  // namespace ismc::cli

// The commands' error context: a stage left by an exception is named, innermost first; a
// stage left normally is not.
#include "cli/error_context.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ismc::cli {
namespace {

TEST(ErrorContext, AnEscapingErrorNamesTheStagesItLeft) {
  take_error_context();
  try {
    const error_context outer("running the study 's.toml'");
    const error_context inner("clustering");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(take_error_context(), ", while clustering, while running the study 's.toml'");
  EXPECT_EQ(take_error_context(), "");
}

TEST(ErrorContext, AStageLeftNormallyIsNotNamed) {
  take_error_context();
  { const error_context done("writing"); }
  try {
    // A stage that starts and ends inside a handler's unwinding-free code is not named.
    const error_context caught("sampling");
    try {
      throw std::runtime_error("handled inside");
    } catch (const std::runtime_error&) {
    }
  } catch (...) {
  }
  EXPECT_EQ(take_error_context(), "");
}

}  // namespace
}  // namespace ismc::cli

#pragma once
// The errors a call throws, for tests that assert their exact wording.

#include <gtest/gtest.h>

#include <string>

#include "ismc/core/error.hpp"

namespace ismc::testing {

/// The message of the usage_error `call` throws ("" when it throws none).
template <class Call>
std::string usage_message(Call call) {
  try {
    call();
  } catch (const usage_error& e) {
    return e.what();
  }
  return "";
}

/// Expects `parse(text, "study.toml")` to throw an input_error naming that file, `field`
/// (when not empty) and `line` (none when 0), with `fragment` in the message.
template <class Parse>
void expect_input_error(Parse parse, const std::string& text, const std::string& field, long line,
                        const std::string& fragment) {
  try {
    parse(text, "study.toml");
    ADD_FAILURE() << "no error for field " << field << " in:\n" << text;
  } catch (const input_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.file(), "study.toml") << message;
    EXPECT_EQ(e.field(), field) << message;
    EXPECT_EQ(e.line(), line) << message;
    const std::string where =
        line > 0 ? "study.toml:" + std::to_string(line) + ": " : "study.toml: ";
    EXPECT_EQ(message.rfind(where, 0), 0u) << message;
    if (!field.empty()) {
      EXPECT_NE(message.find("field '" + field + "'"), std::string::npos) << message;
    }
    EXPECT_NE(message.find(fragment), std::string::npos)
        << "want '" << fragment << "' in: " << message;
  }
}

}  // namespace ismc::testing

#include "ismc/io/stan_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "ismc/core/error.hpp"

namespace ismc::io {
namespace {

// The input_error `text` raises.
input_error parse_error(const std::string& text) {
  try {
    parse_stan_json(text, "data.json");
  } catch (const input_error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << text;
  return input_error("", 0, "", "");
}

TEST(StanJson, ABadValueIsNamedWithTheValueAndWhatWasExpected) {
  const input_error ragged = parse_error(R"({"y": [[1, 2], [3]]})");
  EXPECT_EQ(ragged.field(), "y");
  EXPECT_EQ(ragged.message(), "got a row of 1 elements, expected 2 elements (a rectangular array)");

  const input_error text = parse_error(R"({"y": [1, "two"]})");
  EXPECT_EQ(text.field(), "y");
  EXPECT_EQ(text.message(), "got \"two\", expected a number or an array of numbers");
  EXPECT_EQ(text.file(), "data.json");
}

}  // namespace
}  // namespace ismc::io

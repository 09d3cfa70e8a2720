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

// Arrays nested 50,000 levels deep are refused with the field (they overflowed the stack),
// while 32 levels, the most accepted, read as a 32-dimensional array.
TEST(StanJson, DeepNestingIsAnErrorNotACrash) {
  const auto nested = [](std::size_t depth) {
    return "{\"y\": " + std::string(depth, '[') + "1" + std::string(depth, ']') + "}";
  };
  const input_error deep = parse_error(nested(50000));
  EXPECT_EQ(deep.field(), "y");
  EXPECT_EQ(deep.message(),
            "got arrays nested more than 32 levels deep, expected at most 32 levels");
  const stan_data ok = parse_stan_json(nested(32), "data.json");
  EXPECT_EQ(ok.at("y").dims.size(), 32u);
  EXPECT_EQ(ok.at("y").values.size(), 1u);
}

// A directory where the data file is expected is named as such, not as bad JSON.
TEST(StanJson, ADirectoryIsNotADataFile) {
  const std::string directory = testing::TempDir();
  try {
    read_stan_json(directory);
    ADD_FAILURE() << "no error for a directory";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), directory);
    EXPECT_EQ(e.message(), "got a directory, expected a Stan JSON data file");
  }
}

}  // namespace
}  // namespace ismc::io

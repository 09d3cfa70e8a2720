// The one error style: "got VALUE, expected EXPECTED" with numbers as number_text writes
// them, "FIELD: ..." for arguments, and the one way a reader adds its file name.

#include "ismc/core/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace ismc {
namespace {

TEST(ErrorStyle, NumbersReadBackExactly) {
  EXPECT_EQ(got_expected(1e-9, "a value > 0.1"), "got 1e-09, expected a value > 0.1");
  EXPECT_EQ(got_expected(0.1, "x"), "got 0.1, expected x");
  EXPECT_EQ(got_expected(-0.7999999999999998, "x"), "got -0.7999999999999998, expected x");
  EXPECT_EQ(got_expected(std::numeric_limits<double>::quiet_NaN(), "a finite number"),
            "got nan, expected a finite number");
}

TEST(ErrorStyle, IntegersAndTextAsThemselves) {
  EXPECT_EQ(got_expected(std::uint64_t{18446744073709551615u}, "less"),
            "got 18446744073709551615, expected less");
  EXPECT_EQ(got_expected(-3, "an integer >= 0"), "got -3, expected an integer >= 0");
  EXPECT_EQ(got_expected(std::string("'dense'"), "diag or unit"),
            "got 'dense', expected diag or unit");
  EXPECT_EQ(got_expected("none", "at least one"), "got none, expected at least one");
}

TEST(ErrorStyle, BadValueNamesTheField) {
  EXPECT_EQ(bad_value("importance.self_weight", 1.5, "a value in (0, 1]"),
            "importance.self_weight: got 1.5, expected a value in (0, 1]");
}

TEST(ErrorStyle, InFileAddsTheFileAndLineAndKeepsTheRest) {
  const input_error library("", 0, "nuts.draws", got_expected(0, "an integer > 0"));
  EXPECT_STREQ(library.what(), "input: field 'nuts.draws': got 0, expected an integer > 0");
  const input_error located = in_file(library, "study.toml", 12);
  EXPECT_EQ(located.file(), "study.toml");
  EXPECT_EQ(located.line(), 12);
  EXPECT_EQ(located.field(), "nuts.draws");
  EXPECT_EQ(located.message(), "got 0, expected an integer > 0");
  EXPECT_STREQ(located.what(), "study.toml:12: field 'nuts.draws': got 0, expected an integer > 0");
  EXPECT_STREQ(in_file(library, "data.json").what(),
               "data.json: field 'nuts.draws': got 0, expected an integer > 0");
}

}  // namespace
}  // namespace ismc

// The one number formatter: shortest text that reads back exactly, as the CSV, the table
// and the error messages print numbers.

#include "ismc/core/number_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace ismc {
namespace {

TEST(NumberText, RoundTrips) {
  for (double value : {0.1, 1.0 / 3.0, -0.7999999999999998, 1e-300, 6.02214076e23, 0.0,
                       std::numeric_limits<double>::denorm_min(), 0.024997895148220435}) {
    const std::string text = number_text(value);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
  }
}

TEST(NumberText, ShortestForms) {
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(number_text(2.0), "2");
  EXPECT_EQ(number_text(1e-9), "1e-09");
  EXPECT_EQ(number_text(std::nan("")), "nan");
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace ismc

#include "models/stan_data_readers.hpp"

#include <cmath>

#include "ismc/core/error.hpp"

namespace ismc::detail {

std::string element_name(const std::string& field, std::size_t index) {
  return field + "[" + std::to_string(index + 1) + "]";
}

const data_value& require_field(const stan_data& data, const std::string& field,
                                const std::string& expected) {
  const auto found = data.find(field);
  if (found == data.end()) throw input_error("", 0, field, "missing; expected " + expected);
  return found->second;
}

// A scalar integer ≥ 1, e.g. a count of groups.
std::size_t read_positive_int(const stan_data& data, const std::string& field) {
  const data_value& value = require_field(data, field, "a positive integer");
  if (!value.dims.empty() || value.values.size() != 1) {
    throw input_error("", 0, field,
                      got_expected("an array of " + std::to_string(value.values.size()) + " values",
                                   "a positive integer"));
  }
  const double number = value.values[0];
  if (!value.integer || !(number >= 1.0) || number != std::floor(number)) {
    throw input_error("", 0, field, got_expected(number, "a positive integer"));
  }
  if (number > 1e9) {
    throw input_error("", 0, field, got_expected(number, "at most 1e9"));
  }
  return static_cast<std::size_t>(number);
}

// A one-dimensional array of `length` finite reals (`length_name` says where the length
// comes from, e.g. "J = 8").
std::vector<double> read_real_array(const stan_data& data, const std::string& field,
                                    std::size_t length, const std::string& length_name) {
  const std::string expected = "an array of " + length_name + " reals";
  const data_value& value = require_field(data, field, expected);
  if (value.dims.size() != 1 || value.dims[0] != length || value.values.size() != length) {
    std::string got = value.dims.empty()
                          ? std::string("a scalar")
                          : "an array of " + std::to_string(value.values.size()) + " values in " +
                                std::to_string(value.dims.size()) + " dimension(s)";
    throw input_error("", 0, field, got_expected(got, expected));
  }
  for (std::size_t index = 0; index < length; ++index) {
    if (!std::isfinite(value.values[index])) {
      throw input_error("", 0, element_name(field, index),
                        got_expected(value.values[index], "a finite real"));
    }
  }
  return value.values;
}

// A finite real scalar.
double read_real_scalar(const stan_data& data, const std::string& field) {
  const data_value& value = require_field(data, field, "a real");
  if (!value.dims.empty() || value.values.size() != 1) {
    throw input_error(
        "", 0, field,
        got_expected("an array of " + std::to_string(value.values.size()) + " values", "a real"));
  }
  if (!std::isfinite(value.values[0])) {
    throw input_error("", 0, field, got_expected(value.values[0], "a finite real"));
  }
  return value.values[0];
}

}  // namespace ismc::detail

#include "ismc/io/stan_json.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "ismc/core/error.hpp"

namespace ismc::io {

namespace {

// The deepest array accepted: far beyond any model's data, and a bound on the recursion
// (a file nested thousands of levels deep must be an error, not a stack overflow).
constexpr std::size_t max_array_depth = 32;

// Appends the numbers of `node` to `value`, checking that arrays are rectangular.
void flatten(const nlohmann::json& node, const std::string& file, const std::string& name,
             std::size_t depth, data_value& value) {
  if (node.is_array()) {
    if (depth == max_array_depth) {
      throw input_error(file, 0, name,
                        got_expected("arrays nested more than " + std::to_string(max_array_depth) +
                                         " levels deep",
                                     "at most " + std::to_string(max_array_depth) + " levels"));
    }
    if (value.dims.size() == depth) {
      value.dims.push_back(node.size());
    } else if (value.dims[depth] != node.size()) {
      throw input_error(
          file, 0, name,
          got_expected("a row of " + std::to_string(node.size()) + " elements",
                       std::to_string(value.dims[depth]) + " elements (a rectangular array)"));
    }
    for (const auto& element : node) flatten(element, file, name, depth + 1, value);
    return;
  }
  if (depth != value.dims.size()) {
    throw input_error(file, 0, name, got_expected("a number", "an array (a rectangular array)"));
  }
  if (node.is_number_integer() || node.is_number_unsigned()) {
    value.values.push_back(node.get<double>());
    return;
  }
  value.integer = false;
  if (node.is_number_float()) {
    value.values.push_back(node.get<double>());
    return;
  }
  if (node.is_string()) {
    const std::string text = node.get<std::string>();
    if (text == "inf" || text == "Inf" || text == "Infinity")
      return value.values.push_back(HUGE_VAL);
    if (text == "-inf" || text == "-Inf" || text == "-Infinity")
      return value.values.push_back(-HUGE_VAL);
    if (text == "NaN" || text == "nan") return value.values.push_back(std::nan(""));
  }
  throw input_error(file, 0, name, got_expected(node.dump(), "a number or an array of numbers"));
}

}  // namespace

stan_data parse_stan_json(const std::string& text, const std::string& source_name) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error(source_name, 0, "", std::string("not valid JSON: ") + e.what());
  }
  if (!document.is_object()) {
    throw input_error(source_name, 0, "", "expected a JSON object of named variables");
  }
  stan_data data;
  for (const auto& [name, node] : document.items()) {
    data_value value;
    value.integer = true;
    flatten(node, source_name, name, 0, value);
    data[name] = std::move(value);
  }
  return data;
}

stan_data read_stan_json(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw input_error(path, 0, "", got_expected("a directory", "a Stan JSON data file"));
  }
  std::ifstream in(path);
  if (!in) throw input_error(path, 0, "", "cannot open the data file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_stan_json(text.str(), path);
}

}  // namespace ismc::io

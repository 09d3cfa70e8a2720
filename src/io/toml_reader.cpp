#include "io/toml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"

namespace ismc::io {

namespace {

// A float's text, marked as a float, so that `got 5.0, expected an integer` reads right.
std::string float_text(double value) {
  std::string text = ismc::number_text(value);
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

// Edit distance, to suggest the key a typo was meant to be.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t k = 0; k <= b.size(); ++k) row[k] = k;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t k = 1; k <= b.size(); ++k) {
      const std::size_t above = row[k];
      row[k] = std::min({row[k] + 1, row[k - 1] + 1, diagonal + (a[i - 1] == b[k - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string one_of(const std::vector<std::string>& names, const std::string& got) {
  std::string text = names.size() == 1 ? "expected " : "expected one of ";
  for (std::size_t n = 0; n < names.size(); ++n) text += (n ? ", " : "") + names[n];
  std::size_t best = 3;
  std::string suggestion;
  for (const std::string& name : names) {
    const std::size_t distance = edit_distance(got, name);
    if (distance < best) {
      best = distance;
      suggestion = name;
    }
  }
  if (!suggestion.empty()) text += " (did you mean '" + suggestion + "'?)";
  return text;
}


toml::table parse_toml(const std::string& text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw input_error(source_name, static_cast<long>(e.source().begin.line), "",
                      "TOML syntax error: " + std::string(e.description()));
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw input_error(path, 0, "", "is a directory, expected a " + what);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw input_error(path, 0, "", "cannot open the " + what + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw input_error(path, 0, "", "cannot read the " + what + ": " + std::strerror(errno));
  }
  return text.str();
}

long toml_reader::line_of(const toml::node& node) {
  return static_cast<long>(node.source().begin.line);
}

std::string toml_reader::describe(const toml::node& node, bool with_type) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string text = node.as_string()->get();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      return "\"" + text + "\"" + (with_type ? " (a string)" : "");
    }
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get()) + (with_type ? " (an integer)" : "");
    case toml::node_type::floating_point:
      return float_text(node.as_floating_point()->get()) + (with_type ? " (a float)" : "");
    case toml::node_type::boolean:
      return std::string(node.as_boolean()->get() ? "true" : "false") +
             (with_type ? " (a boolean)" : "");
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

void toml_reader::check_sections(const toml::table& root,
                                 const std::vector<std::string>& sections) {
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    const long line = static_cast<long>(key.source().begin.line);
    const bool known = std::find(sections.begin(), sections.end(), name) != sections.end();
    if (!node.is_table()) {
      if (known)
        fail(line, name, "got " + describe(node, true) + ", expected a section [" + name + "]");
      std::string expected;
      for (std::size_t n = 0; n < sections.size(); ++n) {
        expected += (n == 0                     ? "["
                     : n + 1 == sections.size() ? " and ["
                                                : ", [") +
                    sections[n] + "]";
      }
      fail(line, name, "a key outside any section; expected the sections " + expected);
    }
    if (!known) {
      fail(line, name, "unknown section [" + name + "]; " + one_of(sections, name));
    }
    lines_[name] = line_of(node);
  }
}

void toml_reader::fail(long line, const std::string& field, const std::string& message) const {
  throw input_error(file_, line, field, message);
}

void toml_reader::fail(const toml::node& node, const std::string& field,
                       const std::string& message) const {
  fail(line_of(node), field, message);
}

// The line of `field`, else of the field it is an element of, else of its section.
long toml_reader::line_for(std::string field) const {
  while (!field.empty()) {
    const auto found = lines_.find(field);
    if (found != lines_.end()) return found->second;
    const std::size_t cut = field.find_last_of(".[");
    if (cut == std::string::npos) break;
    field.erase(cut);
  }
  return 0;
}

// Calls the handler of every key in section `name`; an unknown key is an error.
void toml_reader::read_section(const toml::table& root, const std::string& name,
                               const std::vector<std::pair<std::string, handler>>& handlers) {
  const toml::table* section = root[name].as_table();
  if (section == nullptr) return;
  for (auto&& [key, node] : *section) {
    const std::string key_name(key.str());
    const std::string field = name + "." + key_name;
    const auto found = std::find_if(handlers.begin(), handlers.end(),
                                    [&](const auto& entry) { return entry.first == key_name; });
    if (found == handlers.end()) {
      std::vector<std::string> names;
      for (const auto& entry : handlers) names.push_back(entry.first);
      fail(static_cast<long>(key.source().begin.line), field,
           "unknown key in [" + name + "]; " + one_of(names, key_name));
    }
    lines_[field] = line_of(node);
    found->second(node, field);
  }
}

void toml_reader::require(const std::string& field, const std::string& expected) const {
  if (lines_.count(field) != 0) return;
  fail(line_for(field), field, "missing; expected " + expected);
}

double toml_reader::number(const toml::node& node, const std::string& field) const {
  double value = 0.0;
  if (const auto* integer = node.as_integer()) {
    value = static_cast<double>(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    value = floating->get();
  } else {
    fail(node, field, "got " + describe(node, true) + ", expected a number");
  }
  if (!std::isfinite(value)) {
    fail(node, field, "got " + describe(node, false) + ", expected a finite number");
  }
  return value;
}

// A non-negative integer; `expected` says which (e.g. "an integer > 0"), so that a
// negative value gets the same message as an out-of-range one from `validate`.
std::uint64_t toml_reader::count(const toml::node& node, const std::string& field,
                                 const std::string& expected) const {
  const auto* integer = node.as_integer();
  if (integer == nullptr)
    fail(node, field, "got " + describe(node, true) + ", expected " + expected);
  if (integer->get() < 0)
    fail(node, field, "got " + describe(node, false) + ", expected " + expected);
  return static_cast<std::uint64_t>(integer->get());
}

std::size_t toml_reader::size(const toml::node& node, const std::string& field,
                              const std::string& expected) const {
  return static_cast<std::size_t>(count(node, field, expected));
}

bool toml_reader::boolean(const toml::node& node, const std::string& field) const {
  const auto* value = node.as_boolean();
  if (value == nullptr)
    fail(node, field, "got " + describe(node, true) + ", expected true or false");
  return value->get();
}

std::string toml_reader::string(const toml::node& node, const std::string& field,
                                const std::string& expected) const {
  const auto* value = node.as_string();
  if (value == nullptr) fail(node, field, "got " + describe(node, true) + ", expected " + expected);
  return value->get();
}

const toml::array& toml_reader::array(const toml::node& node, const std::string& field,
                                      const std::string& expected) const {
  const auto* value = node.as_array();
  if (value == nullptr) fail(node, field, "got " + describe(node, true) + ", expected " + expected);
  return *value;
}

std::vector<double> toml_reader::numbers(const toml::node& node, const std::string& field) {
  const toml::array& values = array(node, field, "an array of numbers, one per coordinate");
  std::vector<double> result;
  for (std::size_t n = 0; n < values.size(); ++n) {
    const std::string element = field + "[" + std::to_string(n) + "]";
    lines_[element] = line_of(values[n]);
    result.push_back(number(values[n], element));
  }
  return result;
}

}  // namespace ismc::io

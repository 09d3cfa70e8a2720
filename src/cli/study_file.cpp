#include "cli/study_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "ismc/error.hpp"

namespace ismc::cli {

namespace {

const char* const section_names[] = {"model", "test", "grid", "run", "plain", "importance"};

long line_of(const toml::node& node) { return static_cast<long>(node.source().begin.line); }

std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  // Mark a float as one, so that `got 5.0, expected an integer` reads right.
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

// The value of a node as the user wrote it (roughly), plus its type where that helps.
std::string describe(const toml::node& node, bool with_type) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string text = node.as_string()->get();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      return "\"" + text + "\"" + (with_type ? " (a string)" : "");
    }
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get()) + (with_type ? " (an integer)" : "");
    case toml::node_type::floating_point:
      return number_text(node.as_floating_point()->get()) + (with_type ? " (a float)" : "");
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

/// Turns a TOML document into a study, remembering the line of every field it read so
/// that errors found later (by `validate`) still point into the file.
class study_reader {
 public:
  explicit study_reader(std::string file) : file_(std::move(file)) {}

  rates_study read(const toml::table& root) {
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      const long line = static_cast<long>(key.source().begin.line);
      const bool known = std::find(std::begin(section_names), std::end(section_names), name) !=
                         std::end(section_names);
      if (!node.is_table()) {
        if (known) fail(line, name, "got " + describe(node, true) + ", expected a section [" + name + "]");
        fail(line, name, "a key outside any section; expected the sections [model], [test], "
                         "[grid], [run], [plain] and [importance]");
      }
      if (!known) {
        std::vector<std::string> names(std::begin(section_names), std::end(section_names));
        fail(line, name, "unknown section [" + name + "]; " + one_of(names, name));
      }
      lines_[name] = line_of(node);
    }

    rates_study study;
    read_model(root, study.model);
    read_test(root, study.test);
    read_grid(root, study.grid);
    read_run(root, study.run);
    read_plain(root, study.plain);
    read_importance(root, study.importance);

    try {
      validate(study);
    } catch (const input_error& e) {
      if (!e.file().empty()) throw;
      // Re-attach the file and the line where the field was written.
      throw input_error(file_, line_for(e.field()), e.field(), e.message());
    }
    return study;
  }

 private:
  using handler = std::function<void(const toml::node&, const std::string& field)>;

  [[noreturn]] void fail(long line, const std::string& field, const std::string& message) const {
    throw input_error(file_, line, field, message);
  }

  [[noreturn]] void fail(const toml::node& node, const std::string& field,
                         const std::string& message) const {
    fail(line_of(node), field, message);
  }

  // The line of `field`, else of the field it is an element of, else of its section.
  long line_for(std::string field) const {
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
  void read_section(const toml::table& root, const std::string& name,
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

  void require(const std::string& field, const std::string& expected) const {
    if (lines_.count(field) != 0) return;
    fail(line_for(field), field, "missing; expected " + expected);
  }

  double number(const toml::node& node, const std::string& field) const {
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
  std::uint64_t count(const toml::node& node, const std::string& field,
                      const std::string& expected) const {
    const auto* integer = node.as_integer();
    if (integer == nullptr) fail(node, field, "got " + describe(node, true) + ", expected " + expected);
    if (integer->get() < 0) fail(node, field, "got " + describe(node, false) + ", expected " + expected);
    return static_cast<std::uint64_t>(integer->get());
  }

  std::size_t size(const toml::node& node, const std::string& field,
                   const std::string& expected) const {
    return static_cast<std::size_t>(count(node, field, expected));
  }

  bool boolean(const toml::node& node, const std::string& field) const {
    const auto* value = node.as_boolean();
    if (value == nullptr) fail(node, field, "got " + describe(node, true) + ", expected true or false");
    return value->get();
  }

  std::string string(const toml::node& node, const std::string& field,
                     const std::string& expected) const {
    const auto* value = node.as_string();
    if (value == nullptr) fail(node, field, "got " + describe(node, true) + ", expected " + expected);
    return value->get();
  }

  const toml::array& array(const toml::node& node, const std::string& field,
                           const std::string& expected) const {
    const auto* value = node.as_array();
    if (value == nullptr) fail(node, field, "got " + describe(node, true) + ", expected " + expected);
    return *value;
  }

  std::vector<double> numbers(const toml::node& node, const std::string& field) {
    const toml::array& values = array(node, field, "an array of numbers, one per coordinate");
    std::vector<double> result;
    for (std::size_t n = 0; n < values.size(); ++n) {
      const std::string element = field + "[" + std::to_string(n) + "]";
      lines_[element] = line_of(values[n]);
      result.push_back(number(values[n], element));
    }
    return result;
  }

  void read_model(const toml::table& root, model_spec& model) {
    read_section(root, "model",
                 {{"family", [&](const toml::node& node, const std::string& field) {
                     model.family = string(node, field, "\"gaussian\"");
                   }},
                  {"dim", [&](const toml::node& node, const std::string& field) {
                     model.dim = size(node, field, "an integer in [1, 64]");
                   }}});
    require("model.dim", "an integer in [1, 64] (the dimension of theta)");
  }

  void read_test(const toml::table& root, test_spec& test) {
    const std::vector<std::string> kinds = {"one_sided", "two_sided", "sum", "max", "norm"};
    read_section(root, "test",
                 {{"kind", [&](const toml::node& node, const std::string& field) {
                     const std::string name = string(node, field, "a test name");
                     const auto kind = parse_test_kind(name);
                     if (!kind) fail(node, field, "got \"" + name + "\", " + one_of(kinds, name));
                     test.kind = *kind;
                   }},
                  {"critical", [&](const toml::node& node, const std::string& field) {
                     test.critical = number(node, field);
                   }}});
    require("test.kind", one_of(kinds, ""));
    require("test.critical", "a finite number (the critical value c)");
  }

  void read_grid(const toml::table& root, grid_spec& grid) {
    read_section(
        root, "grid",
        {{"lower", [&](const toml::node& node, const std::string& field) {
            grid.lower = numbers(node, field);
          }},
         {"upper", [&](const toml::node& node, const std::string& field) {
            grid.upper = numbers(node, field);
          }},
         {"points", [&](const toml::node& node, const std::string& field) {
            const toml::array& values = array(node, field, "an array of integers > 0");
            grid.points.clear();
            for (std::size_t n = 0; n < values.size(); ++n) {
              const std::string element = field + "[" + std::to_string(n) + "]";
              lines_[element] = line_of(values[n]);
              grid.points.push_back(size(values[n], element, "an integer > 0"));
            }
          }},
         {"thetas", [&](const toml::node& node, const std::string& field) {
            const toml::array& targets = array(node, field, "an array of targets, e.g. [[0.0], [1.5]]");
            if (targets.empty()) fail(node, field, "got an empty array, expected at least one target");
            grid.thetas.clear();
            for (std::size_t j = 0; j < targets.size(); ++j) {
              const std::string element = field + "[" + std::to_string(j) + "]";
              lines_[element] = line_of(targets[j]);
              if (!targets[j].is_array()) {
                fail(targets[j], element,
                     "got " + describe(targets[j], true) +
                         ", expected a target: an array of numbers, one per coordinate");
              }
              grid.thetas.push_back(numbers(targets[j], element));
            }
          }}});
    const bool has_thetas = lines_.count("grid.thetas") != 0;
    const bool has_cartesian = lines_.count("grid.lower") + lines_.count("grid.upper") +
                                   lines_.count("grid.points") != 0;
    if (has_thetas && has_cartesian) {
      fail(line_for("grid.thetas"), "grid.thetas",
           "given together with grid.lower/upper/points; expected either an explicit list of "
           "targets or a Cartesian grid, not both");
    }
    if (has_thetas) return;
    if (!has_cartesian) {
      fail(line_for("grid"), "grid",
           "missing; expected grid.thetas (a list of targets) or grid.lower, grid.upper and "
           "grid.points (a Cartesian grid)");
    }
    require("grid.lower", "an array of numbers, one per coordinate (with grid.upper and grid.points)");
    require("grid.upper", "an array of numbers, one per coordinate (with grid.lower and grid.points)");
    require("grid.points", "an array of integers > 0, one per coordinate (with grid.lower and grid.upper)");
  }

  void read_run(const toml::table& root, run_spec& run) {
    const std::vector<std::string> methods = {"plain", "importance"};
    read_section(root, "run",
                 {{"method", [&](const toml::node& node, const std::string& field) {
                     const std::string name = string(node, field, "\"plain\" or \"importance\"");
                     if (name == "plain") {
                       run.method = rate_method::plain;
                     } else if (name == "importance") {
                       run.method = rate_method::importance;
                     } else {
                       fail(node, field, "got \"" + name + "\", " + one_of(methods, name));
                     }
                   }},
                  {"seed", [&](const toml::node& node, const std::string& field) {
                     run.seed = count(node, field, "an integer >= 0");
                   }},
                  {"confidence", [&](const toml::node& node, const std::string& field) {
                     run.confidence = number(node, field);
                   }},
                  {"common_random_numbers", [&](const toml::node& node, const std::string& field) {
                     run.common_random_numbers = boolean(node, field);
                   }}});
  }

  void read_plain(const toml::table& root, plain_spec& plain) {
    read_section(root, "plain",
                 {{"sims", [&](const toml::node& node, const std::string& field) {
                     plain.sims = count(node, field, "an integer > 0");
                   }}});
  }

  void read_importance(const toml::table& root, importance_spec& importance) {
    const std::string positive = "an integer > 0";
    read_section(
        root, "importance",
        {{"pilot_sims", [&](const toml::node& node, const std::string& field) {
            importance.pilot_sims = count(node, field, positive);
          }},
         {"clusters", [&](const toml::node& node, const std::string& field) {
            importance.clusters = size(node, field, positive);
          }},
         {"self_weight", [&](const toml::node& node, const std::string& field) {
            importance.self_weight = number(node, field);
          }},
         {"sims_per_proposal", [&](const toml::node& node, const std::string& field) {
            importance.sims_per_proposal = count(node, field, "an integer > 1");
          }},
         {"kmeans_restarts", [&](const toml::node& node, const std::string& field) {
            importance.kmeans_restarts = size(node, field, positive);
          }},
         {"kmeans_max_iterations", [&](const toml::node& node, const std::string& field) {
            importance.kmeans_max_iterations = size(node, field, positive);
          }},
         {"kmeans_subsample", [&](const toml::node& node, const std::string& field) {
            importance.kmeans_subsample = size(node, field, positive);
          }},
         {"max_pilot_doublings", [&](const toml::node& node, const std::string& field) {
            importance.max_pilot_doublings = size(node, field, "an integer >= 0");
          }}});
  }

  std::string file_;
  std::map<std::string, long> lines_;  // field (or section) -> line where it was written
};

}  // namespace

rates_study parse_study(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw input_error(source_name, static_cast<long>(e.source().begin.line), "",
                      "TOML syntax error: " + std::string(e.description()));
  }
  return study_reader(source_name).read(root);
}

rates_study load_study(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw input_error(path, 0, "", "is a directory, expected a study file (TOML)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw input_error(path, 0, "", std::string("cannot open the study file: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw input_error(path, 0, "", std::string("cannot read the study file: ") + std::strerror(errno));
  }
  return parse_study(text.str(), path);
}

}  // namespace ismc::cli

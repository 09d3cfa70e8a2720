#pragma once
// Reading TOML input files with errors that name the file, the line, the field, the value
// and what was expected; unknown sections and keys are errors (a typo is never ignored).
// The study files of `ismc rates` and `ismc population` are read with it.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace ismc::io {

/// "expected one of a, b, c", with a "did you mean" for a near miss of `got`.
std::string one_of(const std::vector<std::string>& names, const std::string& got);

/// Parses TOML text; a syntax error becomes an `input_error` with the line.
toml::table parse_toml(const std::string& text, const std::string& source_name);

/// Reads a whole file as text; `what` names it in errors ("study file").
std::string read_text_file(const std::string& path, const std::string& what);

/// Typed, checked access to the keys of a TOML document, remembering the line of every
/// field read so that errors found later still point into the file.
class toml_reader {
 public:
  explicit toml_reader(std::string file) : file_(std::move(file)) {}

  using handler = std::function<void(const toml::node&, const std::string& field)>;

  /// Every top-level key must be one of `sections`, and a table.
  void check_sections(const toml::table& root, const std::vector<std::string>& sections);

  /// Calls the handler of every key in section `name`; an unknown key is an error.
  void read_section(const toml::table& root, const std::string& name,
                    const std::vector<std::pair<std::string, handler>>& handlers);

  /// Fails unless `field` was read.
  void require(const std::string& field, const std::string& expected) const;
  /// Whether `field` was read.
  bool has(const std::string& field) const { return lines_.count(field) != 0; }

  [[noreturn]] void fail(long line, const std::string& field, const std::string& message) const;
  [[noreturn]] void fail(const toml::node& node, const std::string& field,
                         const std::string& message) const;
  /// The line of `field`, else of the field it is an element of, else of its section.
  long line_for(std::string field) const;

  double number(const toml::node& node, const std::string& field) const;
  std::uint64_t count(const toml::node& node, const std::string& field,
                      const std::string& expected) const;
  std::size_t size(const toml::node& node, const std::string& field,
                   const std::string& expected) const;
  bool boolean(const toml::node& node, const std::string& field) const;
  std::string string(const toml::node& node, const std::string& field,
                     const std::string& expected) const;
  const toml::array& array(const toml::node& node, const std::string& field,
                           const std::string& expected) const;
  std::vector<double> numbers(const toml::node& node, const std::string& field);

  /// The value of a node as written, with its type when `with_type`.
  static std::string describe(const toml::node& node, bool with_type);
  static long line_of(const toml::node& node);

 protected:
  std::string file_;
  std::map<std::string, long> lines_;  // field (or section) -> line where it was written
};

}  // namespace ismc::io

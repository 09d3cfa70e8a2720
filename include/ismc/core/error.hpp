#pragma once
/// @file error.hpp
/// @brief The one exception hierarchy of ismc. Only `main` maps these to exit codes.

#include <stdexcept>
#include <string>
#include <type_traits>

#include "ismc/core/number_text.hpp"

namespace ismc {

/// Base of every exception ismc throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller asked for something invalid: a bad argument, flag or value (exit code 2).
class usage_error : public error {
 public:
  using error::error;
};

/// A study, data or model file is malformed. The message names the file, the line,
/// the field, the value and what was expected (exit code 2).
class input_error : public usage_error {
 public:
  input_error(const std::string& file, long line, const std::string& field,
              const std::string& message)
      : usage_error(format(file, line, field, message)),
        file_(file),
        line_(line),
        field_(field),
        message_(message) {}

  /// The file that holds the bad value ("" when the input did not come from a file).
  const std::string& file() const noexcept { return file_; }
  /// 1-based line of the bad value, or 0 when unknown.
  long line() const noexcept { return line_; }
  /// Dotted name of the offending field, e.g. `grid.lower`.
  const std::string& field() const noexcept { return field_; }
  /// What is wrong, without the file, line and field.
  const std::string& message() const noexcept { return message_; }

 private:
  static std::string format(const std::string& file, long line, const std::string& field,
                            const std::string& message) {
    std::string out = file.empty() ? std::string("input") : file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
    if (!field.empty()) out += "field '" + field + "': ";
    return out + message;
  }
  std::string file_;
  long line_;
  std::string field_;
  std::string message_;
};

/// A failure while running: numerical trouble, I/O failure, device error (exit code 1).
class runtime_failure : public error {
 public:
  using error::error;
};

/// The run was interrupted by the user (exit code 130 from the CLI; no output is written).
class interrupted : public runtime_failure {
 public:
  interrupted() : runtime_failure("interrupted") {}
};

/// A feature that this build does not contain was requested, e.g. the CUDA backend in a
/// build without CUDA (exit code 1).
class not_compiled : public runtime_failure {
 public:
  using runtime_failure::runtime_failure;
};

/// A CUDA call failed; the message names the call, the file and the line.
class device_error : public runtime_failure {
 public:
  using runtime_failure::runtime_failure;
};

namespace detail {
inline std::string value_text(const std::string& value) { return value; }
inline std::string value_text(const char* value) { return value; }
inline std::string value_text(double value) { return number_text(value); }
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
std::string value_text(T value) {
  return std::to_string(value);
}
}  // namespace detail

/// The one wording of a bad value, "got VALUE, expected EXPECTED": the message of an
/// `input_error` (which carries the field apart). Numbers print as `number_text` writes
/// them (the shortest text that reads back exactly: 1e-09, never 0.000000), integers as
/// integers, text as given.
template <class T>
std::string got_expected(const T& value, const std::string& expected) {
  return "got " + detail::value_text(value) + ", expected " + expected;
}

/// The one form of a message about a bad argument, "FIELD: got VALUE, expected EXPECTED",
/// for a `usage_error`: `field` names the argument as its caller knows it
/// (`importance.self_weight`, `kmeans: restarts`, `--chains`).
template <class T>
std::string bad_value(const std::string& field, const T& value, const std::string& expected) {
  return field + ": " + got_expected(value, expected);
}

/// `e` (raised by a library check of values that came with no file) as the error of
/// `file`, at `line` (0: unknown): the one place a reader adds its file name.
inline input_error in_file(const input_error& e, const std::string& file, long line = 0) {
  return input_error(file, line, e.field(), e.message());
}

/// The tag of an overload that skips the argument checks of a public function, for
/// arguments that already passed them once in this run (a reader's `validate`, say): the
/// library validates at its public entry points once, and its internals only assert.
struct validated_t {
  explicit validated_t() = default;
};
/// `run_rates(validated, study, ...)`: the caller vouches that `study` passed `validate`.
inline constexpr validated_t validated{};

namespace detail {
/// True when `check` returns without throwing an `ismc::error`: for the debug asserts
/// (`assert(detail::passes([&] { validate(x); }))`) that restate a public function's
/// checks inside the library.
template <class Check>
bool passes(Check&& check) {
  try {
    check();
    return true;
  } catch (const error&) {
    return false;
  }
}
}  // namespace detail

}  // namespace ismc

#pragma once
/// @file error.hpp
/// @brief The one exception hierarchy of ismc. Only `main` maps these to exit codes.

#include <stdexcept>
#include <string>

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

/// The run was interrupted by the user (exit code 1; no output is written).
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

}  // namespace ismc

#pragma once
/// @file number_text.hpp
/// @brief The one number formatter of the library: the shortest decimal text that reads
/// back as exactly the same double, for files that must round-trip and for messages.

#include <charconv>
#include <cmath>
#include <string>

namespace ismc {

/// The shortest decimal text that reads back as exactly `value` ("nan", "inf" and
/// "-inf" for the others).
inline std::string number_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace ismc

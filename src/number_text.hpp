#pragma once
// The shortest decimal text that reads back as exactly the same double ("nan", "inf" and
// "-inf" for the others): for files that must round-trip and for error messages.

#include <charconv>
#include <cmath>
#include <string>

namespace ismc::detail {

inline std::string number_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace ismc::detail

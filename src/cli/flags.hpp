#pragma once
// Checks shared by the commands' flags.

#include <charconv>
#include <cstdint>
#include <string>

namespace ismc::cli {

/// The largest value of any command's --threads (0 picks a default).
inline constexpr unsigned max_threads = 4096;

/// A CLI11 check for counts and seeds: CLI11 reads "-3" into an unsigned as 2^64 − 3, so
/// the text must be plain digits. Returns "" when fine, else what is wrong.
inline std::string check_unsigned(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end) {
    return "got '" + text + "', expected a non-negative integer below 2^64";
  }
  return "";
}

}  // namespace ismc::cli

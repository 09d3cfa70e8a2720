// The one size limit (include/ismc/core/memory.hpp).
#include "ismc/core/memory.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ismc/core/error.hpp"

namespace ismc {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

namespace {

// ISMC_MEMORY_LIMIT's value in bytes, or 0 when unset.
std::uint64_t limit_from_environment() {
  const char* text = std::getenv("ISMC_MEMORY_LIMIT");
  if (text == nullptr || *text == '\0') return 0;
  const std::string value(text);
  char* end = nullptr;
  const double number = std::strtod(text, &end);
  double scale = 1.0;
  const std::string suffix(end);
  if (suffix == "K") scale = 1024.0;
  if (suffix == "M") scale = 1024.0 * 1024.0;
  if (suffix == "G") scale = 1024.0 * 1024.0 * 1024.0;
  if (suffix == "T") scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
  const bool known = suffix.empty() || scale > 1.0;
  const double bytes = number * scale;
  if (end == text || !known || !(bytes >= 1.0 && bytes < 1.8e19)) {
    throw usage_error(bad_value("ISMC_MEMORY_LIMIT", value,
                                "a number of bytes >= 1, optionally with K, M, G or T"));
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace

std::uint64_t memory_limit_bytes() {
  if (const std::uint64_t set = limit_from_environment()) return set;
  const std::uint64_t physical = physical_memory_bytes();
  return physical > 0 ? physical / 2 : std::uint64_t{8} << 30;
}

std::string memory_text(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.3g %s", bytes, units[unit]);
  return text;
}

std::string memory_shortfall(double bytes) {
  const std::uint64_t limit = memory_limit_bytes();
  if (bytes <= static_cast<double>(limit)) return "";
  const bool from_environment = limit_from_environment() != 0;
  return "a size that fits in memory: this needs " + memory_text(bytes) + ", over the limit of " +
         memory_text(static_cast<double>(limit)) +
         (from_environment ? " (ISMC_MEMORY_LIMIT)"
                           : " (half the physical memory; ISMC_MEMORY_LIMIT sets another)");
}

}  // namespace ismc

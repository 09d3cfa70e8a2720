// ISMC_TEST_FAULT, read once: KIND[:N] (include/ismc/core/test_fault.hpp).
#include "ismc/core/test_fault.hpp"

#include <atomic>
#include <charconv>
#include <cstdlib>

#include "ismc/core/error.hpp"

namespace ismc {

namespace {

struct fault_setting {
  std::optional<test_fault> kind;
  std::uint64_t after = 0;
};

fault_setting parse_setting() {
  const char* text = std::getenv("ISMC_TEST_FAULT");
  if (text == nullptr || *text == '\0') return {};
  const std::string value(text);
  const std::string expected =
      "thread_create, write, rename, disk_full, kill_after_chunk, kill_in_transaction, "
      "kill_in_csv or lock, optionally :N";
  const std::size_t colon = value.find(':');
  const std::string name = value.substr(0, colon);
  fault_setting setting;
  for (test_fault kind :
       {test_fault::thread_create, test_fault::write, test_fault::rename, test_fault::disk_full,
        test_fault::kill_after_chunk, test_fault::kill_in_transaction, test_fault::kill_in_csv,
        test_fault::lock}) {
    if (name == to_string(kind)) setting.kind = kind;
  }
  if (!setting.kind) throw usage_error(bad_value("ISMC_TEST_FAULT", value, expected));
  if (colon != std::string::npos) {
    const char* begin = value.data() + colon + 1;
    const char* end = value.data() + value.size();
    const auto parsed = std::from_chars(begin, end, setting.after);
    if (begin == end || parsed.ec != std::errc() || parsed.ptr != end) {
      throw usage_error(bad_value("ISMC_TEST_FAULT", value, expected));
    }
  }
  return setting;
}

const fault_setting& setting() {
  static const fault_setting parsed = parse_setting();
  return parsed;
}

std::atomic<std::uint64_t> occasions{0};

}  // namespace

std::string to_string(test_fault kind) {
  switch (kind) {
    case test_fault::thread_create:
      return "thread_create";
    case test_fault::write:
      return "write";
    case test_fault::rename:
      return "rename";
    case test_fault::disk_full:
      return "disk_full";
    case test_fault::kill_after_chunk:
      return "kill_after_chunk";
    case test_fault::kill_in_transaction:
      return "kill_in_transaction";
    case test_fault::kill_in_csv:
      return "kill_in_csv";
    case test_fault::lock:
      return "lock";
  }
  return "unknown";
}

bool test_fault_strikes(test_fault kind) {
  const fault_setting& current = setting();
  if (current.kind != kind || kind == test_fault::disk_full) return false;
  return occasions.fetch_add(1) >= current.after;
}

std::optional<std::uint64_t> test_fault_disk_limit() {
  const fault_setting& current = setting();
  if (current.kind != test_fault::disk_full) return std::nullopt;
  return current.after;
}

}  // namespace ismc

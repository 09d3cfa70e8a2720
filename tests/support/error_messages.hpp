#pragma once
// The message of the error a call throws, for tests that assert its exact wording.

#include <string>

#include "ismc/core/error.hpp"

namespace ismc::testing {

/// The message of the usage_error `call` throws ("" when it throws none).
template <class Call>
std::string usage_message(Call call) {
  try {
    call();
  } catch (const usage_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace ismc::testing

#pragma once
// Test models that ismc does not ship, as a user would write them.

#include <string>

#include "ismc/rates/gaussian.hpp"

namespace ismc::test {

/// A test ismc does not ship (reject when both coordinates exceed 1): a `gaussian_family`
/// with its own `reject`, so it has no device form; its stages run on the host on any
/// backend.
class both_exceed : public gaussian_family {
 public:
  both_exceed() : gaussian_family(2) {}
  std::string name() const override { return "gaussian/both_exceed"; }
  bool reject(const double* x) const override { return x[0] > 1.0 && x[1] > 1.0; }
};

}  // namespace ismc::test

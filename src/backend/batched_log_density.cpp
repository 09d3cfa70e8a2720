#include "ismc/backend/batched_log_density.hpp"

#include <string>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {

void batched_log_density::log_density_gradient(const double* /*thetas*/, std::size_t /*batch*/,
                                               double* /*out*/, double* /*gradients*/,
                                               const run_hooks& /*hooks*/) const {
  const std::vector<std::string> parameters = names();
  std::string which;
  for (std::size_t d = 0; d < parameters.size() && d < 3; ++d) {
    which += (d > 0 ? ", " : "") + parameters[d];
  }
  if (parameters.size() > 3) which += ", ...";
  throw usage_error("log_density_gradient: this batched log density (" + std::to_string(dim()) +
                    " parameters: " + which +
                    ") has no gradient (has_gradient() is false); expected a density that "
                    "implements log_density_gradient");
}

}  // namespace ismc

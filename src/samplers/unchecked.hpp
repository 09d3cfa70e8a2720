#pragma once
// NUTS without its argument checks, for the library's own calls with settings it already
// validated (run_nuts_chains checks once for all its chains; here the checks are debug
// asserts only).

#include "ismc/core/progress.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/samplers/nuts.hpp"

namespace ismc::detail {

/// The checks of `run_nuts`: the model's dimension, `validate(config)`, and an `init` of
/// one finite value per parameter. Throws `usage_error` naming the setting.
void validate_nuts(const posterior_model& model, const nuts_config& config);

/// `run_nuts` for a model and settings that pass `validate_nuts`.
void run_nuts_unchecked(const posterior_model& model, const nuts_config& config,
                        draw_writer& writer, const run_hooks& hooks);

}  // namespace ismc::detail

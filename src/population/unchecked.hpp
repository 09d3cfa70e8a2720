#pragma once
// The population library's entry points without their argument checks, for the library's
// own calls with values it built or already validated (the public functions check once and
// call these; here the checks are debug asserts only).

#include <vector>

#include "ismc/population/samples.hpp"

namespace ismc::detail {

/// `sample_medians` for samples that pass `validate`.
std::vector<double> sample_medians_unchecked(const population_samples& samples);

}  // namespace ismc::detail

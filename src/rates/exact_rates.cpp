#include "rates/exact_rates.hpp"

#include <cmath>
#include <exception>

#include "ismc/core/number_text.hpp"

namespace ismc::detail {

std::optional<double> exact_rate_or_none(const model& model, const double* theta,
                                         std::string* why) {
  try {
    const std::optional<double> rate = model.exact_rate(theta);
    if (rate && !(*rate >= 0.0 && *rate <= 1.0)) {
      if (why != nullptr) *why = "it came out as " + number_text(*rate) + ", not in [0, 1]";
      return std::nullopt;
    }
    return rate;
  } catch (const std::exception& e) {
    if (why != nullptr) *why = e.what();
    return std::nullopt;
  }
}

std::optional<std::string> exact_rate_warning(const model& model,
                                              const std::vector<double>& targets) {
  const std::size_t dim = model.dim();
  const std::size_t n_targets = targets.size() / dim;
  std::size_t failed = 0;
  std::string first;
  for (std::size_t j = 0; j < n_targets; ++j) {
    std::string why;
    const double* theta = targets.data() + j * dim;
    if (exact_rate_or_none(model, theta, &why) || why.empty()) continue;
    if (failed++ == 0) {
      first = "θ = (";
      for (std::size_t n = 0; n < dim; ++n) first += (n ? ", " : "") + number_text(theta[n]);
      first += "): " + why;
    }
  }
  if (failed == 0) return std::nullopt;
  return "the exact rate could not be computed at " + std::to_string(failed) + " of " +
         std::to_string(n_targets) + " targets (the first, " + first +
         "); their exact cells are empty";
}

}  // namespace ismc::detail

#pragma once
/// @file exact_rates.hpp (private)
/// @brief A test's exact rate where it has one, never an error after hours of simulation:
/// the rates are checked before any simulation, and a target whose rate cannot be
/// computed gets an empty cell and one warning.

#include <optional>
#include <string>
#include <vector>

#include "ismc/rates/model.hpp"

namespace ismc::detail {

/// `model.exact_rate(theta)`, or none where the model cannot compute it (it throws, or the
/// value is not a number in [0, 1]); `why`, when given, gets the reason.
std::optional<double> exact_rate_or_none(const model& model, const double* theta,
                                         std::string* why = nullptr);

/// Computes the exact rate at every target (row-major, `model.dim()` values each) before
/// any simulation; one warning naming how many targets, the first of them and the reason
/// when some cannot be computed, none otherwise.
std::optional<std::string> exact_rate_warning(const model& model,
                                              const std::vector<double>& targets);

}  // namespace ismc::detail

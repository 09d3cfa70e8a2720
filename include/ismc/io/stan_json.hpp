#pragma once
// Reads data in Stan's JSON format ({"J": 8, "y": [28, 8, ...]}) into an ismc::stan_data.

#include <string>

#include "ismc/models/posterior.hpp"

namespace ismc::io {

/// Reads a Stan JSON data file: an object whose members are numbers or (nested,
/// rectangular) arrays of numbers; "inf", "-inf", "NaN" strings as Stan allows.
/// @throws ismc::input_error naming the file and the variable for anything else.
stan_data read_stan_json(const std::string& path);

/// Parses Stan JSON data text; `source_name` names it in errors.
stan_data parse_stan_json(const std::string& text, const std::string& source_name);

}  // namespace ismc::io

#pragma once
// Reading model data (Stan's JSON format, as ismc::stan_data) with errors that name the
// field: shared by the models' factories.

#include <cstddef>
#include <string>
#include <vector>

#include "ismc/models/posterior.hpp"

namespace ismc::detail {

/// A data field as Stan names one element: `sigma[3]` (1-based).
std::string element_name(const std::string& field, std::size_t index);

/// The field, or `input_error` ("missing; expected ...").
const data_value& require_field(const stan_data& data, const std::string& field,
                                const std::string& expected);

/// A scalar integer in [1, 1e9], e.g. a count of groups.
std::size_t read_positive_int(const stan_data& data, const std::string& field);

/// A one-dimensional array of `length` finite reals (`length_name` says where the length
/// comes from, e.g. "J = 8").
std::vector<double> read_real_array(const stan_data& data, const std::string& field,
                                    std::size_t length, const std::string& length_name);

/// A finite real scalar.
double read_real_scalar(const stan_data& data, const std::string& field);

}  // namespace ismc::detail

#pragma once
/// @file backend_kind.hpp
/// @brief Which machine runs a computation: the CPU (threads; the reference) or a CUDA
/// device. Every layer that can put work on a device takes one of these.

#include <optional>
#include <string>

namespace ismc {

/// Which backend to use. `automatic` picks CUDA when it is compiled in and a device is
/// present, else the CPU.
enum class backend_kind { automatic, cpu, cuda };

/// Parses `auto`, `cpu` or `cuda`; nullopt otherwise.
std::optional<backend_kind> parse_backend_kind(const std::string& name);

/// Parses `auto`, `cpu` or `cuda`, the value of `field`; throws `usage_error`
/// "FIELD: got 'NAME', expected auto, cpu or cuda" otherwise.
backend_kind parse_backend_kind(const std::string& field, const std::string& name);

}  // namespace ismc

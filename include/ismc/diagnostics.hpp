#pragma once
/// @file diagnostics.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/samplers/diagnostics.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/samplers/diagnostics.hpp"

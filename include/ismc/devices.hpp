#pragma once
/// @file devices.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/core/devices.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/core/devices.hpp"

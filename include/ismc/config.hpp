#pragma once
/// @file config.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/core/config.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/core/config.hpp"

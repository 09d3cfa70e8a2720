#pragma once
/// @file rates.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/rates.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/rates.hpp"

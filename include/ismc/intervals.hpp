#pragma once
/// @file intervals.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/intervals.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/intervals.hpp"

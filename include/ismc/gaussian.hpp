#pragma once
/// @file gaussian.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/gaussian.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/gaussian.hpp"

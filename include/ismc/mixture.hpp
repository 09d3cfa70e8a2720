#pragma once
/// @file mixture.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/mixture.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/mixture.hpp"

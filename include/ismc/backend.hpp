#pragma once
/// @file backend.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/backend.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/backend.hpp"

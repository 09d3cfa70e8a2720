#pragma once
/// @file eight_schools.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/models/eight_schools.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/models/eight_schools.hpp"

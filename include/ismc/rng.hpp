#pragma once
/// @file rng.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/core/rng.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/core/rng.hpp"

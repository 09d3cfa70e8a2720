#pragma once
/// @file ensemble.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/samplers/ensemble.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/samplers/ensemble.hpp"

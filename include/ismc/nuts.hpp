#pragma once
/// @file nuts.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/samplers/nuts.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/samplers/nuts.hpp"

#pragma once
/// @file kmeans.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/kmeans.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/kmeans.hpp"

#pragma once
/// @file model.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/model.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/model.hpp"

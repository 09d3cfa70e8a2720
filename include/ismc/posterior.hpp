#pragma once
/// @file posterior.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/models/posterior.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/models/posterior.hpp"

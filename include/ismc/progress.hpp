#pragma once
/// @file progress.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/core/progress.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/core/progress.hpp"

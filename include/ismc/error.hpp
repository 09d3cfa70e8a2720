#pragma once
/// @file error.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/core/error.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/core/error.hpp"

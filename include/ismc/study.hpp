#pragma once
/// @file study.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/rates/study.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/rates/study.hpp"

#pragma once
/// @file batched.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/backend/batched_log_density.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/backend/batched_log_density.hpp"

#pragma once
/// @file stan_csv.hpp
/// @brief Kept for one release so that existing code still compiles: include
/// "ismc/samplers/stan_csv.hpp" (or the umbrella "ismc/ismc.hpp") instead.

#include "ismc/samplers/stan_csv.hpp"

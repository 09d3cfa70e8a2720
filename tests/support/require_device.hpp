#pragma once
// ISMC_REQUIRE_DEVICE(): the first line of every `gpu`-labelled test. Skips the test, with
// the reason, where no CUDA device is usable (a machine without a GPU, a build without CUDA).
#include <gtest/gtest.h>

#include "ismc/core/devices.hpp"

#define ISMC_REQUIRE_DEVICE()                                                        \
  do {                                                                               \
    const ::ismc::cuda_devices found = ::ismc::list_cuda_devices();                  \
    if (found.devices.empty()) GTEST_SKIP() << "no CUDA device: " << found.why_none; \
  } while (0)

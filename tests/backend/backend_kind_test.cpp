// Backend kinds: the names the command line takes, and the one rule of where a kind runs.
#include "ismc/backend/backend_kind.hpp"

#include <gtest/gtest.h>

#include "backend/device_choice.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"

namespace ismc {
namespace {

TEST(BackendKind, ParsesTheThreeNamesAndNothingElse) {
  EXPECT_EQ(parse_backend_kind("auto"), backend_kind::automatic);
  EXPECT_EQ(parse_backend_kind("cpu"), backend_kind::cpu);
  EXPECT_EQ(parse_backend_kind("cuda"), backend_kind::cuda);
  EXPECT_FALSE(parse_backend_kind("gpu").has_value());
  EXPECT_FALSE(parse_backend_kind("CPU").has_value());
  EXPECT_FALSE(parse_backend_kind("").has_value());
  EXPECT_EQ(parse_backend_kind("--backend", "cuda"), backend_kind::cuda);
  try {
    parse_backend_kind("--backend", "gpu");
    FAIL() << "'gpu' was accepted";
  } catch (const usage_error& e) {
    EXPECT_STREQ(e.what(), "--backend: got 'gpu', expected auto, cpu or cuda");
  }
}

TEST(BackendKind, CpuNeverUsesTheDeviceAndAutomaticOnlyWithOne) {
  EXPECT_FALSE(detail::use_device(backend_kind::cpu, "the test"));
  const bool device_present = !list_cuda_devices().devices.empty();
  EXPECT_EQ(detail::use_device(backend_kind::automatic, "the test"), device_present);
}

TEST(BackendKind, CudaWithoutADeviceFailsNamingWhatAskedForIt) {
  if (!list_cuda_devices().devices.empty()) GTEST_SKIP() << "a CUDA device is present";
  try {
    detail::use_device(backend_kind::cuda, "the test");
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("for the test"), std::string::npos) << e.what();
#if defined(ISMC_HAVE_CUDA)
    EXPECT_NE(dynamic_cast<const runtime_failure*>(&e), nullptr) << e.what();
#else
    EXPECT_NE(dynamic_cast<const not_compiled*>(&e), nullptr) << e.what();
#endif
  }
}

}  // namespace
}  // namespace ismc

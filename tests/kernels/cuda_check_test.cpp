// The one check of CUDA runtime calls (kernels/cuda_check.cuh): a failed call becomes
// ismc::device_error naming the call, the file and the line. It needs the CUDA runtime
// library, not a device, so it runs on every machine of a CUDA build (no `gpu` label).
#include <gtest/gtest.h>

#include <string>

#if defined(ISMC_HAVE_CUDA)
#include "ismc/kernels/cuda_check.cuh"
#endif
#include "ismc/core/error.hpp"

namespace ismc {
namespace {

#if defined(ISMC_HAVE_CUDA)

// Stands in for a runtime call that fails without needing a device.
cudaError_t failing_allocation() { return cudaErrorMemoryAllocation; }

TEST(CudaCheck, FailureBecomesDeviceErrorNamingCallFileAndLine) {
  const int line = __LINE__;
  try {
    detail::cuda_check(cudaErrorInvalidValue, "cudaMalloc(&data_, bytes)", __FILE__, line);
    FAIL() << "cuda_check did not throw";
  } catch (const device_error& failure) {
    const std::string what = failure.what();
    EXPECT_NE(what.find("cudaMalloc(&data_, bytes)"), std::string::npos) << what;
    EXPECT_NE(what.find(std::string(__FILE__) + ":" + std::to_string(line)), std::string::npos)
        << what;
    EXPECT_NE(what.find("cudaErrorInvalidValue"), std::string::npos) << what;
  }
}

TEST(CudaCheck, TheMacroRecordsTheCallAsWrittenAndItsLine) {
  int line = 0;
  try {
    line = __LINE__ + 1;
    ISMC_CUDA_CHECK(failing_allocation());
    FAIL() << "ISMC_CUDA_CHECK did not throw";
  } catch (const device_error& failure) {
    const std::string what = failure.what();
    EXPECT_NE(what.find("failing_allocation()"), std::string::npos) << what;
    EXPECT_NE(what.find("cuda_check_test.cpp:" + std::to_string(line)), std::string::npos) << what;
    EXPECT_NE(what.find("cudaErrorMemoryAllocation"), std::string::npos) << what;
  }
}

TEST(CudaCheck, DeviceErrorIsARuntimeFailureAndSuccessPasses) {
  EXPECT_NO_THROW(ISMC_CUDA_CHECK(cudaSuccess));
  EXPECT_THROW(ISMC_CUDA_CHECK(cudaErrorInvalidValue), runtime_failure);
  EXPECT_THROW(ISMC_CUDA_CHECK(cudaErrorInvalidValue), error);
}

#else

TEST(CudaCheck, SkippedWithoutCuda) { GTEST_SKIP() << "this build does not include CUDA"; }

#endif

}  // namespace
}  // namespace ismc

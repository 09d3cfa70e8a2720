// The CUDA backend against the CPU reference, on identical seeded inputs. Label `gpu`:
// every test skips where no CUDA device is usable (or the build has no CUDA).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cuda_hooks.hpp"
#include "ismc/backend.hpp"
#include "ismc/devices.hpp"
#include "ismc/gaussian.hpp"
#include "ismc/rates.hpp"
#include "ismc/rng.hpp"

namespace ismc {
namespace {

#define ISMC_REQUIRE_DEVICE()                                                   \
  do {                                                                          \
    const cuda_devices found = list_cuda_devices();                             \
    if (found.devices.empty()) GTEST_SKIP() << "no CUDA device: " << found.why_none; \
  } while (0)

#if defined(ISMC_HAVE_CUDA)

TEST(CudaBackend, PhiloxIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const random_stream s{0x9e3779b97f4a7c15ull, 12345u};
  const std::uint64_t sims = 1u << 20;
  for (std::uint32_t block : {0u, 1u, 7u}) {
    const std::vector<std::uint32_t> device = detail::device_random_bits(s, sims, block);
    for (std::uint64_t i = 0; i < sims; ++i) {
      const philox_block host = random_bits(s, i, block);
      for (int w = 0; w < 4; ++w) ASSERT_EQ(device[4 * i + w], host.v[w]) << "sim " << i;
    }
  }
}

// Host and device libm may differ in the last bits of log, sqrt, sin and cos; FMA
// contraction is off for the kernels. The bound: 4 ulps of scale, relative to max(|z|, 1).
TEST(CudaBackend, NormalsAreEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const random_stream s{42, 0};
  const std::uint64_t sims = 1u << 20;
  const int count = 3;
  const std::vector<double> device = detail::device_standard_normals(s, sims, count);
  double worst = 0.0;
  for (std::uint64_t i = 0; i < sims; ++i) {
    double host[count];
    standard_normals(s, i, host, count);
    for (int n = 0; n < count; ++n) {
      const double scale = std::max(1.0, std::fabs(host[n]));
      worst = std::max(worst, std::fabs(device[i * count + n] - host[n]) / scale);
    }
  }
  EXPECT_LE(worst, 4.0 * std::numeric_limits<double>::epsilon()) << "worst relative error " << worst;
  RecordProperty("worst_relative_error", std::to_string(worst));
}

TEST(CudaBackend, SimulateIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  const gaussian_test_model model(2, test_kind::max, 2.0);
  std::vector<double> targets;
  for (int j = 0; j < 25; ++j) {
    targets.push_back(-2.0 + 0.2 * j);
    targets.push_back(0.1 * j);
  }
  for (bool crn : {true, false}) {
    std::vector<std::uint64_t> on_cpu(25), on_gpu(25);
    cpu->count_rejections(model, targets.data(), 25, 300000, 7, crn, on_cpu.data(), {});
    cuda->count_rejections(model, targets.data(), 25, 300000, 7, crn, on_gpu.data(), {});
    for (int j = 0; j < 25; ++j) EXPECT_EQ(on_gpu[j], on_cpu[j]) << "target " << j;
  }
}

#else

TEST(CudaBackend, SkippedWithoutCuda) { GTEST_SKIP() << "this build does not include CUDA"; }

#endif

}  // namespace
}  // namespace ismc

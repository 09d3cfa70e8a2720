// Method calibrate on the device (kernels/calibrate.cu) against the CPU reference on the
// same study and seed: the same statistics (the plain targets' streams, host and device
// arithmetic alike) give the same top-m per tile, so every threshold and the critical value
// are equal, for the Gaussian, t and binomial count families. Needs a GPU (label gpu).
#include <gtest/gtest.h>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/calibrate.hpp"
#include "support/require_device.hpp"

namespace ismc {
namespace {

void expect_device_matches_cpu(const rates_study& study) {
  validate(study);
  const auto cpu = make_backend(backend_kind::cpu);
  const auto cuda = make_backend(backend_kind::cuda);
  const rates_result host = calibrate_critical(study, *cpu);
  const rates_result device = calibrate_critical(study, *cuda);
  EXPECT_EQ(device.backend, "cuda");
  EXPECT_EQ(device.calibration->critical, host.calibration->critical);
  EXPECT_EQ(device.calibration->tile, host.calibration->tile);
  ASSERT_EQ(device.rows.size(), host.rows.size());
  for (std::size_t j = 0; j < host.rows.size(); ++j) {
    EXPECT_EQ(device.rows[j].threshold, host.rows[j].threshold) << j;
    EXPECT_EQ(device.rows[j].rejections, host.rows[j].rejections) << j;
  }
}

TEST(CalibrateCuda, SimulateIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  rates_study z;
  z.grid.lower = {-1.0 + 1.0 / 128.0};
  z.grid.upper = {0.5};
  z.grid.points = {97};
  z.null = {{{1.0}}, {0.0}};
  z.run.method = rate_method::calibrate;
  z.calibration.sims = 100000;  // not a multiple of the block's 16384
  expect_device_matches_cpu(z);
  z.run.common_random_numbers = false;
  expect_device_matches_cpu(z);

  rates_study t = z;
  t.model.family = "normal_unknown_variance";
  t.model.dim = 2;
  t.model.observations = 10;
  t.test.kind = test_kind::t;
  t.grid = {};
  t.grid.thetas = {{-0.2, 1.0}, {0.0, 1.0}, {0.3, 1.0}};
  t.tiles.radii = {0.05, 0.05};
  t.null = {{{1.0, 0.0}}, {0.0}};
  expect_device_matches_cpu(t);

  rates_study count = z;
  count.model.family = "binomial";
  count.model.trials = {40};
  count.test.kind = test_kind::count;
  count.test.critical = 20.0;
  expect_device_matches_cpu(count);
}

}  // namespace
}  // namespace ismc

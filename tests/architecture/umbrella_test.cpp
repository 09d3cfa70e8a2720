// The umbrella header alone gives a user the whole public interface, and the old header
// paths kept for one release still compile beside it (none of them defines anything twice).

#include "ismc/ismc.hpp"

// The forwarding headers of the previous layout, all of them.
#include "ismc/backend.hpp"
#include "ismc/batched.hpp"
#include "ismc/config.hpp"
#include "ismc/devices.hpp"
#include "ismc/diagnostics.hpp"
#include "ismc/eight_schools.hpp"
#include "ismc/ensemble.hpp"
#include "ismc/error.hpp"
#include "ismc/gaussian.hpp"
#include "ismc/intervals.hpp"
#include "ismc/kmeans.hpp"
#include "ismc/mixture.hpp"
#include "ismc/model.hpp"
#include "ismc/nuts.hpp"
#include "ismc/population.hpp"
#include "ismc/posterior.hpp"
#include "ismc/progress.hpp"
#include "ismc/rates.hpp"
#include "ismc/rng.hpp"
#include "ismc/stan_csv.hpp"
#include "ismc/study.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ismc {
namespace {

// A rates study built, validated and turned into its model with nothing but the umbrella.
TEST(Umbrella, BuildsAStudyFromThePublicInterface) {
  rates_study study;
  study.model.dim = 2;
  study.grid.lower = {0.0, 10.0};
  study.grid.upper = {1.0, 11.0};
  study.grid.points = {2, 3};
  EXPECT_NO_THROW(validate(study));
  const std::vector<double> targets = grid_targets(study.grid, study.model.dim);
  EXPECT_EQ(targets.size(), 2u * 6u);
  EXPECT_EQ(make_model(study.model, study.test)->dim(), 2u);
  EXPECT_EQ(number_text(0.1), "0.1");
}

}  // namespace
}  // namespace ismc

// Method validate (rates/validate.hpp): coverage of the tile bound over 200 seeds (the
// bound at least the exact rate on every tile's 9^d grid, vertices included), plain and
// importance, Gaussian and binomial, 16 tiles and 10^4 simulations per target, at least
// confidence − 3 SE (SE over seeds: the tiles of one seed share random numbers); the
// range-only floor and the equal-cost comparison.
#include "ismc/rates/validate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/tiles.hpp"

namespace ismc {
namespace {

TEST(Validate, RangeOnlyFloorAtTheSeedDefaults) {
  // B = 100 (self_weight 0.01), N = 1000, δ = 0.01: 100 (1 − 0.01^{1/1000}) = 0.46.
  EXPECT_NEAR(range_only_floor(100.0, 1000, 0.01), 0.4595, 1e-4);
  EXPECT_NEAR(hoeffding_kl_upper(0.0, 1000, 100.0, 0.99), range_only_floor(100.0, 1000, 0.01),
              1e-9);
  EXPECT_DOUBLE_EQ(plain_upper_at_equal_cost(0.01, 1000, 0.99),
                   clopper_pearson_upper(10, 1000, 0.99));
}

// The largest exact rate over tile j's 9^d grid (in natural = user coordinates here).
double largest_exact_on_tile(const model& rates, const tile_set& tiles, std::size_t j) {
  const std::size_t dim = tiles.dim;
  std::size_t count = 1;
  for (std::size_t n = 0; n < dim; ++n) count *= 9;
  double largest = 0.0;
  std::vector<double> point(dim);
  for (std::size_t index = 0; index < count; ++index) {
    std::size_t rest = index;
    for (std::size_t n = 0; n < dim; ++n) {
      point[n] =
          tiles.centres[j * dim + n] + (static_cast<double>(rest % 9) / 4.0 - 1.0) * tiles.radii[n];
      rest /= 9;
    }
    largest = std::max(largest, *rates.exact_rate(point.data()));
  }
  return largest;
}

void expect_coverage(rates_study study, const char* label) {
  validate(study);
  const auto backend = make_backend(backend_kind::cpu);
  const auto rates = make_model(study.model, study.test);
  const tile_set tiles = make_tiles(study);
  std::vector<double> truth;
  for (std::size_t j = 0; j < tiles.meets_null.size(); ++j)
    truth.push_back(largest_exact_on_tile(*rates, tiles, j));
  const std::size_t seeds = 200;
  std::vector<double> covered;
  double slack = 0.0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    study.run.seed = seed;
    const rates_result result = run_rates(validated, study, *backend);
    double fraction = 0.0;
    for (std::size_t j = 0; j < result.rows.size(); ++j) {
      fraction += (*result.rows[j].tile_bound >= truth[j] ? 1.0 : 0.0) / result.rows.size();
      slack += *result.rows[j].tilt_slack;
    }
    covered.push_back(fraction);
  }
  double mean = 0.0;
  for (double c : covered) mean += c / seeds;
  double variance = 0.0;
  for (double c : covered) variance += (c - mean) * (c - mean) / (seeds - 1);
  const double se = std::sqrt(variance / seeds);
  EXPECT_GE(mean, study.run.confidence - 3.0 * se) << label << ": " << mean << " ± " << se;
  EXPECT_GT(slack, 0.0) << label;
}

rates_study gaussian_study(bool importance) {
  rates_study study;
  study.grid.lower = {-1.5};
  study.grid.upper = {0.375};
  study.grid.points = {16};
  study.null = {{{1.0}}, {0.0}};
  study.run.method = rate_method::validate;
  study.run.confidence = 0.9;  // a coverage that the tiles can miss
  study.plain.sims = 10000;
  study.validation.importance = importance;
  study.importance.pilot_sims = 1000;
  study.importance.clusters = 3;
  study.importance.self_weight = 0.5;
  study.importance.sims_per_proposal = 2000;
  study.importance.kmeans_restarts = 2;
  return study;
}

rates_study binomial_study(bool importance) {
  rates_study study = gaussian_study(importance);
  study.model.family = "binomial";
  study.model.trials = {30};
  study.test.kind = test_kind::count;
  study.test.critical = 20.0;
  study.grid.lower = {-0.5};
  study.grid.upper = {1.0};
  return study;
}

TEST(Validate, CoveragePlainGaussian) { expect_coverage(gaussian_study(false), "plain gaussian"); }
TEST(Validate, CoverageImportanceGaussian) {
  expect_coverage(gaussian_study(true), "importance gaussian");
}
TEST(Validate, CoveragePlainBinomial) { expect_coverage(binomial_study(false), "plain binomial"); }
TEST(Validate, CoverageImportanceBinomial) {
  expect_coverage(binomial_study(true), "importance binomial");
}

TEST(Validate, SummaryAndEqualCostWarning) {
  rates_study study = gaussian_study(true);
  study.importance.self_weight = 0.01;  // B = 100: the range-only bound is wide
  validate(study);
  const auto backend = make_backend(backend_kind::cpu);
  const rates_result result = run_rates(validated, study, *backend);
  ASSERT_TRUE(result.tiles);
  EXPECT_TRUE(result.tiles->over_null);
  EXPECT_EQ(result.tiles->null_tiles, 13u);  // centres −1.5 … 0.375 by 0.125, r = 1/16
  double largest = 0.0;
  for (const rate_row& row : result.rows)
    if (*row.null_tile) largest = std::max(largest, *row.tile_bound);
  EXPECT_EQ(result.tiles->largest_bound, largest);
  EXPECT_FALSE(result.tiles->weaker_than_plain.empty());
  bool warned = false;
  for (const auto& warning : result.warnings)
    warned = warned || warning.find("exceeds plain Monte Carlo") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace ismc

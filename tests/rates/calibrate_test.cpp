// Method calibrate (rates/calibrate.hpp): the bounded heap against a full sort, the rank
// and the smallest K; the 1-D z-test on 64 null tiles over [−1, 0] at α = 0.025, K = 2^16:
// the exact type I error at the calibrated value within 4 sd of its expectation under the
// Beta law of the order statistic, above 0.022, and its mean over 200 seeds at most
// α + 3 SE; a two-arm binomial difference test whose mean exact rate over seeds is at most
// α + 4 SE at every null tile centre and vertex.
#include "ismc/rates/calibrate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/tilt_bound.hpp"

namespace ismc {
namespace {

TEST(Calibrate, TopValuesKeepsTheLargest) {
  std::vector<double> all;
  top_values top(37);
  const random_stream s{5, 1};
  for (std::uint64_t i = 0; i < 5000; ++i) {
    double z[2];
    standard_normals(s, i, z, 2);
    all.push_back(std::round(z[0] * 8.0) / 8.0);  // ties
    top.push(all.back());
  }
  top.push(std::nan(""));
  std::sort(all.begin(), all.end(), std::greater<double>());
  EXPECT_EQ(top.size(), 37u);
  EXPECT_EQ(top.smallest(), all[36]);
  std::vector<double> kept = top.values();
  std::sort(kept.begin(), kept.end(), std::greater<double>());
  EXPECT_EQ(kept, std::vector<double>(all.begin(), all.begin() + 37));
  EXPECT_EQ(top_values(3).smallest(), -INFINITY);
}

TEST(Calibrate, RankAndSmallestSims) {
  EXPECT_EQ(calibration_rank(0.025, 65536), 1638u);  // ⌊65537 · 0.025⌋
  EXPECT_EQ(calibration_rank(0.0244, 39), 0u);
  for (double alpha0 : {0.02447, 0.1, 0.5, 1e-4}) {
    const std::uint64_t k = smallest_calibration_sims(alpha0);
    EXPECT_EQ(calibration_rank(alpha0, k), 1u) << alpha0;
    EXPECT_EQ(calibration_rank(alpha0, k - 1), 0u) << alpha0;
  }
}

rates_study ztest_study(std::uint64_t seed) {
  rates_study study;
  study.grid.lower = {-1.0 + 1.0 / 128.0};
  study.grid.upper = {-1.0 / 128.0};
  study.grid.points = {64};
  study.null = {{{1.0}}, {0.0}};
  study.run.method = rate_method::calibrate;
  study.run.seed = seed;
  study.calibration.alpha = 0.025;
  study.calibration.sims = 65536;
  return study;
}

// The exact type I error at the calibrated value, Φ̄(z_(m) − 1/128) with U = Φ̄(z_(m)) the
// m-th smallest of K uniforms, Beta(m, K + 1 − m): its mean and sd by quadrature.
struct moments {
  double mean, sd;
};
moments expected_type_i_error(std::uint64_t m, std::uint64_t sims) {
  const boost::math::beta_distribution<double> law(static_cast<double>(m),
                                                   static_cast<double>(sims + 1 - m));
  const boost::math::normal_distribution<double> normal;
  const double centre = boost::math::mean(law), spread = boost::math::standard_deviation(law);
  double mass = 0.0, first = 0.0, second = 0.0;
  const int cells = 4000;
  const double low = std::max(centre - 12.0 * spread, 1e-12), high = centre + 12.0 * spread;
  const double width = (high - low) / cells;
  for (int c = 0; c < cells; ++c) {
    const double u = low + (c + 0.5) * width;
    const double density = boost::math::pdf(law, u) * width;
    const double z = boost::math::quantile(boost::math::complement(normal, u));
    const double rate = boost::math::cdf(boost::math::complement(normal, z - 1.0 / 128.0));
    mass += density;
    first += density * rate;
    second += density * rate * rate;
  }
  const double mean = first / mass;
  return {mean, std::sqrt(second / mass - mean * mean)};
}

TEST(Calibrate, ZTestExactTypeIErrorFollowsTheOrderStatistic) {
  const auto backend = make_backend(backend_kind::cpu);
  const double alpha0 = gaussian_tilt_inverse(0.025, 1.0 / 128.0);
  const std::uint64_t m = calibration_rank(alpha0, 65536);
  const moments expected = expected_type_i_error(m, 65536);
  EXPECT_NEAR(expected.sd, 6e-4, 1e-4);
  EXPECT_LT(expected.mean, 0.025);

  const rates_result one = calibrate_critical(ztest_study(42), *backend);
  ASSERT_TRUE(one.calibration && one.calibration->exact_type_i_error);
  const double exact = *one.calibration->exact_type_i_error;
  EXPECT_LT(std::fabs(exact - expected.mean), 4.0 * expected.sd) << exact;
  EXPECT_GT(exact, 0.022);
  EXPECT_EQ(one.calibration->null_tiles, 64u);
  EXPECT_EQ(one.rows[one.calibration->tile].threshold, one.calibration->critical);
  for (const rate_row& row : one.rows) {
    EXPECT_EQ(*row.alpha0, alpha0);
    EXPECT_LE(row.rejections, m - 1);  // at most m − 1 exceed a threshold ≤ critical
  }

  // Over 200 seeds (each seed's 64 tiles share random numbers: one value per seed).
  std::vector<double> errors;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    errors.push_back(
        *calibrate_critical(ztest_study(seed), *backend).calibration->exact_type_i_error);
  }
  double mean = 0.0;
  for (double e : errors) mean += e / errors.size();
  double variance = 0.0;
  for (double e : errors) variance += (e - mean) * (e - mean) / (errors.size() - 1);
  const double se = std::sqrt(variance / errors.size());
  EXPECT_LE(mean, 0.025 + 3.0 * se) << mean << " ± " << se;
  EXPECT_LT(std::fabs(mean - expected.mean), 4.0 * se) << mean << " vs " << expected.mean;
}

TEST(Calibrate, BinomialDifferenceMeanExactRateAtMostAlpha) {
  const auto backend = make_backend(backend_kind::cpu);
  rates_study study;
  study.model.family = "binomial";
  study.model.trials = {20, 20};
  study.model.dim = 2;
  study.test.kind = test_kind::difference;
  study.test.critical = 1.96;
  study.grid.lower = {-1.0, -1.0};
  study.grid.upper = {0.5, 0.5};
  study.grid.points = {4, 4};
  study.null = {{{-1.0, 1.0}}, {0.0}};  // p₁ ≤ p₀
  study.run.method = rate_method::calibrate;
  study.calibration.alpha = 0.05;
  study.calibration.sims = 4096;
  validate(study);
  const tile_set tiles = make_tiles(study);
  // Every null tile's centre and vertices.
  std::vector<std::vector<double>> points;
  for (std::size_t j = 0; j < tiles.meets_null.size(); ++j) {
    if (tiles.meets_null[j] == 0) continue;
    for (int corner = 0; corner <= 4; ++corner) {
      std::vector<double> eta(tiles.centres.begin() + 2 * j, tiles.centres.begin() + 2 * j + 2);
      if (corner < 4) {
        eta[0] += (corner & 1) ? tiles.radii[0] : -tiles.radii[0];
        eta[1] += (corner & 2) ? tiles.radii[1] : -tiles.radii[1];
      }
      points.push_back(eta);
    }
  }
  const std::size_t seeds = 200;
  std::vector<std::vector<double>> rates(points.size());
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    study.run.seed = seed;
    const rates_result result = calibrate_critical(study, *backend);
    test_spec at_critical = study.test;
    at_critical.critical = result.calibration->critical;
    const auto model = make_model(study.model, at_critical);
    for (std::size_t p = 0; p < points.size(); ++p)
      rates[p].push_back(*model->exact_rate(points[p].data()));
  }
  for (std::size_t p = 0; p < points.size(); ++p) {
    double mean = 0.0;
    for (double r : rates[p]) mean += r / seeds;
    double variance = 0.0;
    for (double r : rates[p]) variance += (r - mean) * (r - mean) / (seeds - 1);
    const double se = std::sqrt(variance / seeds);
    EXPECT_LE(mean, 0.05 + 4.0 * se) << points[p][0] << ", " << points[p][1];
  }
}

}  // namespace
}  // namespace ismc

// Tiles and the null region (rates/tiles.hpp): the tile-meets-null test by its closed form
// and by the simplex, each answer checked against a witness point or a brute-force grid;
// the default radii; the study's checks.
#include "ismc/rates/tiles.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/rates/study.hpp"

namespace ismc {
namespace {

bool in_null(const std::vector<double>& eta, const null_spec& null, double slack) {
  for (std::size_t k = 0; k < null.normals.size(); ++k) {
    double dot = 0.0;
    for (std::size_t n = 0; n < eta.size(); ++n) dot += null.normals[k][n] * eta[n];
    if (dot > null.offsets[k] + slack) return false;
  }
  return true;
}

TEST(Tiles, OneHalfSpaceClosedForm) {
  const null_spec null{{{1.0, -1.0}}, {0.0}};                     // θ₀ ≤ θ₁
  EXPECT_TRUE(tile_meets_null({0.1, 0.0}, {0.05, 0.05}, null));   // 0.1 − 0.1 ≤ 0
  EXPECT_FALSE(tile_meets_null({0.2, 0.0}, {0.05, 0.05}, null));  // 0.2 − 0.1 > 0
  EXPECT_TRUE(tile_meets_null({-1.0, 0.0}, {0.0, 0.0}, null));
}

TEST(Tiles, SeveralHalfSpacesAgainstWitnessAndGrid) {
  // Random boxes against the wedge θ₀ ≤ 0, θ₁ ≤ 0, θ₀ + θ₁ ≥ −1 (−θ₀ − θ₁ ≤ 1): a "meets"
  // answer must come with a point of the box in the region; a "misses" answer must leave a
  // 201 × 201 grid of the box outside it.
  const null_spec null{{{1.0, 0.0}, {0.0, 1.0}, {-1.0, -1.0}}, {0.0, 0.0, 1.0}};
  const random_stream s{17, 3};
  int meets = 0, misses = 0;
  for (std::uint64_t trial = 0; trial < 300; ++trial) {
    const philox_block bits = random_bits(s, trial, 0);
    const auto uniform = [&](int word) {
      return static_cast<double>(bits.v[word]) / 4294967296.0;
    };
    const std::vector<double> centre = {-1.5 + 2.0 * uniform(0), -1.5 + 2.0 * uniform(1)};
    const std::vector<double> radii = {0.4 * uniform(2), 0.4 * uniform(3)};
    const auto point = null_point_in_tile(centre, radii, null);
    if (point) {
      ++meets;
      for (std::size_t n = 0; n < 2; ++n) {
        EXPECT_GE((*point)[n], centre[n] - radii[n] - 1e-12);
        EXPECT_LE((*point)[n], centre[n] + radii[n] + 1e-12);
      }
      EXPECT_TRUE(in_null(*point, null, 1e-8)) << centre[0] << ", " << centre[1];
    } else {
      ++misses;
      for (int a = 0; a <= 200; ++a) {
        for (int b = 0; b <= 200; ++b) {
          const std::vector<double> eta = {centre[0] + radii[0] * (a / 100.0 - 1.0),
                                           centre[1] + radii[1] * (b / 100.0 - 1.0)};
          ASSERT_FALSE(in_null(eta, null, 0.0)) << centre[0] << ", " << centre[1];
        }
      }
    }
  }
  EXPECT_GT(meets, 30);
  EXPECT_GT(misses, 30);
}

rates_study calibrate_study() {
  rates_study study;
  study.grid.lower = {-1.0};
  study.grid.upper = {0.5};
  study.grid.points = {7};
  study.null = {{{1.0}}, {0.0}};
  study.run.method = rate_method::calibrate;
  return study;
}

TEST(Tiles, DefaultRadiiAreHalfTheSpacing) {
  const rates_study study = calibrate_study();
  validate(study);
  const tile_set tiles = make_tiles(study);
  ASSERT_EQ(tiles.radii.size(), 1u);
  EXPECT_DOUBLE_EQ(tiles.radii[0], 0.125);
  // Centres −1 … 0.5 by 0.25: the tile at 0.25 only touches 0.125 > 0.
  const std::vector<char> expected = {1, 1, 1, 1, 1, 0, 0};
  EXPECT_EQ(tiles.meets_null, expected);
}

TEST(Tiles, StudyChecksNameTheField) {
  const auto field_of = [](const rates_study& study) {
    try {
      validate(study);
    } catch (const input_error& e) {
      return e.field();
    }
    return std::string("none");
  };
  rates_study study = calibrate_study();
  study.null.offsets = {0.0, 1.0};
  EXPECT_EQ(field_of(study), "null.offsets");
  study = calibrate_study();
  study.null.normals = {{0.0}};
  EXPECT_EQ(field_of(study), "null.normals[0]");
  study = calibrate_study();
  study.null = {};
  EXPECT_EQ(field_of(study), "null");
  study = calibrate_study();
  study.calibration.alpha = 1.0;
  EXPECT_EQ(field_of(study), "calibrate.alpha");
  study = calibrate_study();
  study.calibration.sims = 20;
  EXPECT_EQ(field_of(study), "calibrate.sims");
  study = calibrate_study();
  study.grid.points = {1};
  study.grid.upper = {-1.0};
  EXPECT_EQ(field_of(study), "tiles.radii");
  study = calibrate_study();
  study.tiles.radii = {-0.1};
  EXPECT_EQ(field_of(study), "tiles.radii");
}

}  // namespace
}  // namespace ismc

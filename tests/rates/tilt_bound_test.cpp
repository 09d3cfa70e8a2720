// The Tilt-Bound (rates/tilt_bound.hpp): the issue's numbers for the 1-D z-test, the
// Gaussian closed forms against the general search, and deterministic domination: the bound
// of the exact centre rate is at least the exact rate at every vertex and on a 9^d grid
// inside the tile (Gaussian, binomial count and two-arm difference, the t-test), d = 1, 2.
#include "ismc/rates/tilt_bound.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/rates/study.hpp"
#include "ismc/rates/t_test.hpp"

namespace ismc {
namespace {

// Every point of the 9^d grid over the box centre ± radii (vertices included).
std::vector<std::vector<double>> grid_in_tile(const std::vector<double>& centre,
                                              const std::vector<double>& radii) {
  const std::size_t dim = centre.size();
  std::size_t count = 1;
  for (std::size_t n = 0; n < dim; ++n) count *= 9;
  std::vector<std::vector<double>> points;
  for (std::size_t index = 0; index < count; ++index) {
    std::vector<double> point(dim);
    std::size_t rest = index;
    for (std::size_t n = 0; n < dim; ++n) {
      const double step = static_cast<double>(rest % 9) / 4.0 - 1.0;  // −1 … 1
      point[n] = centre[n] + step * radii[n];
      rest /= 9;
    }
    points.push_back(point);
  }
  return points;
}

// The bound of the exact centre rate dominates the exact rate on the tile's 9^d grid.
void expect_dominates(const model& rates, const tilt_family& family,
                      const std::vector<double>& centre, const std::vector<double>& radii,
                      const std::string& label) {
  const double f0 = *rates.exact_rate(centre.data());
  const tilt_result result = tilt_bound(family, centre, radii, f0);
  EXPECT_GE(result.q, 1.0) << label;
  EXPECT_GE(result.bound, f0) << label;
  double largest = 0.0;
  for (const auto& point : grid_in_tile(centre, radii)) {
    const double exact = *rates.exact_rate(point.data());
    largest = std::max(largest, exact);
    EXPECT_LE(exact, result.bound * (1.0 + 1e-12)) << label << " at " << point[0];
  }
  // Not vacuous: the tile's rates vary, and the bound is below 1.
  EXPECT_GT(largest, f0) << label;
  EXPECT_LT(result.bound, 1.0) << label;
}

TEST(TiltBound, TheIssueNumbersForTheZTest) {
  // z-test at 1.96, tile θ₀ = −0.25 ± 0.25: f₀ = P(Z > 2.21) = 1.355 %, bound at θ = 0 is
  // exp(−(√(−ln f₀) − 0.25/√2)²) = 2.73 %, the exact rate there 2.50 %.
  const gaussian_test_model z(1, test_kind::one_sided, 1.96);
  const double centre = -0.25, vertex = 0.0;
  const double f0 = *z.exact_rate(&centre);
  EXPECT_NEAR(f0, 0.013553, 5e-7);
  const tilt_result result = tilt_bound(gaussian_tilt_family(1), {-0.25}, {0.25}, f0);
  const double by_hand = std::exp(-std::pow(std::sqrt(-std::log(f0)) - 0.25 / std::sqrt(2.0), 2));
  EXPECT_DOUBLE_EQ(result.bound, by_hand);
  EXPECT_NEAR(result.bound, 0.0273, 5e-5);
  EXPECT_NEAR(*z.exact_rate(&vertex), 0.0250, 5e-5);
  EXPECT_DOUBLE_EQ(result.q, std::sqrt(-2.0 * std::log(f0)) / 0.25);
  // The inverse gives back f₀.
  EXPECT_NEAR(gaussian_tilt_inverse(result.bound, 0.25), f0, 1e-15);
}

TEST(TiltBound, GaussianClosedFormMatchesTheSearch) {
  for (std::size_t dim : {1u, 2u, 3u}) {
    tilt_family searched = gaussian_tilt_family(dim);
    searched.gaussian = false;  // the general golden-section search on the same A
    for (double f0 : {0.2, 0.025, 1e-3, 1e-9}) {
      for (double radius : {0.01, 0.1, 0.4}) {
        const std::vector<double> centre(dim, -0.3), radii(dim, radius);
        const tilt_result closed = tilt_bound(gaussian_tilt_family(dim), centre, radii, f0);
        const tilt_result general = tilt_bound(searched, centre, radii, f0);
        EXPECT_NEAR(general.bound, closed.bound, 1e-9 * closed.bound)
            << dim << " " << f0 << " " << radius;
        EXPECT_NEAR(general.q, closed.q, 1e-4 * closed.q) << dim << " " << f0 << " " << radius;
        const double alpha = 0.025;
        EXPECT_NEAR(tilt_inverse(searched, centre, radii, alpha),
                    tilt_inverse(gaussian_tilt_family(dim), centre, radii, alpha), 1e-9 * alpha);
      }
    }
  }
  // √(−2 ln f₀) < ‖v‖: q = 1 and the bound is 1.
  EXPECT_EQ(gaussian_tilt_bound(0.5, 2.0), 1.0);
}

TEST(TiltBound, GaussianBoundDominatesTheExactRate) {
  const gaussian_test_model one(1, test_kind::one_sided, 1.96);
  for (double centre : {-1.0, -0.25, 0.0, 0.5}) {
    for (double radius : {0.05, 0.25}) {
      expect_dominates(one, gaussian_tilt_family(1), {centre}, {radius},
                       "one_sided " + std::to_string(centre) + " ± " + std::to_string(radius));
    }
  }
  const gaussian_test_model sum(2, test_kind::sum, 2.3);
  const gaussian_test_model norm(2, test_kind::norm, 9.0);
  const gaussian_test_model two(2, test_kind::two_sided, 2.0);
  for (const auto& centre : std::vector<std::vector<double>>{{-0.5, 0.2}, {0.3, -0.1}}) {
    for (const auto& radii : std::vector<std::vector<double>>{{0.1, 0.05}, {0.2, 0.2}}) {
      expect_dominates(sum, gaussian_tilt_family(2), centre, radii, "sum");
      expect_dominates(norm, gaussian_tilt_family(2), centre, radii, "norm");
      expect_dominates(two, gaussian_tilt_family(2), centre, radii, "two_sided");
    }
  }
}

TEST(TiltBound, BinomialBoundDominatesTheExactRate) {
  model_spec count_model;
  count_model.family = "binomial";
  count_model.trials = {30};
  count_model.dim = 1;
  const auto count = make_model(count_model, {test_kind::count, 20.0});
  for (double centre : {-0.5, 0.0, 0.4}) {
    for (double radius : {0.05, 0.2}) {
      expect_dominates(*count, tilt_family_for(count_model), {centre}, {radius},
                       "count " + std::to_string(centre) + " ± " + std::to_string(radius));
    }
  }
  model_spec two_arms;
  two_arms.family = "binomial";
  two_arms.trials = {25, 25};
  two_arms.dim = 2;
  const auto difference = make_model(two_arms, {test_kind::difference, 1.96});
  for (const auto& centre : std::vector<std::vector<double>>{{0.0, 0.0}, {-0.3, 0.1}}) {
    for (const auto& radii : std::vector<std::vector<double>>{{0.05, 0.05}, {0.2, 0.1}}) {
      expect_dominates(*difference, tilt_family_for(two_arms), centre, radii, "difference");
    }
  }
}

TEST(TiltBound, TTestTilesAreBoxesInEta) {
  // The bound over a box in η = (μ/σ², −1/(2σ²)) against the noncentral t at its points.
  class t_in_eta : public family_model<normal_t_test> {
   public:
    using family_model::family_model;
    std::optional<double> exact_rate(const double* eta) const override {
      double theta[2];
      family().user_from_natural(eta, theta);
      return family().exact_rate(theta);
    }
  };
  normal_t_test family;
  family.observations = 10;
  family.critical = 1.833;
  const t_in_eta t(family);
  for (const auto& centre : std::vector<std::vector<double>>{{-0.2, -0.5}, {0.1, -0.8}}) {
    expect_dominates(t, t_test_tilt_family(10), centre, {0.05, 0.05}, "t");
  }
  // A box reaching η₁ ≥ 0 is refused.
  EXPECT_THROW(tilt_bound(t_test_tilt_family(10), {0.0, -0.1}, {0.1, 0.2}, 0.01), usage_error);
}

TEST(TiltBound, InverseIsTheLargestCentreRateThatKeepsTheBound) {
  const tilt_family family = binomial_tilt_family({40, 40});
  const std::vector<double> centre = {-0.2, 0.3}, radii = {0.1, 0.05};
  const double alpha = 0.025;
  const double alpha0 = tilt_inverse(family, centre, radii, alpha);
  EXPECT_GT(alpha0, 0.0);
  EXPECT_LT(alpha0, alpha);
  EXPECT_LE(tilt_bound(family, centre, radii, alpha0).bound, alpha);
  EXPECT_GT(tilt_bound(family, centre, radii, alpha0 * (1.0 + 1e-9)).bound, alpha * (1 - 1e-9));
}

TEST(TiltBound, RefusesBadTiles) {
  EXPECT_THROW(tilt_bound(gaussian_tilt_family(17), std::vector<double>(17, 0.0),
                          std::vector<double>(17, 0.1), 0.01),
               usage_error);
  try {
    tilt_bound(binomial_tilt_family(std::vector<std::uint64_t>(17, 5)),
               std::vector<double>(17, 0.0), std::vector<double>(17, 0.1), 0.01);
    FAIL() << "d = 17 accepted";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("tile dimension: got 17, expected at most 16"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(tilt_bound(gaussian_tilt_family(1), {0.0}, {-0.1}, 0.01), usage_error);
  EXPECT_THROW(tilt_bound(gaussian_tilt_family(1), {0.0}, {0.1}, 1.5), usage_error);
  EXPECT_THROW(tilt_inverse(gaussian_tilt_family(1), {0.0}, {0.1}, 0.0), usage_error);
}

}  // namespace
}  // namespace ismc

// The host-side steps of the hyper-likelihood posterior that the CPU and CUDA backends
// share (population/hyper_likelihood_finish.hpp): the prior filter, the rules for −∞ and
// NaN, and the variance cut.
#include "population/hyper_likelihood_finish.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
const double not_a_number = std::nan("");

TEST(FinishHyperLikelihood, KeepsFiniteSums) {
  const hyper_likelihood_value value = detail::finish_hyper_likelihood(-12.5, 0.25);
  EXPECT_EQ(value.log_likelihood, -12.5);
  EXPECT_EQ(value.variance, 0.25);
}

TEST(FinishHyperLikelihood, NaNLogLikelihoodIsMinusInfinityWithInfiniteVariance) {
  const hyper_likelihood_value value = detail::finish_hyper_likelihood(not_a_number, 0.25);
  EXPECT_EQ(value.log_likelihood, -infinity);
  EXPECT_EQ(value.variance, infinity);
}

TEST(FinishHyperLikelihood, MinusInfinityHasInfiniteVariance) {
  const hyper_likelihood_value value = detail::finish_hyper_likelihood(-infinity, 0.25);
  EXPECT_EQ(value.log_likelihood, -infinity);
  EXPECT_EQ(value.variance, infinity);
}

TEST(FinishHyperLikelihood, NaNVarianceIsInfinite) {
  const hyper_likelihood_value value = detail::finish_hyper_likelihood(-3.0, not_a_number);
  EXPECT_EQ(value.log_likelihood, -3.0);
  EXPECT_EQ(value.variance, infinity);
}

TEST(CutByVariance, KeepsAtOrBelowTheCutAndDropsAbove) {
  EXPECT_EQ(detail::cut_by_variance({-4.0, 0.5}, 1.0), -4.0);
  EXPECT_EQ(detail::cut_by_variance({-4.0, 1.0}, 1.0), -4.0);  // σ² = cut is kept
  EXPECT_EQ(detail::cut_by_variance({-4.0, 1.5}, 1.0), -infinity);
  EXPECT_EQ(detail::cut_by_variance({-4.0, infinity}, 1.0), -infinity);
  EXPECT_EQ(detail::cut_by_variance({-4.0, 1e300}, infinity), -4.0);  // +∞: no cut
}

TEST(CheckVarianceCut, RefusesZeroNegativeAndNaN) {
  EXPECT_NO_THROW(detail::check_variance_cut(0.1));
  EXPECT_NO_THROW(detail::check_variance_cut(infinity));
  EXPECT_THROW(detail::check_variance_cut(0.0), usage_error);
  try {
    detail::check_variance_cut(-0.25);
    ADD_FAILURE() << "a cut of -0.25 was accepted";
  } catch (const usage_error& e) {
    EXPECT_STREQ(e.what(),
                 "hyper_likelihood_posterior: variance_cut: got -0.25, expected a value > 0 "
                 "(+inf for no cut)");
  }
  EXPECT_THROW(detail::check_variance_cut(-1.0), usage_error);
  EXPECT_THROW(detail::check_variance_cut(not_a_number), usage_error);
}

// θ outside the priors (θ_μ ∈ (−5, 5), θ_σ ∈ (0, 2), open; NaN outside) are −∞ and never
// reach the evaluation; those inside reach it once, in batch order, and get the cut.
TEST(HyperPosteriorLogDensity, FiltersByThePriorsThenCutsByVariance) {
  const std::vector<double> thetas = {0.0,          1.0,  // inside: kept (σ² 0.5)
                                      5.0,          1.0,  // θ_μ on the bound: outside
                                      -1.0,         0.5,  // inside: σ² 3 above the cut
                                      1.0,          2.0,  // θ_σ on the bound: outside
                                      2.0,          0.0,  // θ_σ = 0: outside
                                      not_a_number, 1.0,  // NaN: outside
                                      -4.9,         1.9,  // inside: ln L̂ NaN, finished to −∞
                                      0.5,          not_a_number};  // NaN: outside
  const std::size_t batch = thetas.size() / 2;
  std::vector<double> seen;
  std::vector<double> out(batch, 123.0);
  int calls = 0;
  detail::hyper_posterior_log_density(
      thetas.data(), batch, 1.0, out.data(),
      [&](const double* inside, std::size_t count, hyper_likelihood_value* values) {
        ++calls;
        seen.assign(inside, inside + 2 * count);
        const double sums[][2] = {{-7.0, 0.5}, {-2.0, 3.0}, {not_a_number, 0.1}};
        for (std::size_t n = 0; n < count; ++n) {
          values[n] = detail::finish_hyper_likelihood(sums[n][0], sums[n][1]);
        }
      });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, (std::vector<double>{0.0, 1.0, -1.0, 0.5, -4.9, 1.9}));
  const std::vector<double> expected = {-7.0,      -infinity, -infinity, -infinity,
                                        -infinity, -infinity, -infinity, -infinity};
  EXPECT_EQ(out, expected);
}

TEST(HyperPosteriorLogDensity, EvaluatesNothingWhenNoThetaIsInside) {
  const std::vector<double> thetas = {9.0, 1.0, 0.0, -1.0};
  std::vector<double> out(2, 0.0);
  bool called = false;
  detail::hyper_posterior_log_density(
      thetas.data(), 2, infinity, out.data(),
      [&](const double*, std::size_t, hyper_likelihood_value*) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_EQ(out, (std::vector<double>{-infinity, -infinity}));
}

}  // namespace
}  // namespace ismc

// The streamed, sparse mixture estimator against a brute-force evaluation of the seed's
// four-index formula on identical inputs, and its numerical safety.
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/mixture_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/error_messages.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"
#include "rates/seed_four_index.hpp"

namespace ismc {
namespace {

void expect_equal_to_brute_force(const model& model, const std::vector<double>& targets,
                                 const std::vector<double>& proposals,
                                 const std::vector<double>& dense, std::uint64_t sims,
                                 unsigned threads) {
  const std::size_t dim = model.dim();
  const mixture_weights weights =
      mixture_weights::from_dense(dense, targets.size() / dim, proposals.size() / dim);
  mixture_problem problem;
  problem.targets = targets.data();
  problem.n_targets = targets.size() / dim;
  problem.proposals = proposals.data();
  problem.n_proposals = proposals.size() / dim;
  problem.weights = &weights;
  problem.sims_per_proposal = sims;
  problem.seed = 77;
  auto cpu = make_cpu_backend();
  run_hooks hooks;
  hooks.threads = threads;
  const mixture_estimate engine = estimate_mixture(model, problem, *cpu, hooks);
  const testing_support::brute_force_result reference =
      testing_support::seed_four_index(model, targets, proposals, dense, sims, 77);
  const double n = static_cast<double>(sims);
  for (std::size_t j = 0; j < problem.n_targets; ++j) {
    SCOPED_TRACE("target " + std::to_string(j));
    ASSERT_GT(reference.estimate[j], 0.0);
    EXPECT_NEAR(engine.estimate[j], reference.estimate[j], 1e-12 * reference.estimate[j]);
    const double seed_divisor_variance = engine.variance[j] * (n - 1.0) / n;
    EXPECT_NEAR(seed_divisor_variance, reference.seed_variance[j],
                1e-12 * reference.seed_variance[j]);
  }
}

// The seed's own construction: 11 targets θ = −2 … 2, 5 cluster proposals, W with w_jj on
// the target's own parameter and the rest over clusters.
TEST(MixtureDenseMode, EqualsTheSeedsFourIndexFormula) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::vector<double> targets, proposals;
  for (int j = 0; j <= 10; ++j) targets.push_back(-2.0 + 0.4 * j);
  proposals = targets;
  for (double centre : {2.1, 2.4, 2.8, 3.3, 4.1}) proposals.push_back(centre);
  const std::size_t n_targets = 11, n_proposals = 16;
  std::vector<double> dense(n_targets * n_proposals, 0.0);
  for (std::size_t j = 0; j < n_targets; ++j) {
    dense[j * n_proposals + j] = 0.01;
    // Cluster counts that vary with the target, some zero.
    double counts[5], total = 0.0;
    for (std::size_t c = 0; c < 5; ++c) {
      counts[c] = static_cast<double>((j * 7 + c * 3) % 5);
      total += counts[c];
    }
    for (std::size_t c = 0; c < 5; ++c) dense[j * n_proposals + 11 + c] = 0.99 * counts[c] / total;
  }
  expect_equal_to_brute_force(model, targets, proposals, dense, 1000, 2);
}

// An arbitrary weight matrix in 2-D: targets without their own parameter, a proposal used
// by one target only, proposals used by many, a target with a single proposal.
TEST(MixtureDenseMode, EqualsBruteForceForAnArbitraryWeightMatrix) {
  const gaussian_test_model model(2, test_kind::norm, 4.0);
  const std::vector<double> targets = {0.0, 0.0, 1.0, -0.5, -1.5, 1.5, 2.0, 2.0};
  const std::vector<double> proposals = {0.0,  0.0,  2.5, 0.0,  0.0, 2.5,
                                         -2.5, -2.5, 1.0, -0.5, 3.0, 3.0};
  const std::vector<double> dense = {
      0.2, 0.3, 0.3, 0.2, 0.0, 0.0,   // target 0: own + three shared
      0.0, 0.5, 0.0, 0.0, 0.5, 0.0,   // target 1: its own parameter is proposal 4
      0.0, 0.0, 0.0, 0.0, 0.0, 1.0,   // target 2: one proposal, not its own parameter
      0.1, 0.2, 0.3, 0.1, 0.0, 0.3};  // target 3: many, shared with others
  for (unsigned threads : {1u, 2u})
    expect_equal_to_brute_force(model, targets, proposals, dense, 700, threads);
}

TEST(InverseSumExp, IsStableFarApart) {
  // Raw exponentials would overflow (e^800) or give 1/inf; the shift keeps the result.
  const double terms[] = {std::log(0.01), 700.0, -900.0};
  const double value = detail::inverse_sum_exp(terms, 3);
  EXPECT_TRUE(std::isfinite(value));
  EXPECT_NEAR(std::log(value), -700.0, 1e-12);
  const double tiny[] = {-700.0, -701.0};  // e^-700 + e^-701: near the bottom of double
  EXPECT_NEAR(std::log(detail::inverse_sum_exp(tiny, 2)), 700.0 - std::log1p(std::exp(-1.0)),
              1e-12);
  const double huge[] = {std::log(0.01), 1000.0};  // sum overflows: the inverse is 0, no NaN
  EXPECT_EQ(detail::inverse_sum_exp(huge, 2), 0.0);
}

// Parameters 40 standard deviations apart: every estimate, variance and sum is finite.
TEST(MixtureEstimator, NoOverflowWithParametersFortySigmaApart) {
  const gaussian_test_model model(1, test_kind::two_sided, 1.96);
  const std::vector<double> targets = {-20.0, 0.0, 20.0};
  const std::vector<double> proposals = {-20.0, 0.0, 20.0, -22.0, 21.0};
  const std::vector<double> dense = {0.01, 0.0,  0.0,  0.5,  0.49,  //
                                     0.0,  0.01, 0.0,  0.5,  0.49,  //
                                     0.0,  0.0,  0.01, 0.49, 0.5};
  const mixture_weights weights = mixture_weights::from_dense(dense, 3, 5);
  mixture_problem problem{targets.data(), 3, proposals.data(), 5, &weights, 2000, 5};
  auto cpu = make_cpu_backend();
  const mixture_estimate result = estimate_mixture(model, problem, *cpu);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_TRUE(std::isfinite(result.estimate[j]));
    EXPECT_TRUE(std::isfinite(result.variance[j]));
    EXPECT_GE(result.estimate[j], 0.0);
  }
  for (double value : result.sum) EXPECT_TRUE(std::isfinite(value));
  // θ = ±20 reject almost surely; the estimate is close to 1.
  EXPECT_NEAR(result.estimate[0], 1.0, 0.05);
  EXPECT_NEAR(result.estimate[2], 1.0, 0.05);
}

TEST(MixtureEstimator, RejectsBadProblems) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::vector<double> targets = {0.0}, proposals = {0.0, 2.0};
  auto cpu = make_cpu_backend();
  const mixture_weights bad_sum = mixture_weights::from_dense({0.5, 0.4}, 1, 2);
  mixture_problem problem{targets.data(), 1, proposals.data(), 2, &bad_sum, 100, 1};
  EXPECT_THROW(estimate_mixture(model, problem, *cpu), usage_error);
  const mixture_weights good = mixture_weights::from_dense({0.5, 0.5}, 1, 2);
  problem.weights = &good;
  problem.sims_per_proposal = 1;
  EXPECT_THROW(estimate_mixture(model, problem, *cpu), usage_error);
  EXPECT_THROW(mixture_weights::from_dense({0.5}, 1, 2), usage_error);
}

using testing::usage_message;

TEST(MixtureErrors, NameTheFieldTheValueAndWhatWasExpected) {
  EXPECT_EQ(usage_message([] {
              mixture_weights::from_dense({0.5, 0.5, 1.0}, 2, 2);
            }),
            "dense weights: got 3 values, expected 2 x 2");
}

}  // namespace
}  // namespace ismc

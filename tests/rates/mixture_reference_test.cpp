// The host reference of the mixture estimator (rates/mixture_reference.hpp), which computes
// each term with mixture_term as the CUDA kernel does: against the seed's four-index
// formula by brute force, and the CPU backend's fast loop against it.
#include "rates/mixture_reference.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/mixture_math.hpp"
#include "rates/seed_four_index.hpp"

namespace ismc {
namespace {

constexpr double relative_tolerance = 1e-12;

// A problem over vectors that outlive it.
struct problem_data {
  std::vector<double> targets, proposals;
  mixture_weights weights;
  mixture_problem problem(std::size_t dim, std::uint64_t sims, std::uint64_t seed) const {
    return {targets.data(),
            targets.size() / dim,
            proposals.data(),
            proposals.size() / dim,
            &weights,
            sims,
            seed};
  }
};

void expect_relatively_near(double value, double reference, const std::string& what) {
  EXPECT_NEAR(value, reference, relative_tolerance * std::fabs(reference)) << what;
}

// The reference against the seed's brute force on a dense weight matrix: estimates and
// (with the seed's divisor N) variances to 1e-12 relative.
void expect_reference_equals_seed(const model& model, const std::vector<double>& targets,
                                  const std::vector<double>& proposals,
                                  const std::vector<double>& dense, std::uint64_t sims) {
  const std::size_t dim = model.dim();
  problem_data data{
      targets, proposals,
      mixture_weights::from_dense(dense, targets.size() / dim, proposals.size() / dim)};
  const mixture_estimate reference = detail::mixture_reference(model, data.problem(dim, sims, 31));
  const testing_support::brute_force_result seed =
      testing_support::seed_four_index(model, targets, proposals, dense, sims, 31);
  const double n = static_cast<double>(sims);
  for (std::size_t j = 0; j < targets.size() / dim; ++j) {
    SCOPED_TRACE("target " + std::to_string(j));
    ASSERT_GT(seed.estimate[j], 0.0);
    expect_relatively_near(reference.estimate[j], seed.estimate[j], "estimate");
    expect_relatively_near(reference.variance[j] * (n - 1.0) / n, seed.seed_variance[j],
                           "variance (divisor N)");
  }
}

// The CPU backend's default loop against the reference: every entry's sums, every
// target's estimate and variance to 1e-12 relative, for several thread counts.
void expect_cpu_equals_reference(const model& model, const problem_data& data, std::uint64_t sims) {
  const mixture_problem problem = data.problem(model.dim(), sims, 2024);
  const mixture_estimate reference = detail::mixture_reference(model, problem);
  for (unsigned threads : {1u, 3u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    auto cpu = make_cpu_backend();
    run_hooks hooks;
    hooks.threads = threads;
    const mixture_estimate fast = estimate_mixture(model, problem, *cpu, hooks);
    ASSERT_EQ(fast.sum.size(), reference.sum.size());
    for (std::size_t e = 0; e < reference.sum.size(); ++e) {
      expect_relatively_near(fast.sum[e], reference.sum[e], "sum of entry " + std::to_string(e));
      expect_relatively_near(fast.sum_squares[e], reference.sum_squares[e],
                             "sum of squares of entry " + std::to_string(e));
    }
    for (std::size_t j = 0; j < problem.n_targets; ++j) {
      EXPECT_TRUE(std::isfinite(reference.estimate[j])) << "target " << j;
      expect_relatively_near(fast.estimate[j], reference.estimate[j],
                             "estimate of target " + std::to_string(j));
      expect_relatively_near(fast.variance[j], reference.variance[j],
                             "variance of target " + std::to_string(j));
    }
  }
}

// The seed's construction in 1-D: 11 targets θ = −2 … 2 with their own parameters at
// w_jj = 0.01, 5 cluster proposals, the rest of each row over clusters (some 0).
problem_data seed_example(std::vector<double>* dense) {
  problem_data data;
  for (int j = 0; j <= 10; ++j) data.targets.push_back(-2.0 + 0.4 * j);
  data.proposals = data.targets;
  for (double centre : {2.1, 2.4, 2.8, 3.3, 4.1}) data.proposals.push_back(centre);
  const std::size_t n_targets = 11, n_proposals = 16;
  dense->assign(n_targets * n_proposals, 0.0);
  for (std::size_t j = 0; j < n_targets; ++j) {
    (*dense)[j * n_proposals + j] = 0.01;
    double counts[5], total = 0.0;
    for (std::size_t c = 0; c < 5; ++c) {
      counts[c] = static_cast<double>((j * 7 + c * 3) % 5);
      total += counts[c];
    }
    for (std::size_t c = 0; c < 5; ++c)
      (*dense)[j * n_proposals + 11 + c] = 0.99 * counts[c] / total;
  }
  data.weights = mixture_weights::from_dense(*dense, n_targets, n_proposals);
  return data;
}

// 2-D, an arbitrary dense matrix: targets without their own parameter, a proposal of one
// target only, proposals shared by many, a target with a single proposal.
problem_data arbitrary_2d(std::vector<double>* dense) {
  problem_data data;
  data.targets = {0.0, 0.0, 1.0, -0.5, -1.5, 1.5, 2.0, 2.0};
  data.proposals = {0.0, 0.0, 2.5, 0.0, 0.0, 2.5, -2.5, -2.5, 1.0, -0.5, 3.0, 3.0};
  *dense = {0.2, 0.3, 0.3, 0.2, 0.0, 0.0,   //
            0.0, 0.5, 0.0, 0.0, 0.5, 0.0,   //
            0.0, 0.0, 0.0, 0.0, 0.0, 1.0,   //
            0.1, 0.2, 0.3, 0.1, 0.0, 0.3};  //
  data.weights = mixture_weights::from_dense(*dense, 4, 6);
  return data;
}

TEST(MixtureReference, EqualsTheSeedsFourIndexFormulaIn1D) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::vector<double> dense;
  const problem_data data = seed_example(&dense);
  expect_reference_equals_seed(model, data.targets, data.proposals, dense, 1000);
}

TEST(MixtureReference, EqualsTheSeedsFourIndexFormulaIn2D) {
  const gaussian_test_model model(2, test_kind::norm, 4.0);
  std::vector<double> dense;
  const problem_data data = arbitrary_2d(&dense);
  expect_reference_equals_seed(model, data.targets, data.proposals, dense, 700);
}

// The reference assumes a valid problem (a debug assert); `validate` is what refuses one.
TEST(MixtureReference, ItsProblemsAreCheckedByValidate) {
  problem_data data{{0.0}, {0.0, 2.0}, mixture_weights::from_dense({0.5, 0.4}, 1, 2)};
  try {
    validate(data.problem(1, 100, 1), 1);
    FAIL() << "a problem whose weights sum to 0.9 was accepted";
  } catch (const usage_error& e) {
    EXPECT_STREQ(e.what(),
                 "mixture problem: the sum of the weights of target 0: got 0.9, expected 1 "
                 "(within 1e-9)");
  }
}

TEST(MixtureCpuBackend, EqualsTheReferenceOnTheSeedsExample) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::vector<double> dense;
  expect_cpu_equals_reference(model, seed_example(&dense), 1500);
}

TEST(MixtureCpuBackend, EqualsTheReferenceOnAnArbitraryDenseMatrixIn2D) {
  const gaussian_test_model model(2, test_kind::norm, 4.0);
  std::vector<double> dense;
  expect_cpu_equals_reference(model, arbitrary_2d(&dense), 1200);
}

// Parameters 40 standard deviations apart (the seed's raw exponentials overflow here):
// the CPU's direct evaluation falls back to log space exactly where the reference stays.
TEST(MixtureCpuBackend, EqualsTheReferenceWithParametersFortySigmaApart) {
  const gaussian_test_model model(1, test_kind::two_sided, 1.96);
  problem_data data;
  data.targets = {-20.0, 0.0, 20.0};
  data.proposals = {-20.0, 0.0, 20.0, -22.0, 21.0};
  data.weights = mixture_weights::from_dense({0.01, 0.0, 0.0, 0.5, 0.49,  //
                                              0.0, 0.01, 0.0, 0.5, 0.49,  //
                                              0.0, 0.0, 0.01, 0.49, 0.5},
                                             3, 5);
  expect_cpu_equals_reference(model, data, 2000);
}

// Sparse weights, many shared proposals: 100 targets on a line, each with its own
// parameter (w = 0.01) and two of 100 cluster proposals on a ring, each cluster used by
// two targets. With 4000 simulations the CPU skips its shared precomputation (over budget).
TEST(MixtureCpuBackend, EqualsTheReferenceOnSparseWeightsWithoutPrecomputation) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::size_t n_targets = 100, n_clusters = 100;
  problem_data data;
  for (std::size_t j = 0; j < n_targets; ++j) data.targets.push_back(-3.0 + 0.06 * j);
  data.proposals = data.targets;
  for (std::size_t c = 0; c < n_clusters; ++c) data.proposals.push_back(2.0 + 0.03 * c);
  for (std::size_t j = 0; j < n_targets; ++j) {
    data.weights.proposal.push_back(static_cast<std::uint32_t>(j));
    data.weights.weight.push_back(0.01);
    data.weights.proposal.push_back(static_cast<std::uint32_t>(n_targets + j));
    data.weights.weight.push_back(0.6);
    data.weights.proposal.push_back(static_cast<std::uint32_t>(n_targets + (j + 1) % n_clusters));
    data.weights.weight.push_back(0.39);
    data.weights.offsets.push_back(data.weights.proposal.size());
  }
  expect_cpu_equals_reference(model, data, 4000);
}

// A grid of 300 targets (the CPU backend takes them in groups of 4), each with its own
// parameter and up to 8 shared clusters, one of them 40 standard deviations away (its
// ratios fall below e^x's range at the targets' own samples); the sums are the same bits
// whatever the thread count.
TEST(MixtureCpuBackend, EqualsTheReferenceOnManyTargetsTakenInGroups) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::size_t n_targets = 300, n_clusters = 8;
  problem_data data;
  for (std::size_t j = 0; j < n_targets; ++j) data.targets.push_back(-3.0 + 5.0 * j / 299.0);
  data.proposals = data.targets;
  for (std::size_t c = 0; c + 1 < n_clusters; ++c) data.proposals.push_back(2.0 + 0.25 * c);
  data.proposals.push_back(40.0);
  for (std::size_t j = 0; j < n_targets; ++j) {
    data.weights.proposal.push_back(static_cast<std::uint32_t>(j));
    data.weights.weight.push_back(0.01);
    double counts[n_clusters], total = 0.0;
    for (std::size_t c = 0; c < n_clusters; ++c) {
      counts[c] = static_cast<double>((7 * j + 3 * c) % 6);  // some zero: fewer entries
      total += counts[c];
    }
    for (std::size_t c = 0; c < n_clusters; ++c) {
      if (counts[c] == 0.0) continue;
      data.weights.proposal.push_back(static_cast<std::uint32_t>(n_targets + c));
      data.weights.weight.push_back(0.99 * counts[c] / total);
    }
    data.weights.offsets.push_back(data.weights.proposal.size());
  }
  expect_cpu_equals_reference(model, data, 1500);
  const mixture_problem problem = data.problem(model.dim(), 1500, 2024);
  std::vector<mixture_estimate> runs;
  for (unsigned threads : {1u, 2u, 5u}) {
    auto cpu = make_cpu_backend();
    run_hooks hooks;
    hooks.threads = threads;
    runs.push_back(estimate_mixture(model, problem, *cpu, hooks));
  }
  for (std::size_t run = 1; run < runs.size(); ++run) {
    ASSERT_EQ(runs[run].sum.size(), runs[0].sum.size());
    EXPECT_EQ(
        std::memcmp(runs[run].sum.data(), runs[0].sum.data(), runs[0].sum.size() * sizeof(double)),
        0);
    EXPECT_EQ(std::memcmp(runs[run].sum_squares.data(), runs[0].sum_squares.data(),
                          runs[0].sum.size() * sizeof(double)),
              0);
  }
}

// Sparse weights in 2-D with targets whose own proposals are not their parameters (so the
// CPU's general path runs beside its direct one), and far-apart clusters in both
// coordinates.
TEST(MixtureCpuBackend, EqualsTheReferenceOnSparseWeightsIn2D) {
  const gaussian_test_model model(2, test_kind::max, 2.5);
  problem_data data;
  data.targets = {0.0, 0.0, 0.5, 0.5, -1.0, 2.0, 3.0, -3.0, 1.0, 1.0};
  // Proposals 0–4 are the targets' parameters, 5–8 clusters (8 far from everything), 9 a
  // proposal of target 2 only.
  data.proposals = {0.0, 0.0, 0.5, 0.5,  -1.0, 2.0, 3.0,  -3.0, 1.0, 1.0,
                    3.0, 3.0, 2.5, -0.5, -4.0, 6.0, 12.0, -9.0, 0.7, 0.2};
  const std::vector<std::vector<std::pair<std::uint32_t, double>>> rows = {
      {{0, 0.01}, {5, 0.5}, {6, 0.49}},
      {{1, 0.01}, {5, 0.3}, {6, 0.3}, {7, 0.39}},
      {{2, 0.1}, {9, 0.1}, {7, 0.4}, {8, 0.4}},  // two unshared proposals, one not θ_2
      {{3, 0.01}, {8, 0.5}, {6, 0.49}},
      {{4, 0.05}, {5, 0.95}}};
  for (const auto& row : rows) {
    for (const auto& [k, w] : row) {
      data.weights.proposal.push_back(k);
      data.weights.weight.push_back(w);
    }
    data.weights.offsets.push_back(data.weights.proposal.size());
  }
  expect_cpu_equals_reference(model, data, 3000);
}

// inverse_sum_exp_of (the kernel's form, without an array) is inverse_sum_exp bit for bit.
TEST(InverseSumExpOf, EqualsInverseSumExpOnArrays) {
  const std::vector<std::vector<double>> arrays = {
      {0.0},
      {std::log(0.01), 700.0, -900.0},
      {-700.0, -701.0},
      {std::log(0.01), 1000.0},
      {-3.5, 2.25, 0.125, -0.0, 17.0, 16.999999, -40.0},
      {1e-300, -1e-300, 5e-324}};
  for (const auto& terms : arrays) {
    const double direct = detail::inverse_sum_exp(terms.data(), static_cast<int>(terms.size()));
    const double of =
        detail::inverse_sum_exp_of([&](int n) { return terms[n]; }, static_cast<int>(terms.size()));
    EXPECT_EQ(of, direct) << terms.size() << " terms";
  }
  // Pseudo-random arrays of every length up to 40.
  random_stream stream{5, 0};
  for (int count = 1; count <= 40; ++count) {
    std::vector<double> terms(static_cast<std::size_t>(count));
    standard_normals(stream, static_cast<std::uint64_t>(count), terms.data(), count);
    for (double& t : terms) t *= 50.0;
    const double direct = detail::inverse_sum_exp(terms.data(), count);
    const double of = detail::inverse_sum_exp_of([&](int n) { return terms[n]; }, count);
    EXPECT_EQ(of, direct) << count << " terms";
  }
}

// mixture_term is 1 / Σ_m w_m exp(ℓ_m − ℓ_j), where the raw sum cannot overflow.
TEST(MixtureTerm, IsTheInverseOfTheMixtureDensityRatio) {
  const double weights[] = {0.01, 0.49, 0.3, 0.2};
  const double log_ratios[] = {0.0, 1.5, -2.0, 3.25};
  double log_weight[4], direct = 0.0;
  for (int m = 0; m < 4; ++m) {
    log_weight[m] = std::log(weights[m]);
    direct += weights[m] * std::exp(log_ratios[m]);
  }
  const double term = detail::mixture_term(log_weight, 4, [&](int m) { return log_ratios[m]; });
  EXPECT_NEAR(term, 1.0 / direct, 1e-15 / direct);
}

}  // namespace
}  // namespace ismc

// The CUDA backend against the CPU reference, on identical seeded inputs. Label `gpu`:
// every test skips where no CUDA device is usable (or the build has no CUDA).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/custom_models.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/t_test.hpp"
#include "ismc/core/normals.hpp"
#include "ismc/core/rng.hpp"
#include "support/require_device.hpp"
#include "core/devices_cuda.hpp"
#include "rates/backend_cuda.hpp"
#include "rates/mixture_reference.hpp"

namespace ismc {
namespace {

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

// Box–Muller rounds alike on the host and the device (core/normal_math.hpp: polynomial
// log, cos and sin, explicit FMAs, no contraction): the normals are the same bits.
TEST(CudaBackend, NormalsAreEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const random_stream s{42, 0};
  const std::uint64_t sims = 1u << 20;
  const int count = 3;
  const std::vector<double> device = detail::device_standard_normals(s, sims, count);
  std::vector<double> host(sims * count);
  standard_normals_batch(s, 0, sims, count, host.data());  // the batch equals the scalar path
  std::uint64_t differing = 0;
  for (std::uint64_t i = 0; i < sims * count; ++i) {
    if (std::memcmp(&device[i], &host[i], sizeof(double)) != 0) {
      if (differing == 0) {
        ADD_FAILURE() << "normal " << i % count << " of simulation " << i / count << ": device "
                      << device[i] << ", host " << host[i];
      }
      ++differing;
    }
  }
  EXPECT_EQ(differing, 0u) << "normals that differ in any bit";
  for (std::uint64_t i = 0; i < 4096; ++i) {  // and the scalar path itself
    double one[count];
    standard_normals(s, i, one, count);
    ASSERT_EQ(std::memcmp(one, &device[i * count], sizeof one), 0) << "simulation " << i;
  }
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


// --- The importance stages (kernels/importance.cu) ---------------------------

// The 25 two-dimensional targets of SimulateIsEquivalentToCpu.
std::vector<double> grid_of_25() {
  std::vector<double> targets;
  for (int j = 0; j < 25; ++j) {
    targets.push_back(-2.0 + 0.2 * j);
    targets.push_back(0.1 * j);
  }
  return targets;
}

// Pools and counts must be identical: the device decides, the host simulates the kept
// samples again (see cuda_collect_rejections), so the pool is the CPU's bit for bit. Both
// pools start with a sentinel row: the operation appends.
void expect_same_collection(backend& cpu, backend& cuda, const model& model,
                            const std::vector<double>& params, std::uint64_t sims,
                            double keep_fraction, bool crn) {
  SCOPED_TRACE(model.name() + " params=" + std::to_string(params.size() / model.dim()) +
               " sims=" + std::to_string(sims) + " keep=" + std::to_string(keep_fraction) +
               " crn=" + std::to_string(crn));
  const std::size_t n_params = params.size() / model.dim();
  std::vector<double> pool_cpu(model.sample_size(), -7.0), pool_gpu(model.sample_size(), -7.0);
  std::vector<std::uint64_t> counts_cpu(n_params, 99), counts_gpu(n_params, 99);
  cpu.collect_rejections(model, params.data(), n_params, sims, 5, crn, keep_fraction, pool_cpu,
                         counts_cpu.data(), {});
  cuda.collect_rejections(model, params.data(), n_params, sims, 5, crn, keep_fraction, pool_gpu,
                          counts_gpu.data(), {});
  EXPECT_EQ(counts_gpu, counts_cpu);
  ASSERT_EQ(pool_gpu.size(), pool_cpu.size());
  ASSERT_GT(pool_cpu.size(), model.sample_size());
  for (std::size_t n = 0; n < pool_cpu.size(); ++n) {
    ASSERT_EQ(pool_gpu[n], pool_cpu[n]) << "pool value " << n;
  }
}

TEST(CudaBackend, CollectRejectionsIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  const gaussian_test_model max_test(2, test_kind::max, 2.0);
  for (bool crn : {true, false}) {
    for (double keep : {1.0, 0.3}) {
      expect_same_collection(*cpu, *cuda, max_test, grid_of_25(), 20000, keep, crn);
    }
  }
  // More parameters than one launch's grid holds (65535), a few simulations each.
  const gaussian_test_model one_sided(1, test_kind::one_sided, 1.0);
  std::vector<double> many(70000);
  for (std::size_t j = 0; j < many.size(); ++j) many[j] = -1.0 + 2.0e-5 * static_cast<double>(j);
  expect_same_collection(*cpu, *cuda, one_sided, many, 16, 1.0, false);
  // Compaction slices of 2^24 flags: two parameters per slice, then one parameter's
  // simulations over two slices.
  const gaussian_test_model null_test(1, test_kind::one_sided, 1.96);
  expect_same_collection(*cpu, *cuda, null_test, {0.0, 0.5, -0.5}, 6000000, 0.01, false);
  expect_same_collection(*cpu, *cuda, null_test, {0.0}, (1u << 24) + 1000, 0.01, true);
}

// A range of parameters given its first target's study index draws that target's streams
// on the device as on the CPU (the pilot spread over MPI ranks, rates/chunks.hpp's
// plan_importance_part; the CPU's ranges equal one call over all, tests/rates/chunks_test).
TEST(CudaBackend, PilotRangesDrawTheirTargetsStreamsAsTheCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  const gaussian_test_model max_test(2, test_kind::max, 2.0);
  const std::vector<double> params = grid_of_25();
  const std::size_t split = 11, n = 25 - split;
  const double* range = params.data() + split * max_test.dim();
  const std::vector<double> centres = {-1.0, 0.0, 1.0, 1.0, 0.0, 2.5};
  for (bool crn : {true, false}) {
    SCOPED_TRACE(crn ? "common random numbers" : "own streams");
    std::vector<double> pool_cpu, pool_gpu;
    std::vector<std::uint64_t> counts_cpu(n, 99), counts_gpu(n, 99);
    cpu->collect_rejections(max_test, range, n, split, 20000, 5, crn, 0.3, pool_cpu,
                            counts_cpu.data(), {});
    cuda->collect_rejections(max_test, range, n, split, 20000, 5, crn, 0.3, pool_gpu,
                             counts_gpu.data(), {});
    EXPECT_EQ(counts_gpu, counts_cpu);
    ASSERT_GT(pool_cpu.size(), 0u);
    ASSERT_EQ(pool_gpu.size(), pool_cpu.size());
    for (std::size_t k = 0; k < pool_cpu.size(); ++k) {
      ASSERT_EQ(pool_gpu[k], pool_cpu[k]) << "pool value " << k;
    }
    std::vector<std::uint64_t> labels_cpu(n * 3, 99), labels_gpu(n * 3, 99);
    cpu->count_nearest_centre(max_test, range, n, split, 20000, 9, crn, centres.data(), 3,
                              labels_cpu.data(), {});
    cuda->count_nearest_centre(max_test, range, n, split, 20000, 9, crn, centres.data(), 3,
                               labels_gpu.data(), {});
    EXPECT_EQ(labels_gpu, labels_cpu);
  }
}

void expect_same_labels(backend& cpu, backend& cuda, const model& model,
                        const std::vector<double>& params, std::uint64_t sims,
                        const std::vector<double>& centres, bool crn) {
  const std::size_t n_params = params.size() / model.dim();
  const std::size_t n_centres = centres.size() / model.sample_size();
  SCOPED_TRACE(model.name() + " params=" + std::to_string(n_params) +
               " centres=" + std::to_string(n_centres) + " crn=" + std::to_string(crn));
  std::vector<std::uint64_t> on_cpu(n_params * n_centres, 99), on_gpu(n_params * n_centres, 99);
  cpu.count_nearest_centre(model, params.data(), n_params, sims, 9, crn, centres.data(), n_centres,
                           on_cpu.data(), {});
  cuda.count_nearest_centre(model, params.data(), n_params, sims, 9, crn, centres.data(), n_centres,
                            on_gpu.data(), {});
  EXPECT_EQ(on_gpu, on_cpu);
  std::uint64_t labelled = 0;
  for (std::uint64_t count : on_cpu) labelled += count;
  EXPECT_GT(labelled, 0u);
}

TEST(CudaBackend, CountNearestCentreIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  const gaussian_test_model max_test(2, test_kind::max, 2.0);
  // Centres 1 and 3 coincide: every tie goes to centre 1, none to 3.
  const std::vector<double> centres = {2.5, 0.0, 2.2, 2.2, 0.0, 2.5, 2.2, 2.2, 3.5, 3.0, -1.0, 2.4};
  for (bool crn : {true, false}) {
    expect_same_labels(*cpu, *cuda, max_test, grid_of_25(), 20000, centres, crn);
  }
  std::vector<std::uint64_t> counts(25 * 6);
  cuda->count_nearest_centre(max_test, grid_of_25().data(), 25, 20000, 9, true, centres.data(), 6,
                             counts.data(), {});
  for (std::size_t j = 0; j < 25; ++j) EXPECT_EQ(counts[j * 6 + 3], 0u) << "target " << j;
  // More centres than shared memory stages (2000 × 3 doubles > 40 KiB): read from global.
  std::vector<double> spread;
  for (int c = 0; c < 2000; ++c) {
    spread.push_back(2.0 + 3.0 * std::sin(0.37 * c));
    spread.push_back(2.0 + 3.0 * std::cos(0.91 * c));
  }
  expect_same_labels(*cpu, *cuda, max_test, grid_of_25(), 4000, spread, false);
  // More parameters than one launch's grid holds.
  const gaussian_test_model one_sided(1, test_kind::one_sided, 1.0);
  std::vector<double> many(70000);
  for (std::size_t j = 0; j < many.size(); ++j) many[j] = -1.0 + 2.0e-5 * static_cast<double>(j);
  expect_same_labels(*cpu, *cuda, one_sided, many, 8, {1.2, 1.8, 2.6}, false);
}

// Agreement of a device sum with the CPU's: 1e-9 of the larger, plus the smallest normal
// double (a sum in the subnormal range carries fewer than 53 bits; there both are ≈ 0).
::testing::AssertionResult agrees(double gpu, double cpu) {
  if (!std::isfinite(gpu) || !std::isfinite(cpu)) {
    return ::testing::AssertionFailure() << "not finite: gpu " << gpu << " cpu " << cpu;
  }
  const double bound =
      1e-9 * std::max(std::fabs(gpu), std::fabs(cpu)) + std::numeric_limits<double>::min();
  if (std::fabs(gpu - cpu) <= bound) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "gpu " << gpu << " cpu " << cpu << " relative difference "
         << std::fabs(gpu - cpu) / std::max(std::fabs(gpu), std::fabs(cpu));
}

void expect_same_sums(backend& cpu, backend& cuda, const model& model,
                      const std::vector<double>& targets, const std::vector<double>& proposals,
                      const mixture_weights& weights, std::uint64_t sims, const std::string& name) {
  SCOPED_TRACE(name);
  const std::size_t dim = model.dim();
  mixture_problem problem;
  problem.targets = targets.data();
  problem.n_targets = targets.size() / dim;
  problem.proposals = proposals.data();
  problem.n_proposals = proposals.size() / dim;
  problem.weights = &weights;
  problem.sims_per_proposal = sims;
  problem.seed = 77;
  const std::size_t entries = weights.entries();
  std::vector<double> sum_cpu(entries, -1.0), squares_cpu(entries, -1.0);
  std::vector<double> sum_gpu(entries, -1.0), squares_gpu(entries, -1.0);
  cpu.mixture_accumulate(model, problem, sum_cpu.data(), squares_cpu.data(), {});
  cuda.mixture_accumulate(model, problem, sum_gpu.data(), squares_gpu.data(), {});
  // The host reference computes every term with the kernel's own function (mixture_term).
  std::vector<double> sum_reference(entries, -1.0), squares_reference(entries, -1.0);
  detail::mixture_reference_accumulate(model, problem, sum_reference.data(),
                                       squares_reference.data());
  std::size_t positive = 0;
  for (std::size_t e = 0; e < entries; ++e) {
    ASSERT_TRUE(agrees(sum_gpu[e], sum_cpu[e])) << "sum of entry " << e;
    ASSERT_TRUE(agrees(squares_gpu[e], squares_cpu[e])) << "sum of squares of entry " << e;
    ASSERT_TRUE(agrees(sum_gpu[e], sum_reference[e])) << "sum of entry " << e << ", reference";
    ASSERT_TRUE(agrees(squares_gpu[e], squares_reference[e]))
        << "sum of squares of entry " << e << ", reference";
    positive += sum_cpu[e] > 0.0 ? 1 : 0;
  }
  EXPECT_GT(positive, entries / 2) << "too few entries with rejections to compare";
}

TEST(CudaBackend, MixtureAccumulateIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  {
    // The seed's construction (as MixtureDenseMode.EqualsTheSeedsFourIndexFormula): 11
    // targets θ = −2 … 2, their own parameters and 5 cluster proposals.
    const gaussian_test_model model(1, test_kind::one_sided, 1.96);
    std::vector<double> targets;
    for (int j = 0; j <= 10; ++j) targets.push_back(-2.0 + 0.4 * j);
    std::vector<double> proposals = targets;
    for (double centre : {2.1, 2.4, 2.8, 3.3, 4.1}) proposals.push_back(centre);
    std::vector<double> dense(11 * 16, 0.0);
    for (std::size_t j = 0; j < 11; ++j) {
      dense[j * 16 + j] = 0.01;
      double counts[5], total = 0.0;
      for (std::size_t c = 0; c < 5; ++c) {
        counts[c] = static_cast<double>((j * 7 + c * 3) % 5);
        total += counts[c];
      }
      for (std::size_t c = 0; c < 5; ++c) dense[j * 16 + 11 + c] = 0.99 * counts[c] / total;
    }
    expect_same_sums(*cpu, *cuda, model, targets, proposals,
                     mixture_weights::from_dense(dense, 11, 16), 20000, "seed 1-D");
  }
  {
    // An arbitrary dense matrix in 2-D (as
    // MixtureDenseMode.EqualsBruteForceForAnArbitraryWeightMatrix).
    const gaussian_test_model model(2, test_kind::norm, 4.0);
    const std::vector<double> targets = {0.0, 0.0, 1.0, -0.5, -1.5, 1.5, 2.0, 2.0};
    const std::vector<double> proposals = {0.0,  0.0,  2.5, 0.0,  0.0, 2.5,
                                           -2.5, -2.5, 1.0, -0.5, 3.0, 3.0};
    const std::vector<double> dense = {0.2, 0.3, 0.3, 0.2, 0.0, 0.0,  //
                                       0.0, 0.5, 0.0, 0.0, 0.5, 0.0,  //
                                       0.0, 0.0, 0.0, 0.0, 0.0, 1.0,  //
                                       0.1, 0.2, 0.3, 0.1, 0.0, 0.3};
    expect_same_sums(*cpu, *cuda, model, targets, proposals,
                     mixture_weights::from_dense(dense, 4, 6), 20000, "arbitrary 2-D");
  }
  {
    // Parameters 40 standard deviations apart: finite sums (agrees() checks), no NaN.
    const gaussian_test_model model(1, test_kind::two_sided, 1.96);
    const std::vector<double> targets = {-20.0, 0.0, 20.0};
    const std::vector<double> proposals = {-20.0, 0.0, 20.0, -22.0, 21.0};
    const std::vector<double> dense = {0.01, 0.0,  0.0,  0.5,  0.49,  //
                                       0.0,  0.01, 0.0,  0.5,  0.49,  //
                                       0.0,  0.0,  0.01, 0.49, 0.5};
    expect_same_sums(*cpu, *cuda, model, targets, proposals,
                     mixture_weights::from_dense(dense, 3, 5), 20000, "40 sd apart");
  }
  {
    // A support wider than shared memory stages (1200 × 5 doubles > 40 KiB): read from global.
    const gaussian_test_model model(4, test_kind::one_sided, 0.0);
    const std::vector<double> targets = {0.0, 0.0, 0.0, 0.0, 0.5, -0.5, 0.25, 1.0};
    std::vector<double> proposals;
    for (int k = 0; k < 1200; ++k) {
      for (int n = 0; n < 4; ++n) proposals.push_back(std::sin(0.7 * k + 1.3 * n));
    }
    const std::vector<double> dense(2 * 1200, 1.0 / 1200.0);
    expect_same_sums(*cpu, *cuda, model, targets, proposals,
                     mixture_weights::from_dense(dense, 2, 1200), 64, "support in global memory");
  }
  {
    // More weight entries than one tile holds (about 1.7 million at d = 1) and than one
    // launch's grid (65535): 350,000 targets, each its own parameter and 4 shared clusters.
    const gaussian_test_model model(1, test_kind::one_sided, 1.96);
    const std::size_t n_targets = 350000;
    std::vector<double> targets(n_targets);
    for (std::size_t j = 0; j < n_targets; ++j) {
      targets[j] = -3.0 + 6.0 * static_cast<double>(j) / static_cast<double>(n_targets);
    }
    std::vector<double> proposals = targets;
    for (double centre : {2.0, 2.5, 3.0, 3.5}) proposals.push_back(centre);
    mixture_weights weights;
    for (std::size_t j = 0; j < n_targets; ++j) {
      weights.proposal.push_back(static_cast<std::uint32_t>(j));
      weights.weight.push_back(0.2);
      for (std::uint32_t c = 0; c < 4; ++c) {
        weights.proposal.push_back(static_cast<std::uint32_t>(n_targets) + c);
        weights.weight.push_back(0.2);
      }
      weights.offsets.push_back(weights.proposal.size());
    }
    expect_same_sums(*cpu, *cuda, model, targets, proposals, weights, 4, "many entries");
  }
}

void expect_same_study(backend& cpu, backend& cuda, const model& model,
                       const std::vector<double>& targets, bool crn, std::size_t kmeans_subsample) {
  SCOPED_TRACE(model.name() + " crn=" + std::to_string(crn));
  run_spec run;
  run.seed = 23;
  run.method = rate_method::importance;
  run.common_random_numbers = crn;
  importance_spec spec;
  spec.pilot_sims = 4000;
  spec.sims_per_proposal = 4000;
  spec.kmeans_subsample = kmeans_subsample;
  const rates_result on_cpu = estimate_importance(model, targets, run, spec, cpu);
  const rates_result on_gpu = estimate_importance(model, targets, run, spec, cuda);
  ASSERT_TRUE(on_cpu.importance.has_value());
  ASSERT_TRUE(on_gpu.importance.has_value());
  const importance_details& a = *on_cpu.importance;
  const importance_details& b = *on_gpu.importance;
  EXPECT_EQ(b.pilot_sims, a.pilot_sims);
  EXPECT_EQ(b.pilot_rejections, a.pilot_rejections);
  EXPECT_EQ(b.clusters, a.clusters);
  EXPECT_EQ(b.cluster_centres, a.cluster_centres);  // bit for bit: the same pool
  EXPECT_EQ(b.cluster_sizes, a.cluster_sizes);
  EXPECT_EQ(b.proposals, a.proposals);
  EXPECT_EQ(b.weights.offsets, a.weights.offsets);
  EXPECT_EQ(b.weights.proposal, a.weights.proposal);
  EXPECT_EQ(b.weights.weight, a.weights.weight);
  EXPECT_EQ(b.weight_source, a.weight_source);
  EXPECT_EQ(on_gpu.warnings, on_cpu.warnings);
  ASSERT_EQ(on_gpu.rows.size(), on_cpu.rows.size());
  for (std::size_t j = 0; j < on_cpu.rows.size(); ++j) {
    SCOPED_TRACE("target " + std::to_string(j));
    EXPECT_EQ(on_gpu.rows[j].method, rate_method::importance);
    EXPECT_TRUE(agrees(on_gpu.rows[j].estimate, on_cpu.rows[j].estimate));
    EXPECT_TRUE(agrees(on_gpu.rows[j].std_error, on_cpu.rows[j].std_error));
    EXPECT_EQ(on_gpu.rows[j].rejections, on_cpu.rows[j].rejections);
    EXPECT_EQ(on_gpu.rows[j].sims, on_cpu.rows[j].sims);
  }
}

TEST(CudaBackend, ImportanceStudyIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  // θ = −4 sees no pilot rejection: its weights are borrowed. Every rejection is pooled.
  const gaussian_test_model one_sided(1, test_kind::one_sided, 1.96);
  expect_same_study(*cpu, *cuda, one_sided, {-4.0, -1.5, -0.5, 0.0, 0.7, 1.5}, true, 100000);
  // A pool subsampled by the keep draw (keep fraction below 1).
  const gaussian_test_model norm(2, test_kind::norm, 2.0 + 2.0 * std::sqrt(4.0));
  expect_same_study(*cpu, *cuda, norm, {0.0, 0.0, 1.0, -0.5, -1.5, 0.5, 0.7, 0.7}, false, 500);
}

// The t-test family (rates/t_test.hpp) on the device: plain counts identical to the CPU's,
// and the importance pipeline as for the Gaussian tests (identical pools and weights,
// estimates within 1e-9 relative).
TEST(CudaBackend, TTestIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  normal_t_test family;
  family.observations = 10;
  family.critical = 2.821;
  const family_model<normal_t_test> model(family);
  ASSERT_TRUE(model.has_device_form());
  const std::vector<double> targets = {0.0, 1.0, 0.3, 0.5, -0.2, 2.0, 1.0, 3.0};
  std::vector<std::uint64_t> on_cpu(4), on_gpu(4);
  cpu->count_rejections(model, targets.data(), 4, 300000, 31, false, on_cpu.data(), {});
  cuda->count_rejections(model, targets.data(), 4, 300000, 31, false, on_gpu.data(), {});
  EXPECT_EQ(on_gpu, on_cpu);
  expect_same_study(*cpu, *cuda, model, targets, true, 100000);
}

// Binomial arms with the count test on the device: plain counts identical to the CPU's
// (the variates are integers: inversion's and BTRD's comparisons may differ between host and
// device libm only at a rounding boundary), and the importance pipeline as above.
TEST(CudaBackend, BinomialCountIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  binomial_count_test family;
  family.arms = 3;
  family.trials[0] = 50;
  family.trials[1] = 400;  // n·p above 10: BTRD
  family.trials[2] = 3;
  family.critical = 15.0;
  const family_model<binomial_count_test> model(family);
  ASSERT_TRUE(model.has_device_form());
  const std::vector<double> targets = {-1.5, 0.0, -0.5, -1.0, 0.5, 2.0, -2.5, -3.0, 1.0};
  std::vector<std::uint64_t> on_cpu(3), on_gpu(3);
  cpu->count_rejections(model, targets.data(), 3, 300000, 41, true, on_cpu.data(), {});
  cuda->count_rejections(model, targets.data(), 3, 300000, 41, true, on_gpu.data(), {});
  EXPECT_EQ(on_gpu, on_cpu);
  expect_same_study(*cpu, *cuda, model, targets, false, 100000);
}

// The binomial two-arm tests on the device: their threshold tables uploaded, decisions and
// so counts identical to the CPU's, and the importance pipeline as above.
TEST(CudaBackend, BinomialPairwiseIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  for (const auto& [kind, critical] : {std::pair{binomial_statistic::difference, 1.96},
                                       std::pair{binomial_statistic::posterior, 0.975}}) {
    const binomial_pairwise_model model(kind, {30, 25, 400}, critical);
    ASSERT_TRUE(model.has_device_form());
    const std::vector<double> targets = {-1.0, -1.0, -1.0, -0.5, 0.0, -1.2, 0.3, -2.0, 0.5};
    std::vector<std::uint64_t> on_cpu(3), on_gpu(3);
    cpu->count_rejections(model, targets.data(), 3, 300000, 43, true, on_cpu.data(), {});
    cuda->count_rejections(model, targets.data(), 3, 300000, 43, true, on_gpu.data(), {});
    EXPECT_EQ(on_gpu, on_cpu);
    expect_same_study(*cpu, *cuda, model, targets, true, 100000);
  }
}

// A test that ismc does not ship (as examples/custom_test): no device form, so the CUDA
// backend runs it on the host, records that and warns once.
using test::both_exceed;

std::vector<std::string> places(const rates_result& result) {
  std::vector<std::string> out;
  for (const stage_record& record : result.stages) out.push_back(record.ran_on);
  return out;
}

TEST(CudaBackend, ModelWithoutDeviceFormRunsOnTheHostRecordedAndWarnedOnce) {
  ISMC_REQUIRE_DEVICE();
  auto cpu = make_cpu_backend();
  auto cuda = make_backend(backend_kind::cuda);
  const both_exceed custom;
  rates_study study;
  study.grid.lower = {0.0, 0.0};
  study.grid.upper = {1.0, 1.0};
  study.grid.points = {2, 2};
  study.plain.sims = 20000;
  for (rate_method method : {rate_method::plain, rate_method::importance}) {
    SCOPED_TRACE(to_string(method));
    study.run.method = method;
    const rates_result on_cpu = run_rates(custom, study, *cpu);
    const rates_result on_gpu = run_rates(custom, study, *cuda);
    EXPECT_EQ(on_gpu.backend, "cuda");
    EXPECT_EQ(places(on_gpu), std::vector<std::string>(on_cpu.stages.size(), "cpu"));
    const std::string warning = *host_stages_warning(custom.name(), "cuda", on_gpu.stages);
    EXPECT_NE(warning.find("gaussian/both_exceed"), std::string::npos);
    EXPECT_EQ(std::count(on_gpu.warnings.begin(), on_gpu.warnings.end(), warning), 1);
    EXPECT_EQ(on_gpu.warnings.size(), on_cpu.warnings.size() + 1);
    ASSERT_EQ(on_gpu.rows.size(), on_cpu.rows.size());
    for (std::size_t j = 0; j < on_cpu.rows.size(); ++j) {
      EXPECT_EQ(on_gpu.rows[j].estimate, on_cpu.rows[j].estimate);  // the same host code
    }
  }
}

TEST(CudaBackend, ModelWithDeviceFormRecordsTheDevice) {
  ISMC_REQUIRE_DEVICE();
  auto cuda = make_backend(backend_kind::cuda);
  const gaussian_test_model one_sided(1, test_kind::one_sided, 1.96);
  rates_study study;
  study.grid.lower = {0.0};
  study.grid.upper = {1.0};
  study.grid.points = {3};
  study.run.method = rate_method::importance;
  const rates_result result = run_rates(one_sided, study, *cuda);
  EXPECT_EQ(places(result), (std::vector<std::string>{"cuda", "cpu", "cuda", "cuda"}));
  for (const std::string& warning : result.warnings) {
    EXPECT_EQ(warning.find("no device form"), std::string::npos) << warning;
  }
}

#else

TEST(CudaBackend, SkippedWithoutCuda) { GTEST_SKIP() << "this build does not include CUDA"; }

#endif

}  // namespace
}  // namespace ismc

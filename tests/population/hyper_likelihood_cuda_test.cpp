// The hyper-likelihood on the device (kernels/hyper_likelihood.cu) against the CPU
// reference (hyper_likelihood_posterior), on identical inputs. Label `gpu`: every test
// skips where no CUDA device is usable (or the build has no CUDA).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "population/hyper_likelihood_backend.hpp"
#include "support/require_device.hpp"

namespace ismc {
namespace {

#if defined(ISMC_HAVE_CUDA)

constexpr double infinity = std::numeric_limits<double>::infinity();

// Ragged samples: object i has 1 + (97 i) mod `most` draws from N(x_i, 0.8²) (object 0 a
// single draw; by default up to 700: more than a block's threads, and fewer); with
// `with_log_p0`, ln p0 of a N(0.5, 2²) interim prior for every draw.
population_samples ragged_samples(std::size_t objects, bool with_log_p0, unsigned seed,
                                  std::size_t most = 700) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  population_samples samples;
  for (std::size_t i = 0; i < objects; ++i) {
    const double x = 1.4 * normal(engine);
    const std::size_t count = 1 + (97 * i) % most;
    for (std::size_t n = 0; n < count; ++n) {
      const double mu = x + 0.8 * normal(engine);
      samples.values.push_back(mu);
      if (with_log_p0) {
        const double z = (mu - 0.5) / 2.0;
        samples.log_p0.push_back(-0.5 * z * z - std::log(2.0) - 0.5 * std::log(2.0 * M_PI));
      }
    }
    samples.offsets.push_back(samples.values.size());
  }
  return samples;
}

// A grid inside the priors (θ_σ down to 0.02, where the weights span hundreds of e-folds),
// then points on and outside the prior edges.
std::vector<double> test_thetas() {
  std::vector<double> thetas;
  for (int a = 0; a < 13; ++a) {
    for (int c = 0; c < 11; ++c) {
      thetas.push_back(-4.8 + 0.8 * a);
      thetas.push_back(0.02 + 0.19 * c);
    }
  }
  const double edges[] = {-5.0, 1.0, 5.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, -1.0, -7.0, 0.5, 9.0, 3.0};
  thetas.insert(thetas.end(), std::begin(edges), std::end(edges));
  return thetas;
}

void expect_equivalent(const std::vector<double>& cpu, const std::vector<double>& gpu,
                       const char* what) {
  ASSERT_EQ(cpu.size(), gpu.size());
  double worst = 0.0;
  for (std::size_t b = 0; b < cpu.size(); ++b) {
    if (!std::isfinite(cpu[b])) {
      EXPECT_EQ(gpu[b], cpu[b]) << what << ", theta " << b;
      continue;
    }
    ASSERT_TRUE(std::isfinite(gpu[b])) << what << ", theta " << b << ": cpu " << cpu[b];
    const double relative = std::fabs(gpu[b] - cpu[b]) / std::max(1.0, std::fabs(cpu[b]));
    worst = std::max(worst, relative);
    EXPECT_LE(relative, 1e-9) << what << ", theta " << b << ": cpu " << cpu[b] << ", gpu "
                              << gpu[b];
  }
  std::ostringstream worst_text;
  worst_text << std::scientific << worst;
  ::testing::Test::RecordProperty(std::string("worst_relative_error_") + what, worst_text.str());
}

TEST(PopulationCuda, HyperLikelihoodIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> thetas = test_thetas();
  const std::size_t batch = thetas.size() / 2;
  for (bool with_log_p0 : {false, true}) {
    const population_samples samples = ragged_samples(300, with_log_p0, with_log_p0 ? 7 : 8);
    const char* what = with_log_p0 ? "log_p0" : "flat_p0";

    // A variance cut between two of the CPU's σ² (far from both), so that some θ are cut.
    std::vector<hyper_likelihood_value> values(batch);
    hyper_log_likelihood(samples, thetas.data(), batch, values.data());
    std::vector<double> variances;
    for (std::size_t b = 0; b < batch; ++b) {
      const double mu = thetas[2 * b], sigma = thetas[2 * b + 1];
      if (mu > -5.0 && mu < 5.0 && sigma > 0.0 && sigma < 2.0 &&
          std::isfinite(values[b].variance)) {
        variances.push_back(values[b].variance);
      }
    }
    std::sort(variances.begin(), variances.end());
    std::size_t middle = variances.size() / 2;
    while (middle + 1 < variances.size() &&
           variances[middle + 1] - variances[middle] < 1e-6 * variances[middle + 1]) {
      ++middle;
    }
    ASSERT_LT(middle + 1, variances.size());
    const double cut = 0.5 * (variances[middle] + variances[middle + 1]);

    for (double variance_cut : {infinity, cut}) {
      const hyper_likelihood_posterior cpu(samples, variance_cut);
      const auto gpu = make_hyper_likelihood(samples, variance_cut, backend_kind::cuda);
      std::vector<double> on_cpu(batch), on_gpu(batch), again(batch);
      cpu.log_density(thetas.data(), batch, on_cpu.data());
      gpu->log_density(thetas.data(), batch, on_gpu.data());
      expect_equivalent(on_cpu, on_gpu, what);
      if (variance_cut < infinity) {
        const auto cut_count = std::count(on_cpu.begin(), on_cpu.end(), -infinity);
        EXPECT_GT(cut_count, 7) << "the cut removes some θ inside the priors";
      }
      // Deterministic: the same call gives the same bits.
      gpu->log_density(thetas.data(), batch, again.data());
      for (std::size_t b = 0; b < batch; ++b) EXPECT_EQ(again[b], on_gpu[b]) << "theta " << b;
    }
  }
}

// More θ in one call than the device class evaluates per launch (its per-object scratch
// holds 2^23 doubles: 2796 θ of 1500 objects), and one θ alone.
TEST(PopulationCuda, LargeAndSingleBatchesAreEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const population_samples samples = ragged_samples(1500, false, 3, 20);
  std::vector<double> thetas;
  for (int b = 0; b < 3000; ++b) {
    thetas.push_back(-1.0 + 2.0 * (b % 61) / 60.0);
    thetas.push_back(0.1 + 1.8 * (b % 47) / 46.0);
  }
  const hyper_likelihood_posterior cpu(samples);
  const auto gpu = make_hyper_likelihood(samples, infinity, backend_kind::cuda);
  std::vector<double> on_cpu(3000), on_gpu(3000);
  cpu.log_density(thetas.data(), 3000, on_cpu.data());
  gpu->log_density(thetas.data(), 3000, on_gpu.data());
  expect_equivalent(on_cpu, on_gpu, "large_batch");
  double single = 0.0;
  gpu->log_density(thetas.data() + 2 * 5, 1, &single);
  EXPECT_EQ(single, on_gpu[5]) << "a θ's value does not depend on its batch";
}

TEST(PopulationCuda, RefusesWhatTheCpuRefuses) {
  ISMC_REQUIRE_DEVICE();
  population_samples bad = ragged_samples(4, true, 2);
  bad.log_p0[3] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(make_hyper_likelihood(bad, infinity, backend_kind::cuda), input_error);
  bad = ragged_samples(4, false, 2);
  bad.offsets[2] = bad.offsets[1];  // object 1 has no samples
  EXPECT_THROW(make_hyper_likelihood(bad, infinity, backend_kind::cuda), input_error);
  EXPECT_THROW(make_hyper_likelihood(ragged_samples(4, false, 2), 0.0, backend_kind::cuda),
               usage_error);
}

// `automatic` with a device: calls of at least device_min_terms terms are the device's
// results exactly, smaller ones the CPU's.
TEST(PopulationCuda, AutomaticKindKeepsSmallCallsOnTheCpu) {
  ISMC_REQUIRE_DEVICE();
  const population_samples samples = ragged_samples(20, true, 4);
  const std::vector<double> thetas = test_thetas();
  const std::size_t batch = thetas.size() / 2;
  const auto terms = static_cast<double>(samples.values.size() * batch);
  const auto gpu = make_hyper_likelihood(samples, infinity, backend_kind::cuda);
  const hyper_likelihood_posterior cpu(samples);
  std::vector<double> g(batch), c(batch), a(batch);
  gpu->log_density(thetas.data(), batch, g.data());
  cpu.log_density(thetas.data(), batch, c.data());
  const auto on_device =
      detail::make_hyper_likelihood(samples, infinity, backend_kind::automatic, terms);
  on_device->log_density(thetas.data(), batch, a.data());
  EXPECT_EQ(a, g);
  const auto on_cpu =
      detail::make_hyper_likelihood(samples, infinity, backend_kind::automatic, terms + 1.0);
  on_cpu->log_density(thetas.data(), batch, a.data());
  EXPECT_EQ(a, c);
}

#else

TEST(PopulationCuda, SkippedWithoutCuda) { GTEST_SKIP() << "this build does not include CUDA"; }

#endif

}  // namespace
}  // namespace ismc

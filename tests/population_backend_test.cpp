// make_hyper_likelihood on the CPU path (src/population_backend.cpp): the `cpu` kind is the
// hyper_likelihood_posterior itself, `automatic` falls back to it without a device, and
// `cuda` throws where it cannot be had. No label: runs on every machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "ismc/backend.hpp"
#include "ismc/devices.hpp"
#include "ismc/error.hpp"
#include "ismc/population.hpp"

namespace ismc {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// Ragged samples: object i has 1 + (37 i) mod 150 draws from N(x_i, 1); with
// `with_log_p0`, ln p0 of a N(0, 3) interim prior for every draw.
population_samples ragged_samples(std::size_t objects, bool with_log_p0, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  population_samples samples;
  for (std::size_t i = 0; i < objects; ++i) {
    const double x = 1.4 * normal(engine);
    const std::size_t count = 1 + (37 * i) % 150;
    for (std::size_t n = 0; n < count; ++n) {
      const double mu = x + normal(engine);
      samples.values.push_back(mu);
      if (with_log_p0) {
        samples.log_p0.push_back(-0.5 * (mu / 3.0) * (mu / 3.0) - std::log(3.0) -
                                 0.5 * std::log(2.0 * M_PI));
      }
    }
    samples.offsets.push_back(samples.values.size());
  }
  return samples;
}

// Inside and outside the priors θ_μ ∈ (−5, 5), θ_σ ∈ (0, 2), edges included.
std::vector<double> test_thetas() {
  return {0.0, 1.0,   0.3,  0.7, -1.0, 1.9, 4.9, 0.05, -4.9, 1.99,
          -5.0, 1.0,  5.0,  1.0, 0.0,  0.0, 0.0, 2.0,  0.0,  -0.5,
          -6.0, 1.0,  0.2,  0.02, 1.5, 1.2};
}

std::vector<double> evaluate(const batched_log_density& density,
                             const std::vector<double>& thetas) {
  std::vector<double> out(thetas.size() / 2);
  density.log_density(thetas.data(), out.size(), out.data());
  return out;
}

TEST(MakeHyperLikelihood, CpuKindEqualsTheHyperLikelihoodPosterior) {
  const std::vector<double> thetas = test_thetas();
  for (bool with_log_p0 : {false, true}) {
    const population_samples samples = ragged_samples(40, with_log_p0, 11);
    for (double cut : {infinity, 1.0}) {
      const hyper_likelihood_posterior reference(samples, cut);
      const auto density = make_hyper_likelihood(samples, cut, backend_kind::cpu);
      ASSERT_NE(density, nullptr);
      EXPECT_EQ(density->dim(), 2u);
      EXPECT_EQ(density->names(), reference.names());
      const std::vector<double> expected = evaluate(reference, thetas);
      const std::vector<double> got = evaluate(*density, thetas);
      for (std::size_t b = 0; b < expected.size(); ++b) {
        // Bit for bit: the cpu kind is the reference class.
        EXPECT_EQ(got[b], expected[b]) << "theta " << b << ", log_p0 " << with_log_p0
                                       << ", cut " << cut;
      }
    }
  }
}

TEST(MakeHyperLikelihood, CpuKindIsMinusInfinityOutsideThePriorsAndFiniteInside) {
  const auto density = make_hyper_likelihood(ragged_samples(20, false, 5));
  const std::vector<double> thetas = test_thetas();
  const std::vector<double> got = evaluate(*density, thetas);
  for (std::size_t b = 0; b < got.size(); ++b) {
    const double mu = thetas[2 * b], sigma = thetas[2 * b + 1];
    const bool inside = mu > -5.0 && mu < 5.0 && sigma > 0.0 && sigma < 2.0;
    if (inside) {
      EXPECT_TRUE(std::isfinite(got[b])) << "theta (" << mu << ", " << sigma << ")";
    } else {
      EXPECT_EQ(got[b], -infinity) << "theta (" << mu << ", " << sigma << ")";
    }
  }
}

TEST(MakeHyperLikelihood, AutomaticWithoutADeviceIsTheCpuReference) {
  if (!list_cuda_devices().devices.empty()) GTEST_SKIP() << "a CUDA device is present";
  const population_samples samples = ragged_samples(30, true, 3);
  const hyper_likelihood_posterior reference(samples);
  const auto density = make_hyper_likelihood(samples, infinity, backend_kind::automatic);
  const std::vector<double> thetas = test_thetas();
  EXPECT_EQ(evaluate(*density, thetas), evaluate(reference, thetas));
}

TEST(MakeHyperLikelihood, CudaKindWithoutADeviceThrows) {
  const cuda_devices found = list_cuda_devices();
  if (!found.devices.empty()) GTEST_SKIP() << "a CUDA device is present";
#if defined(ISMC_HAVE_CUDA)
  EXPECT_THROW(make_hyper_likelihood(ragged_samples(5, false, 1), infinity, backend_kind::cuda),
               runtime_failure);
#else
  EXPECT_THROW(make_hyper_likelihood(ragged_samples(5, false, 1), infinity, backend_kind::cuda),
               not_compiled);
#endif
}

TEST(MakeHyperLikelihood, BadInputsAreRefusedOnTheCpuPath) {
  population_samples samples = ragged_samples(4, true, 2);
  samples.log_p0[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(make_hyper_likelihood(samples, infinity, backend_kind::cpu), input_error);
  EXPECT_THROW(make_hyper_likelihood(ragged_samples(4, false, 2), 0.0, backend_kind::cpu),
               usage_error);
}

}  // namespace
}  // namespace ismc

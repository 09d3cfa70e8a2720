// make_hyper_likelihood on the CPU path (src/population/hyper_likelihood_backend.cpp): the `cpu`
// kind is the hyper_likelihood_posterior itself, `automatic` falls back to it without a device, and
// `cuda` throws where it cannot be had; the router that keeps small calls on the CPU
// (src/backend/batch_router.hpp). No label: runs on every machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "population/hyper_likelihood_backend.hpp"
#include "backend/batch_router.hpp"

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
  return {0.0, 1.0, 0.3, 0.7, -1.0, 1.9, 4.9,  0.05, -4.9, 1.99, -5.0, 1.0, 5.0,
          1.0, 0.0, 0.0, 0.0, 2.0,  0.0, -0.5, -6.0, 1.0,  0.2,  0.02, 1.5, 1.2};
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
        EXPECT_EQ(got[b], expected[b])
            << "theta " << b << ", log_p0 " << with_log_p0 << ", cut " << cut;
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

// A stand-in density that writes its own tag and counts the rows it was given.
class tagged_density final : public batched_log_density {
 public:
  tagged_density(double tag, bool gradient) : tag_(tag), gradient_(gradient) {}
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"a", "b"}; }
  void log_density(const double*, std::size_t batch, double* out, const run_hooks&) const override {
    rows += batch;
    for (std::size_t b = 0; b < batch; ++b) out[b] = tag_;
  }
  bool has_gradient() const override { return gradient_; }
  void log_density_gradient(const double* thetas, std::size_t batch, double* out, double* gradients,
                            const run_hooks& hooks) const override {
    log_density(thetas, batch, out, hooks);
    for (std::size_t k = 0; k < 2 * batch; ++k) gradients[k] = tag_;
  }
  mutable std::size_t rows = 0;

 private:
  double tag_;
  bool gradient_;
};

TEST(BatchRouter, SmallCallsGoToTheFirstAndTheRestToTheSecond) {
  auto small = std::make_unique<tagged_density>(1.0, true);
  auto large = std::make_unique<tagged_density>(2.0, true);
  const tagged_density* small_seen = small.get();
  const tagged_density* large_seen = large.get();
  // 250 units of work a row; calls of 1000 units or more go to `large`.
  const detail::batch_router router(std::move(small), std::move(large), 250.0, 1000.0);
  EXPECT_EQ(router.dim(), 2u);
  EXPECT_EQ(router.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(router.has_gradient());
  const std::vector<double> thetas(2 * 8, 0.5);
  std::vector<double> out(8), gradients(16);
  for (std::size_t batch = 1; batch <= 8; ++batch) {
    router.log_density(thetas.data(), batch, out.data(), {});
    EXPECT_EQ(out[0], batch < 4 ? 1.0 : 2.0) << "batch " << batch;
    router.log_density_gradient(thetas.data(), batch, out.data(), gradients.data(), {});
    EXPECT_EQ(gradients[2 * batch - 1], batch < 4 ? 1.0 : 2.0) << "batch " << batch;
  }
  EXPECT_EQ(small_seen->rows, 2u * (1 + 2 + 3));
  EXPECT_EQ(large_seen->rows, 2u * (4 + 5 + 6 + 7 + 8));
  // Each call counted on its side: batches 1–3 (value and gradient) on the first.
  const std::optional<routed_calls> calls = router.calls_by_side();
  ASSERT_TRUE(calls.has_value());
  EXPECT_EQ(calls->cpu, 2u * 3u);
  EXPECT_EQ(calls->device, 2u * 5u);
  EXPECT_FALSE(small_seen->calls_by_side().has_value());  // one place: no record
  // A gradient only where both have one.
  const detail::batch_router mixed(std::make_unique<tagged_density>(1.0, true),
                                   std::make_unique<tagged_density>(2.0, false), 1.0, 1.0);
  EXPECT_FALSE(mixed.has_gradient());
}

TEST(BatchRouter, ZeroThresholdSendsEverythingToTheSecond) {
  const detail::batch_router router(std::make_unique<tagged_density>(1.0, false),
                                    std::make_unique<tagged_density>(2.0, false), 1e9, 0.0);
  double out = 0.0;
  const double theta[2] = {0.0, 1.0};
  router.log_density(theta, 1, &out, {});
  EXPECT_EQ(out, 2.0);
  EXPECT_EQ(&router.route(0), &router.route(1));
}

}  // namespace
}  // namespace ismc

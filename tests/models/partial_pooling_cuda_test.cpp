// The partial-pooling log density and gradient on the device (kernels/partial_pooling.cu)
// against the CPU reference (make_partial_pooling_density on the CPU), on identical inputs,
// and NUTS with the device gradient against NUTS on the CPU. Label `gpu`: every test skips
// where no CUDA device is usable (or the build has no CUDA).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/core/error.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/samples.hpp"
#include "models/partial_pooling_backend.hpp"
#include "support/require_device.hpp"

namespace ismc {
namespace {

#if defined(ISMC_HAVE_CUDA)

constexpr double infinity = std::numeric_limits<double>::infinity();

std::vector<double> simulated_x(std::size_t objects, std::uint64_t seed) {
  population_setting setting;
  setting.objects = objects;
  setting.samples_per_object = 1;
  return simulate_population(setting, seed).x;
}

// `count` rows of q = (a, b, μ): a and b over most of the priors' logit scales, μ around
// the data; every 16th row is sent to −∞ (b = −800: θ_σ underflows) and every 16th, from
// the 9th, holds a NaN μ (lp NaN, returned as −∞).
std::vector<double> test_rows(std::size_t dim, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> thetas(count * dim);
  for (std::size_t b = 0; b < count; ++b) {
    double* q = thetas.data() + b * dim;
    q[0] = 1.5 * normal(engine);
    q[1] = 1.5 * normal(engine);
    for (std::size_t d = 2; d < dim; ++d) q[d] = 2.0 * normal(engine);
    if (b % 16 == 15) q[1] = -800.0;
    if (b % 16 == 8) q[dim / 2] = std::nan("");
  }
  return thetas;
}

struct evaluation {
  std::vector<double> lp;
  std::vector<double> gradients;
};

evaluation evaluate(const batched_log_density& density, const std::vector<double>& thetas) {
  const std::size_t rows = thetas.size() / density.dim();
  evaluation result{std::vector<double>(rows), std::vector<double>(thetas.size())};
  density.log_density_gradient(thetas.data(), rows, result.lp.data(), result.gradients.data());
  return result;
}

// lp and every gradient component of every finite row within 1e-9 relative (of the larger
// of 1 and the CPU's magnitude); rows at −∞ on the CPU at −∞ on the device.
void expect_equivalent(const evaluation& cpu, const evaluation& gpu, std::size_t dim,
                       const char* what) {
  ASSERT_EQ(cpu.lp.size(), gpu.lp.size());
  double worst = 0.0;
  std::size_t minus_infinity = 0;
  const auto relative = [](double expected, double got) {
    return std::fabs(got - expected) / std::max(1.0, std::fabs(expected));
  };
  for (std::size_t b = 0; b < cpu.lp.size(); ++b) {
    if (cpu.lp[b] == -infinity) {
      EXPECT_EQ(gpu.lp[b], -infinity) << what << ", row " << b;
      ++minus_infinity;
      continue;
    }
    ASSERT_TRUE(std::isfinite(gpu.lp[b])) << what << ", row " << b << ": cpu " << cpu.lp[b];
    worst = std::max(worst, relative(cpu.lp[b], gpu.lp[b]));
    EXPECT_LE(relative(cpu.lp[b], gpu.lp[b]), 1e-9)
        << what << ", row " << b << ": cpu " << cpu.lp[b] << ", gpu " << gpu.lp[b];
    for (std::size_t d = 0; d < dim; ++d) {
      const double expected = cpu.gradients[b * dim + d], got = gpu.gradients[b * dim + d];
      worst = std::max(worst, relative(expected, got));
      ASSERT_LE(relative(expected, got), 1e-9) << what << ", row " << b << ", coordinate " << d
                                               << ": cpu " << expected << ", gpu " << got;
    }
  }
  EXPECT_GT(minus_infinity, 0u) << "the rows include some at −∞";
  std::ostringstream worst_text;
  worst_text << std::scientific << worst;
  ::testing::Test::RecordProperty(std::string("worst_relative_error_") + what, worst_text.str());
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(PartialPoolingCuda, GradientIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> x = simulated_x(1000, 11);
  const auto cpu = make_partial_pooling_density(x, 1.0, backend_kind::cpu);
  const auto gpu = make_partial_pooling_density(x, 1.0, backend_kind::cuda);
  ASSERT_TRUE(gpu->has_gradient());
  const std::size_t dim = cpu->dim();
  ASSERT_EQ(gpu->dim(), dim);
  EXPECT_EQ(gpu->names(), cpu->names());

  // Batch 64, and each of its first 17 rows alone (batch 1): a row's bits on the device do
  // not depend on its batch (one block per row).
  const std::vector<double> thetas = test_rows(dim, 64, 12);
  const evaluation on_cpu = evaluate(*cpu, thetas);
  const evaluation on_gpu = evaluate(*gpu, thetas);
  expect_equivalent(on_cpu, on_gpu, dim, "batch_64");
  for (std::size_t b = 0; b < 17; ++b) {
    const std::vector<double> row(thetas.begin() + static_cast<long>(b * dim),
                                  thetas.begin() + static_cast<long>((b + 1) * dim));
    const evaluation alone = evaluate(*gpu, row);
    EXPECT_TRUE(same_bits(alone.lp, {on_gpu.lp[b]})) << "row " << b;
    EXPECT_TRUE(
        same_bits(alone.gradients,
                  std::vector<double>(on_gpu.gradients.begin() + static_cast<long>(b * dim),
                                      on_gpu.gradients.begin() + static_cast<long>((b + 1) * dim))))
        << "row " << b;
  }
  // Deterministic; and the density without the gradient is the same lp.
  const evaluation again = evaluate(*gpu, thetas);
  EXPECT_TRUE(same_bits(again.lp, on_gpu.lp));
  EXPECT_TRUE(same_bits(again.gradients, on_gpu.gradients));
  std::vector<double> lp_alone(64);
  gpu->log_density(thetas.data(), 64, lp_alone.data());
  EXPECT_TRUE(same_bits(lp_alone, on_gpu.lp));
}

TEST(PartialPoolingCuda, SmallAndOddObjectCountsAreEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  // Fewer objects than a block's threads, one more than it, and one object.
  for (std::size_t objects : {1u, 7u, 257u}) {
    const std::vector<double> x = simulated_x(objects, 13);
    const auto cpu = make_partial_pooling_density(x, 0.6, backend_kind::cpu);
    const auto gpu = make_partial_pooling_density(x, 0.6, backend_kind::cuda);
    const std::vector<double> thetas = test_rows(cpu->dim(), 32, 14 + objects);
    expect_equivalent(evaluate(*cpu, thetas), evaluate(*gpu, thetas), cpu->dim(),
                      ("objects_" + std::to_string(objects)).c_str());
  }
}

// More rows than one launch takes (its q and gradients stay under 2^23 doubles: 8372 rows
// of 1002), so the call is split.
TEST(PartialPoolingCuda, LargeBatchIsEquivalentToCpu) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> x = simulated_x(1000, 15);
  const auto cpu = make_partial_pooling_density(x, 1.0, backend_kind::cpu);
  const auto gpu = make_partial_pooling_density(x, 1.0, backend_kind::cuda);
  const std::vector<double> thetas = test_rows(cpu->dim(), 8400, 16);
  expect_equivalent(evaluate(*cpu, thetas), evaluate(*gpu, thetas), cpu->dim(), "batch_8400");
}

// NUTS runs chains in threads against one model: concurrent const calls take turns and
// each gets its own answer.
TEST(PartialPoolingCuda, ConcurrentCallsFromFourThreadsAgree) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> x = simulated_x(1000, 17);
  const auto gpu = make_partial_pooling_density(x, 1.0, backend_kind::cuda);
  const std::size_t dim = gpu->dim();
  std::vector<std::vector<double>> inputs;
  std::vector<evaluation> serial;
  for (std::size_t t = 0; t < 4; ++t) {
    inputs.push_back(test_rows(dim, 1 + 7 * t, 18 + t));  // batches 1, 8, 15, 22
    serial.push_back(evaluate(*gpu, inputs[t]));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int call = 0; call < 200; ++call) {
        const evaluation got = evaluate(*gpu, inputs[t]);
        if (!same_bits(got.lp, serial[t].lp) || !same_bits(got.gradients, serial[t].gradients)) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// `automatic` with a device: calls of at least device_min_objects objects of work are the
// device's results exactly, smaller ones the CPU's; NUTS's model (one q a call) follows n.
TEST(PartialPoolingCuda, AutomaticKindKeepsSmallCallsOnTheCpuAndBadDataAreRefused) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> x = simulated_x(300, 19);
  const auto gpu = make_partial_pooling_density(x, 1.0, backend_kind::cuda);
  const auto cpu = make_partial_pooling_density(x, 1.0, backend_kind::cpu);
  const std::vector<double> thetas = test_rows(gpu->dim(), 20, 20);
  const double work = 300.0 * static_cast<double>(thetas.size() / gpu->dim());
  const auto on_device = detail::make_partial_pooling_density(x, 1.0, backend_kind::automatic,
                                                              /*device_min_objects=*/work);
  const auto on_cpu =
      detail::make_partial_pooling_density(x, 1.0, backend_kind::automatic, work + 1.0);
  const evaluation g = evaluate(*gpu, thetas), c = evaluate(*cpu, thetas);
  const evaluation a = evaluate(*on_device, thetas), b = evaluate(*on_cpu, thetas);
  EXPECT_TRUE(same_bits(a.lp, g.lp));
  EXPECT_TRUE(same_bits(a.gradients, g.gradients));
  EXPECT_TRUE(same_bits(b.lp, c.lp));
  EXPECT_TRUE(same_bits(b.gradients, c.gradients));
  // The model NUTS samples: on the device from device_min_objects objects.
  const std::vector<double> q(gpu->dim(), 0.25);
  std::vector<double> gradient_device(q.size()), gradient_cpu(q.size()), gradient(q.size());
  double lp_device = 0.0, lp_cpu = 0.0;
  gpu->log_density_gradient(q.data(), 1, &lp_device, gradient_device.data());
  cpu->log_density_gradient(q.data(), 1, &lp_cpu, gradient_cpu.data());
  const double lp_small = detail::make_partial_pooling(x, 1.0, backend_kind::automatic, 301.0)
                              ->log_density(q.data(), gradient.data());
  EXPECT_TRUE(same_bits({lp_small}, {lp_cpu}));
  EXPECT_TRUE(same_bits(gradient, gradient_cpu));
  const double lp_large = detail::make_partial_pooling(x, 1.0, backend_kind::automatic, 300.0)
                              ->log_density(q.data(), gradient.data());
  EXPECT_TRUE(same_bits({lp_large}, {lp_device}));
  EXPECT_TRUE(same_bits(gradient, gradient_device));
  try {
    make_partial_pooling_density({0.1, std::nan("")}, 1.0, backend_kind::cuda);
    ADD_FAILURE() << "no error for a NaN x";
  } catch (const input_error& error) {
    EXPECT_EQ(error.field(), "x[2]");
  }
  EXPECT_THROW(make_partial_pooling({0.1}, -1.0, backend_kind::cuda), input_error);
}

class outputs_recorder : public draw_writer {
 public:
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    lp.push_back(info.lp);
    mu.push_back(outputs[0]);
    sigma.push_back(outputs[1]);
    if (!warmup) {
      kept_mu.push_back(outputs[0]);
      kept_sigma.push_back(outputs[1]);
    }
  }
  void adaptation(double, const std::vector<double>&) override {}
  void timing(double, double) override {}
  std::vector<double> lp, mu, sigma;  // every iteration, warmup included
  std::vector<double> kept_mu, kept_sigma;
};

// NUTS with the device's gradient follows the CPU's trajectory while their rounding
// differences (about 1e-15; they grow along the trajectories) stay small: the first 5
// iterations agree to 1e-8 (a host emulation of the kernel's summation order agreed to
// 1e-10 over 10 iterations, and parted after 14 to 24). Then the two runs are two samples
// of one posterior: their means agree within 4 combined Monte Carlo standard errors.
TEST(PartialPoolingCuda, NutsWithTheDeviceGradientFollowsTheCpu) {
  ISMC_REQUIRE_DEVICE();
  const std::vector<double> x = simulated_x(100, 21);
  const auto cpu = make_partial_pooling(x, 1.0, backend_kind::cpu);
  const auto gpu = make_partial_pooling(x, 1.0, backend_kind::cuda);
  ASSERT_EQ(gpu->dim(), cpu->dim());
  ASSERT_EQ(gpu->output_names(), cpu->output_names());
  chains cpu_mu, cpu_sigma, gpu_mu, gpu_sigma;
  for (std::uint32_t chain = 1; chain <= 4; ++chain) {
    nuts_config config;
    config.warmup = 200;
    config.draws = 400;
    config.save_warmup = true;
    config.seed = 7;
    config.chain = chain;
    outputs_recorder on_cpu, on_gpu;
    run_nuts(*cpu, config, on_cpu);
    run_nuts(*gpu, config, on_gpu);
    for (std::size_t d = 0; d < 5; ++d) {
      EXPECT_NEAR(on_gpu.mu[d], on_cpu.mu[d], 1e-8) << "chain " << chain << ", iteration " << d;
      EXPECT_NEAR(on_gpu.sigma[d], on_cpu.sigma[d], 1e-8)
          << "chain " << chain << ", iteration " << d;
      EXPECT_NEAR(on_gpu.lp[d], on_cpu.lp[d], 1e-8 * std::max(1.0, std::fabs(on_cpu.lp[d])))
          << "chain " << chain << ", iteration " << d;
    }
    cpu_mu.push_back(on_cpu.kept_mu);
    cpu_sigma.push_back(on_cpu.kept_sigma);
    gpu_mu.push_back(on_gpu.kept_mu);
    gpu_sigma.push_back(on_gpu.kept_sigma);
  }
  for (const auto& [name, on_cpu, on_gpu] :
       {std::tuple{"theta_mu", cpu_mu, gpu_mu}, std::tuple{"theta_sigma", cpu_sigma, gpu_sigma}}) {
    const parameter_summary c = summarize(name, on_cpu), g = summarize(name, on_gpu);
    const double z = (g.mean - c.mean) / std::hypot(c.mcse_mean, g.mcse_mean);
    EXPECT_LT(std::fabs(z), 4.0) << name << ": cpu " << c.mean << " ± " << c.mcse_mean << ", gpu "
                                 << g.mean << " ± " << g.mcse_mean;
  }
}

#else

TEST(PartialPoolingCuda, SkippedWithoutCuda) { GTEST_SKIP() << "this build does not include CUDA"; }

#endif

}  // namespace
}  // namespace ismc

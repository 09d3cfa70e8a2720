// The ensemble sampler (src/samplers/ensemble.cpp): invariance of known Gaussians with tolerances
// from the Monte Carlo standard error, exact affine invariance, emcee's integrated
// autocorrelation time on AR(1) series and hand-computed cases, determinism, −∞ regions,
// the batching contract, progress hooks and bad configurations.

#include "ismc/samplers/ensemble.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {
namespace {

constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

// A Gaussian N(mean, L Lᵀ) given by its lower-triangular Cholesky factor L, unnormalized:
// log p(θ) = −|L⁻¹(θ − mean)|² / 2.
class gaussian_target : public batched_log_density {
 public:
  gaussian_target(std::vector<double> mean, std::vector<double> cholesky)
      : mean_(std::move(mean)), cholesky_(std::move(cholesky)) {}
  std::size_t dim() const override { return mean_.size(); }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (std::size_t d = 0; d < dim(); ++d) out.push_back("x" + std::to_string(d));
    return out;
  }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks&) const override {
    const std::size_t n = dim();
    std::vector<double> z(n);
    for (std::size_t b = 0; b < batch; ++b) {
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        double r = thetas[b * n + i] - mean_[i];
        for (std::size_t j = 0; j < i; ++j) r -= cholesky_[i * n + j] * z[j];
        z[i] = r / cholesky_[i * n + i];
        sum += z[i] * z[i];
      }
      out[b] = -0.5 * sum;
    }
  }
  const std::vector<double>& mean() const { return mean_; }
  // Σ = L Lᵀ, row-major.
  std::vector<double> covariance() const {
    const std::size_t n = dim();
    std::vector<double> sigma(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t k = 0; k <= std::min(i, j); ++k) {
          sigma[i * n + j] += cholesky_[i * n + k] * cholesky_[j * n + k];
        }
      }
    }
    return sigma;
  }

 private:
  std::vector<double> mean_;
  std::vector<double> cholesky_;  // row-major, lower triangular
};

// The correlated 2-D Gaussian: sds 1 and 10, correlation 0.9, mean (1, −2).
gaussian_target correlated_2d() {
  const double s1 = 1.0, s2 = 10.0, rho = 0.9;
  return gaussian_target({1.0, -2.0}, {s1, 0.0, rho * s2, s2 * std::sqrt(1.0 - rho * rho)});
}

// A 5-D Gaussian with scales from 0.1 to 30 and strong correlations.
gaussian_target gaussian_5d() {
  return gaussian_target({0.5, -1.0, 3.0, 0.0, 10.0}, {0.1,  0.0,  0.0,   0.0, 0.0,  //
                                                       1.5,  1.0,  0.0,   0.0, 0.0,  //
                                                       -2.0, 0.5,  3.0,   0.0, 0.0,  //
                                                       0.3,  -0.2, 0.1,   0.5, 0.0,  //
                                                       10.0, 5.0,  -20.0, 4.0, 30.0});
}

// θ = A⁻¹(y − b) fed to a base target: the image of the base density under y = A θ + b
// (up to the constant log |det A|, which the sampler never sees).
class transformed_target : public batched_log_density {
 public:
  transformed_target(const batched_log_density& base, std::vector<double> inverse,
                     std::vector<double> shift)
      : base_(base), inverse_(std::move(inverse)), shift_(std::move(shift)) {}
  std::size_t dim() const override { return base_.dim(); }
  std::vector<std::string> names() const override { return base_.names(); }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    const std::size_t n = dim();
    std::vector<double> x(batch * n, 0.0);
    for (std::size_t b = 0; b < batch; ++b) {
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          x[b * n + i] += inverse_[i * n + j] * (thetas[b * n + j] - shift_[j]);
        }
      }
    }
    base_.log_density(x.data(), batch, out, hooks);
  }

 private:
  const batched_log_density& base_;
  std::vector<double> inverse_;
  std::vector<double> shift_;
};

// Records every call: how many, and the batch sizes.
class counting_target : public batched_log_density {
 public:
  explicit counting_target(const batched_log_density& base) : base_(base) {}
  std::size_t dim() const override { return base_.dim(); }
  std::vector<std::string> names() const override { return base_.names(); }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    batches.push_back(batch);
    base_.log_density(thetas, batch, out, hooks);
    for (std::size_t b = 0; b < batch; ++b) {
      if (out[b] == minus_infinity) ++outside;
    }
  }
  mutable std::vector<std::size_t> batches;
  mutable std::size_t outside = 0;

 private:
  const batched_log_density& base_;
};

// A standard 2-D Gaussian truncated to θ₀ >= 0 (−∞ elsewhere).
class truncated_target : public batched_log_density {
 public:
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"a", "b"}; }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks&) const override {
    for (std::size_t b = 0; b < batch; ++b) {
      const double a = thetas[2 * b], c = thetas[2 * b + 1];
      out[b] = a < 0.0 ? minus_infinity : -0.5 * (a * a + c * c);
    }
  }
};

// Walkers × dim starting points: `center` plus `scale` times Philox normals.
std::vector<double> ball(const std::vector<double>& center, std::size_t walkers, double scale,
                         std::uint64_t seed) {
  const std::size_t dim = center.size();
  std::vector<double> out(walkers * dim);
  std::vector<double> z(dim);
  for (std::size_t w = 0; w < walkers; ++w) {
    standard_normals(random_stream{seed, 7}, w, z.data(), static_cast<int>(dim));
    for (std::size_t d = 0; d < dim; ++d) out[w * dim + d] = center[d] + scale * z[d];
  }
  return out;
}

// Series of a statistic f(θ) per walker, steps from `burn_in` on: series[walker][step].
template <class Statistic>
std::vector<std::vector<double>> walker_series(const ensemble_result& run, std::size_t burn_in,
                                               Statistic statistic) {
  std::vector<std::vector<double>> series(run.walkers);
  for (std::size_t w = 0; w < run.walkers; ++w) {
    for (std::size_t t = burn_in; t < run.steps; ++t) {
      series[w].push_back(statistic(&run.chain[(t * run.walkers + w) * run.dim]));
    }
  }
  return series;
}

// (mean of f − truth) / MCSE, MCSE = sd(f) · sqrt(τ_f / (walkers · steps)), τ_f emcee's
// integrated autocorrelation time of f.
double mcse_z(const std::vector<std::vector<double>>& series, double truth) {
  double sum = 0.0, sum_squares = 0.0;
  std::size_t count = 0;
  for (const auto& walker : series) {
    for (double f : walker) {
      sum += f;
      sum_squares += f * f;
      ++count;
    }
  }
  const double mean = sum / static_cast<double>(count);
  const double sd = std::sqrt(sum_squares / static_cast<double>(count) - mean * mean);
  const autocorrelation_time tau = integrated_autocorrelation_time(series);
  EXPECT_TRUE(tau.reliable) << "tau " << tau.tau;
  return (mean - truth) / (sd * std::sqrt(tau.tau / static_cast<double>(count)));
}

// Means and covariances of the pooled draws after burn-in, each within 4 MCSE.
void expect_invariant(const gaussian_target& target, std::size_t walkers, std::size_t steps,
                      std::size_t burn_in, std::uint64_t seed) {
  ensemble_config config;
  config.walkers = walkers;
  config.steps = steps;
  config.seed = seed;
  config.initial = ball(target.mean(), walkers, 0.1, seed);
  const ensemble_result run = run_ensemble(target, config);
  const std::size_t n = target.dim();
  const std::vector<double>& mu = target.mean();
  const std::vector<double> sigma = target.covariance();
  for (std::size_t i = 0; i < n; ++i) {
    const double z =
        mcse_z(walker_series(run, burn_in, [&](const double* x) { return x[i]; }), mu[i]);
    EXPECT_LT(std::abs(z), 4.0) << "mean of parameter " << i;
    for (std::size_t j = 0; j <= i; ++j) {
      const double zc =
          mcse_z(walker_series(run, burn_in,
                               [&](const double* x) { return (x[i] - mu[i]) * (x[j] - mu[j]); }),
                 sigma[i * n + j]);
      EXPECT_LT(std::abs(zc), 4.0) << "covariance " << i << ", " << j;
    }
  }
}

TEST(Ensemble, LeavesCorrelated2dGaussianInvariant) {
  expect_invariant(correlated_2d(), 32, 5000, 500, 11);
}

TEST(Ensemble, Leaves5dGaussianInvariant) { expect_invariant(gaussian_5d(), 40, 6000, 1000, 12); }

// The stretch move's acceptance rate on a d-dimensional Gaussian, by independent Monte
// Carlo: at stationarity the walkers are independent draws of the target, so the rate is
// E[min(1, z^(d−1) p(y) / p(x))] with x, c ~ N(0, I), y = c − (c − x) z, z ~ g(z).
// Returns the estimate and its standard error.
std::pair<double, double> expected_acceptance(std::size_t dim, double a, std::size_t draws) {
  double sum = 0.0, sum_squares = 0.0;
  std::vector<double> normals(2 * dim);
  for (std::size_t k = 0; k < draws; ++k) {
    standard_normals(random_stream{1234, 9}, k, normals.data(), static_cast<int>(2 * dim));
    const philox_block bits = random_bits(random_stream{1234, 10}, k, 0);
    const double z = std::pow((a - 1.0) * uniform_closed_open(bits.v[0], bits.v[1]) + 1.0, 2.0) / a;
    double log_ratio = static_cast<double>(dim - 1) * std::log(z);
    for (std::size_t d = 0; d < dim; ++d) {
      const double x = normals[d], c = normals[dim + d], y = c - (c - x) * z;
      log_ratio += 0.5 * (x * x - y * y);
    }
    const double accept = log_ratio >= 0.0 ? 1.0 : std::exp(log_ratio);
    sum += accept;
    sum_squares += accept * accept;
  }
  const double mean = sum / static_cast<double>(draws);
  const double variance = sum_squares / static_cast<double>(draws) - mean * mean;
  return {mean, std::sqrt(variance / static_cast<double>(draws))};
}

// The sampler's acceptance rate after burn-in (a walker moved ⇔ its proposal was accepted)
// against expected_acceptance, within 4 combined standard errors.
void expect_acceptance_rate(const gaussian_target& target, std::size_t walkers, std::size_t steps,
                            std::size_t burn_in, std::uint64_t seed) {
  ensemble_config config;
  config.walkers = walkers;
  config.steps = steps;
  config.seed = seed;
  config.initial = ball(target.mean(), walkers, 0.1, seed);
  const ensemble_result run = run_ensemble(target, config);
  const std::size_t dim = target.dim();
  std::vector<std::vector<double>> moved(walkers);
  for (std::size_t w = 0; w < walkers; ++w) {
    for (std::size_t t = burn_in; t < steps; ++t) {
      const double* now = &run.chain[(t * walkers + w) * dim];
      const double* before = &run.chain[((t - 1) * walkers + w) * dim];
      moved[w].push_back(std::equal(now, now + dim, before) ? 0.0 : 1.0);
    }
  }
  double rate = 0.0;
  for (const auto& walker : moved) rate += std::accumulate(walker.begin(), walker.end(), 0.0);
  const double count = static_cast<double>(walkers * (steps - burn_in));
  rate /= count;
  const double tau = integrated_autocorrelation_time(moved).tau;
  const double sampler_se = std::sqrt(rate * (1.0 - rate) * tau / count);
  const auto [expected, expected_se] = expected_acceptance(dim, config.stretch, 400000);
  EXPECT_LT(std::abs(rate - expected), 4.0 * std::hypot(sampler_se, expected_se))
      << "rate " << rate << ", expected " << expected << " ± " << expected_se << ", sampler se "
      << sampler_se;
  // The whole run's fraction, burn-in included, is the same number to within the burn-in.
  EXPECT_NEAR(run.acceptance_fraction(), rate,
              static_cast<double>(burn_in) / static_cast<double>(steps) + 0.01);
}

TEST(Ensemble, AcceptanceRateIsTheStretchMovesOn2dGaussian) {
  // About 0.715: above emcee's usual 0.2–0.7 in two dimensions.
  expect_acceptance_rate(correlated_2d(), 32, 3000, 200, 31);
}

TEST(Ensemble, AcceptanceRateIsTheStretchMovesOn5dGaussian) {
  // About 0.55, inside the usual 0.2–0.7.
  expect_acceptance_rate(gaussian_5d(), 40, 3000, 500, 32);
  const gaussian_target target = gaussian_5d();
  ensemble_config config;
  config.walkers = 40;
  config.steps = 2000;
  config.initial = ball(target.mean(), 40, 0.1, 33);
  const double fraction = run_ensemble(target, config).acceptance_fraction();
  EXPECT_GT(fraction, 0.2);
  EXPECT_LT(fraction, 0.7);
}

TEST(Ensemble, AcceptanceFractionIsTheMeanOverWalkers) {
  const gaussian_target target = correlated_2d();
  ensemble_config config;
  config.walkers = 16;
  config.steps = 300;
  config.seed = 3;
  config.initial = ball(target.mean(), 16, 0.5, 3);
  const ensemble_result run = run_ensemble(target, config);
  ASSERT_EQ(run.acceptance.size(), 16u);
  double sum = 0.0;
  for (double a : run.acceptance) {
    // accepted / steps: a multiple of 1/300 in [0, 1].
    EXPECT_GE(a, 0.0);
    EXPECT_LE(a, 1.0);
    EXPECT_NEAR(a * 300.0, std::round(a * 300.0), 1e-9);
    sum += a;
  }
  EXPECT_DOUBLE_EQ(run.acceptance_fraction(), sum / 16.0);
  // Each walker's acceptances equal the number of steps on which it moved.
  for (std::size_t w = 0; w < 16; ++w) {
    std::size_t moves = 0;
    for (std::size_t t = 0; t < 300; ++t) {
      const double* now = &run.chain[(t * 16 + w) * 2];
      const double* before = t == 0 ? &config.initial[w * 2] : &run.chain[((t - 1) * 16 + w) * 2];
      if (now[0] != before[0] || now[1] != before[1]) ++moves;
    }
    EXPECT_EQ(static_cast<double>(moves) / 300.0, run.acceptance[w]) << "walker " << w;
  }
}

TEST(Ensemble, IsAffineInvariant) {
  // y = A θ + b with a rotation, shear and scaling; the same seed must give the image chain.
  // Only to rounding, and only for a few hundred steps: the stretch maps act on the
  // walkers × 1 vector of each coordinate, and rounding errors in the directions that the
  // positions do not span (walkers − dim − 1 of them) behave like a coordinate with a flat
  // density, which the move expands (E log z = 3 log 2 − 2 > 0 for a = 2). With 8 walkers
  // the two runs agree to ~1e-11 after 150 steps and part after ~450.
  const gaussian_target base = correlated_2d();
  const std::vector<double> a = {3.0, -1.0, 2.0, 0.5};  // det = 3.5
  const std::vector<double> a_inverse = {0.5 / 3.5, 1.0 / 3.5, -2.0 / 3.5, 3.0 / 3.5};
  const std::vector<double> b = {100.0, -7.0};
  const transformed_target image(base, a_inverse, b);

  ensemble_config config;
  config.walkers = 8;
  config.steps = 150;
  config.seed = 99;
  config.initial = ball(base.mean(), 8, 1.0, 99);
  ensemble_config image_config = config;
  for (std::size_t w = 0; w < 8; ++w) {
    const double* x = &config.initial[2 * w];
    image_config.initial[2 * w] = a[0] * x[0] + a[1] * x[1] + b[0];
    image_config.initial[2 * w + 1] = a[2] * x[0] + a[3] * x[1] + b[1];
  }
  const ensemble_result run = run_ensemble(base, config);
  const ensemble_result image_run = run_ensemble(image, image_config);

  EXPECT_EQ(run.acceptance, image_run.acceptance);
  double worst = 0.0;
  for (std::size_t k = 0; k < run.chain.size(); k += 2) {
    const double* x = &run.chain[k];
    const double y0 = a[0] * x[0] + a[1] * x[1] + b[0];
    const double y1 = a[2] * x[0] + a[3] * x[1] + b[1];
    worst = std::max(worst, std::abs(image_run.chain[k] - y0) / (1.0 + std::abs(y0)));
    worst = std::max(worst, std::abs(image_run.chain[k + 1] - y1) / (1.0 + std::abs(y1)));
  }
  EXPECT_LT(worst, 1e-9);
  for (std::size_t k = 0; k < run.log_density.size(); ++k) {
    ASSERT_NEAR(image_run.log_density[k], run.log_density[k],
                1e-8 * (1.0 + std::abs(run.log_density[k])));
  }
}

TEST(Ensemble, IsAPureFunctionOfTheSeed) {
  const gaussian_target target = gaussian_5d();
  ensemble_config config;
  config.walkers = 12;
  config.steps = 200;
  config.seed = 5;
  config.initial = ball(target.mean(), 12, 0.1, 5);
  const ensemble_result first = run_ensemble(target, config);
  run_hooks one_thread;
  one_thread.threads = 1;
  const ensemble_result second = run_ensemble(target, config, one_thread);
  EXPECT_EQ(first.chain, second.chain);
  EXPECT_EQ(first.log_density, second.log_density);
  EXPECT_EQ(first.acceptance, second.acceptance);

  config.seed = 6;
  const ensemble_result other = run_ensemble(target, config);
  EXPECT_NE(first.chain, other.chain);
}

TEST(Ensemble, RecordsEveryStepAndItsLogDensity) {
  const gaussian_target target = correlated_2d();
  ensemble_config config;
  config.walkers = 6;
  config.steps = 50;
  config.initial = ball(target.mean(), 6, 0.3, 1);
  const ensemble_result run = run_ensemble(target, config);
  EXPECT_EQ(run.walkers, 6u);
  EXPECT_EQ(run.steps, 50u);
  EXPECT_EQ(run.dim, 2u);
  ASSERT_EQ(run.chain.size(), 50u * 6u * 2u);
  ASSERT_EQ(run.log_density.size(), 50u * 6u);
  std::vector<double> check(6 * 50);
  target.log_density(run.chain.data(), 6 * 50, check.data(), run_hooks{});
  EXPECT_EQ(check, run.log_density);
}

TEST(Ensemble, CallsTheTargetOnceForEachHalf) {
  const gaussian_target base = correlated_2d();
  const counting_target target(base);
  ensemble_config config;
  config.walkers = 10;
  config.steps = 7;
  config.initial = ball(base.mean(), 10, 0.3, 2);
  run_ensemble(target, config);
  // The initial ensemble in one call, then one call of walkers / 2 proposals per half.
  ASSERT_EQ(target.batches.size(), 1u + 2u * 7u);
  EXPECT_EQ(target.batches[0], 10u);
  for (std::size_t k = 1; k < target.batches.size(); ++k) EXPECT_EQ(target.batches[k], 5u);
}

TEST(Ensemble, NeverAcceptsProposalsOutsideTheSupport) {
  const truncated_target base;
  const counting_target target(base);
  ensemble_config config;
  config.walkers = 8;
  config.steps = 2000;
  config.seed = 17;
  config.initial = ball({1.0, 0.0}, 8, 0.3, 17);
  for (std::size_t w = 0; w < 8; ++w) config.initial[2 * w] = std::abs(config.initial[2 * w]);
  const ensemble_result run = run_ensemble(target, config);
  EXPECT_GT(target.outside, 100u);  // the region was proposed often
  for (std::size_t k = 0; k < run.log_density.size(); ++k) {
    ASSERT_TRUE(std::isfinite(run.log_density[k]));
    ASSERT_GE(run.chain[2 * k], 0.0);
  }
}

TEST(Ensemble, ThrowsOnNaNLogDensity) {
  class nan_away_from_start : public batched_log_density {
   public:
    std::size_t dim() const override { return 1; }
    std::vector<std::string> names() const override { return {"x"}; }
    void log_density(const double* thetas, std::size_t batch, double* out,
                     const run_hooks&) const override {
      for (std::size_t b = 0; b < batch; ++b) {
        out[b] = std::abs(thetas[b]) > 3.0 ? std::numeric_limits<double>::quiet_NaN() : 0.0;
      }
    }
  } target;
  ensemble_config config;
  config.walkers = 4;
  config.steps = 1000;
  config.initial = {-1.0, 0.0, 1.0, 2.0};
  EXPECT_THROW(run_ensemble(target, config), runtime_failure);
}

TEST(Ensemble, ReportsProgressAndStopsWhenInterrupted) {
  struct recorder : progress_sink {
    std::string stage;
    std::uint64_t total = 0, done = 0;
    int ends = 0;
    void begin(const std::string& name, std::uint64_t units) override {
      stage = name;
      total = units;
    }
    void advance(std::uint64_t units) override { done += units; }
    void end() override { ++ends; }
  } progress;
  const gaussian_target target = correlated_2d();
  ensemble_config config;
  config.walkers = 4;
  config.steps = 25;
  config.initial = ball(target.mean(), 4, 0.3, 4);
  run_hooks hooks;
  hooks.progress = &progress;
  run_ensemble(target, config, hooks);
  EXPECT_EQ(progress.stage, "ensemble");
  EXPECT_EQ(progress.total, 25u);
  EXPECT_EQ(progress.done, 25u);
  EXPECT_EQ(progress.ends, 1);

  std::atomic<bool> stop{true};
  hooks.interrupt = &stop;
  EXPECT_THROW(run_ensemble(target, config, hooks), interrupted);
}

// Expects run_ensemble to throw usage_error whose message names `field`.
void expect_usage_error(const batched_log_density& target, const ensemble_config& config,
                        const std::string& field) {
  try {
    run_ensemble(target, config);
    ADD_FAILURE() << "no usage_error for " << field;
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(Ensemble, RejectsBadConfigurations) {
  const gaussian_target target = correlated_2d();
  ensemble_config good;
  good.walkers = 4;
  good.steps = 10;
  good.initial = ball(target.mean(), 4, 0.3, 8);
  EXPECT_NO_THROW(run_ensemble(target, good));

  ensemble_config bad = good;
  bad.walkers = 2;  // < 2 × dim
  bad.initial.resize(4);
  expect_usage_error(target, bad, "walkers");
  bad = good;
  bad.walkers = 5;  // odd
  bad.initial = ball(target.mean(), 5, 0.3, 8);
  expect_usage_error(target, bad, "walkers");
  bad = good;
  bad.steps = 0;
  expect_usage_error(target, bad, "steps");
  bad = good;
  bad.stretch = 1.0;
  expect_usage_error(target, bad, "ensemble setting stretch: got 1, expected a finite number > 1");
  bad.stretch = 0.5;
  expect_usage_error(target, bad,
                     "ensemble setting stretch: got 0.5, expected a finite number > 1");
  bad.stretch = std::numeric_limits<double>::quiet_NaN();
  expect_usage_error(target, bad, "stretch");
  bad = good;
  bad.initial.pop_back();
  expect_usage_error(target, bad, "initial");
  bad = good;
  bad.initial[3] = std::numeric_limits<double>::infinity();
  expect_usage_error(target, bad, "initial");

  // A start outside the support of the truncated Gaussian: −∞ log density.
  const truncated_target truncated;
  bad = good;
  bad.initial = {1.0, 0.0, 2.0, 1.0, -0.5, 0.3, 0.7, -1.0};
  expect_usage_error(truncated, bad, "initial");
  // All walkers on one line: the stretch move could never leave it (emcee's check).
  bad = good;
  bad.initial = {0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0};
  expect_usage_error(target, bad, "initial");
}

// Independent AR(1) chains x_t = ρ x_{t−1} + sqrt(1 − ρ²) ε_t, started from stationarity.
std::vector<std::vector<double>> ar1(std::size_t walkers, std::size_t steps, double rho,
                                     std::uint64_t seed) {
  std::vector<std::vector<double>> series(walkers, std::vector<double>(steps));
  std::vector<double> noise(steps);
  const double innovation_sd = std::sqrt(1.0 - rho * rho);
  for (std::size_t w = 0; w < walkers; ++w) {
    standard_normals(random_stream{seed, 3}, w, noise.data(), static_cast<int>(steps));
    series[w][0] = noise[0];
    for (std::size_t t = 1; t < steps; ++t) {
      series[w][t] = rho * series[w][t - 1] + innovation_sd * noise[t];
    }
  }
  return series;
}

TEST(AutocorrelationTime, OfAnAr1SeriesIs19) {
  // τ = (1 + ρ) / (1 − ρ) = 19 for ρ = 0.9.
  const autocorrelation_time tau = integrated_autocorrelation_time(ar1(32, 20000, 0.9, 21));
  EXPECT_NEAR(tau.tau, 19.0, 1.9);
  EXPECT_TRUE(tau.reliable);
}

TEST(AutocorrelationTime, OfWhiteNoiseIsOne) {
  const autocorrelation_time tau = integrated_autocorrelation_time(ar1(32, 20000, 0.0, 22));
  EXPECT_NEAR(tau.tau, 1.0, 0.05);
  EXPECT_TRUE(tau.reliable);
}

TEST(AutocorrelationTime, IsUnreliableForAShortChain) {
  // 200 steps < 50 · 19.
  const autocorrelation_time tau = integrated_autocorrelation_time(ar1(8, 200, 0.9, 23));
  EXPECT_FALSE(tau.reliable);
  EXPECT_GT(tau.tau, 4.0);
  // The same series pass with a tolerance of 5 τ.
  EXPECT_TRUE(integrated_autocorrelation_time(ar1(8, 200, 0.9, 23), 5.0, 5.0).reliable);
}

TEST(AutocorrelationTime, MatchesHandComputedValues) {
  // {1, 2, 3, 4}: centred −1.5, −0.5, 0.5, 1.5; biased autocovariances 5, 1.25, −1.5, −2.25;
  // ρ = 1, 0.25, −0.3, −0.45; taus = 1, 1.5, 0.9, 0. With c = 1 the window is the first M
  // with M >= taus[M]: M = 2, τ = 0.9; with c = 5 it is M = 3, τ = 0.
  const std::vector<std::vector<double>> ramp = {{1.0, 2.0, 3.0, 4.0}};
  EXPECT_NEAR(integrated_autocorrelation_time(ramp, 1.0).tau, 0.9, 1e-12);
  EXPECT_NEAR(integrated_autocorrelation_time(ramp, 5.0).tau, 0.0, 1e-12);
  // With {1, −1, 1, −1} (ρ = 1, −0.75, 0.5, −0.25) the walker average is
  // 1, −0.25, 0.1, −0.35; taus = 1, 0.5, 0.7, 0; c = 1: M = 1, τ = 0.5.
  const std::vector<std::vector<double>> two = {{1.0, 2.0, 3.0, 4.0}, {1.0, -1.0, 1.0, -1.0}};
  EXPECT_NEAR(integrated_autocorrelation_time(two, 1.0).tau, 0.5, 1e-12);
  // reliable is steps >= tolerance · τ: 4 >= 4 · 0.9 but not 5 · 0.9.
  EXPECT_TRUE(integrated_autocorrelation_time(ramp, 1.0, 4.0).reliable);
  EXPECT_FALSE(integrated_autocorrelation_time(ramp, 1.0, 5.0).reliable);
}

TEST(AutocorrelationTime, IsNaNAndUnreliableForAConstantSeries) {
  const autocorrelation_time tau = integrated_autocorrelation_time({{2.0, 2.0, 2.0, 2.0}});
  EXPECT_TRUE(std::isnan(tau.tau));
  EXPECT_FALSE(tau.reliable);
}

TEST(AutocorrelationTime, RejectsBadInput) {
  EXPECT_THROW(integrated_autocorrelation_time({}), usage_error);
  EXPECT_THROW(integrated_autocorrelation_time({{}}), usage_error);
  EXPECT_THROW(integrated_autocorrelation_time({{1.0, 2.0}, {1.0}}), usage_error);
  EXPECT_THROW(integrated_autocorrelation_time({{1.0, 2.0}}, 0.0), usage_error);
  EXPECT_THROW(integrated_autocorrelation_time({{1.0, 2.0}}, 5.0, -1.0), usage_error);
}

}  // namespace
}  // namespace ismc

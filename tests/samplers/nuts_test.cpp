#include "ismc/samplers/nuts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "samplers/nuts_adaptation.hpp"

namespace ismc {
namespace {

using window_list = std::vector<std::pair<std::size_t, std::size_t>>;

// ---------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------

// Independent normals N(0, sd_i²); outputs are the coordinates.
class diagonal_normal : public posterior_model {
 public:
  explicit diagonal_normal(std::vector<double> sds) : sds_(std::move(sds)) {}
  std::string name() const override { return "diagonal_normal"; }
  std::size_t dim() const override { return sds_.size(); }
  double log_density(const double* q, double* gradient) const override {
    double lp = 0.0;
    for (std::size_t i = 0; i < sds_.size(); ++i) {
      const double z = q[i] / sds_[i];
      lp -= 0.5 * z * z;
      if (gradient != nullptr) gradient[i] = -z / sds_[i];
    }
    return lp;
  }
  std::vector<std::string> output_names() const override {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < sds_.size(); ++i) names.push_back("x." + std::to_string(i + 1));
    return names;
  }
  void write_outputs(const double* q, double* out) const override {
    std::copy(q, q + sds_.size(), out);
  }

 private:
  std::vector<double> sds_;
};

// A bivariate normal with standard deviations s1, s2 and correlation rho.
class correlated_normal : public posterior_model {
 public:
  correlated_normal(double s1, double s2, double rho) : s1_(s1), s2_(s2), rho_(rho) {}
  std::string name() const override { return "correlated_normal"; }
  std::size_t dim() const override { return 2; }
  double log_density(const double* q, double* gradient) const override {
    const double a = q[0] / s1_;
    const double b = q[1] / s2_;
    const double c = 1.0 - rho_ * rho_;
    if (gradient != nullptr) {
      gradient[0] = -(a - rho_ * b) / (c * s1_);
      gradient[1] = -(b - rho_ * a) / (c * s2_);
    }
    return -0.5 * (a * a - 2.0 * rho_ * a * b + b * b) / c;
  }
  std::vector<std::string> output_names() const override { return {"x.1", "x.2"}; }
  void write_outputs(const double* q, double* out) const override {
    out[0] = q[0];
    out[1] = q[1];
  }
  double covariance(int i, int j) const {
    const double s[2] = {s1_, s2_};
    return (i == j ? 1.0 : rho_) * s[i] * s[j];
  }

 private:
  double s1_, s2_, rho_;
};

// Standard normal truncated to the positive orthant: −∞ (with a NaN gradient) elsewhere.
// Each coordinate is half-normal, mean sqrt(2/π).
class positive_normal : public posterior_model {
 public:
  explicit positive_normal(std::size_t dim) : dim_(dim) {}
  std::string name() const override { return "positive_normal"; }
  std::size_t dim() const override { return dim_; }
  double log_density(const double* q, double* gradient) const override {
    double lp = 0.0;
    for (std::size_t i = 0; i < dim_; ++i) {
      if (!(q[i] > 0.0)) {
        if (gradient != nullptr) {
          std::fill(gradient, gradient + dim_, std::numeric_limits<double>::quiet_NaN());
        }
        return -std::numeric_limits<double>::infinity();
      }
      lp -= 0.5 * q[i] * q[i];
      if (gradient != nullptr) gradient[i] = -q[i];
    }
    return lp;
  }
  std::vector<std::string> output_names() const override {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < dim_; ++i) names.push_back("x." + std::to_string(i + 1));
    return names;
  }
  void write_outputs(const double* q, double* out) const override { std::copy(q, q + dim_, out); }

 private:
  std::size_t dim_;
};

// Neal's funnel in two dimensions: y ~ N(0, 3²), x | y ~ N(0, exp(y/2)²).
class funnel : public posterior_model {
 public:
  std::string name() const override { return "funnel"; }
  std::size_t dim() const override { return 2; }
  double log_density(const double* q, double* gradient) const override {
    const double y = q[0];
    const double x = q[1];
    const double precision = std::exp(-y);
    if (gradient != nullptr) {
      gradient[0] = -y / 9.0 + 0.5 * x * x * precision - 0.5;
      gradient[1] = -x * precision;
    }
    return -y * y / 18.0 - 0.5 * x * x * precision - 0.5 * y;
  }
  std::vector<std::string> output_names() const override { return {"y", "x"}; }
  void write_outputs(const double* q, double* out) const override {
    out[0] = q[0];
    out[1] = q[1];
  }
};

// Log density finite only where q[0] > threshold (a standard normal there), or nowhere.
class partial_support : public posterior_model {
 public:
  explicit partial_support(double threshold) : threshold_(threshold) {}
  std::string name() const override { return "partial_support"; }
  std::size_t dim() const override { return 2; }
  double log_density(const double* q, double* gradient) const override {
    if (!(q[0] > threshold_)) return std::numeric_limits<double>::quiet_NaN();
    if (gradient != nullptr) {
      gradient[0] = -q[0];
      gradient[1] = -q[1];
    }
    return -0.5 * (q[0] * q[0] + q[1] * q[1]);
  }
  std::vector<std::string> output_names() const override { return {"a", "b"}; }
  void write_outputs(const double* q, double* out) const override {
    out[0] = q[0];
    out[1] = q[1];
  }

 private:
  double threshold_;
};

// ---------------------------------------------------------------------------------------
// Recorders and statistics
// ---------------------------------------------------------------------------------------

struct recorded_draw {
  nuts_draw info;
  std::vector<double> outputs;
  bool warmup = false;
};

class recorder : public draw_writer {
 public:
  explicit recorder(std::size_t outputs) : outputs_(outputs) {}
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    draws.push_back({info, std::vector<double>(outputs, outputs + outputs_), warmup});
  }
  void adaptation(double stepsize, const std::vector<double>& inverse_metric) override {
    ++adaptation_calls;
    adapted_stepsize = stepsize;
    adapted_inverse_metric = inverse_metric;
  }
  void timing(double warmup_seconds, double sampling_seconds) override {
    ++timing_calls;
    warmup_time = warmup_seconds;
    sampling_time = sampling_seconds;
  }

  std::vector<recorded_draw> sampling() const {
    std::vector<recorded_draw> kept;
    for (const auto& d : draws) {
      if (!d.warmup) kept.push_back(d);
    }
    return kept;
  }

  std::vector<recorded_draw> draws;
  int adaptation_calls = 0;
  int timing_calls = 0;
  double adapted_stepsize = 0.0;
  std::vector<double> adapted_inverse_metric;
  double warmup_time = -1.0;
  double sampling_time = -1.0;

 private:
  std::size_t outputs_;
};

class progress_recorder : public progress_sink {
 public:
  void begin(const std::string& stage, std::uint64_t total) override {
    stages.push_back(stage);
    totals.push_back(total);
  }
  void advance(std::uint64_t done) override { advanced += done; }
  void end() override { ++ends; }
  std::vector<std::string> stages;
  std::vector<std::uint64_t> totals;
  std::uint64_t advanced = 0;
  int ends = 0;
};

// Mean and batch-means Monte Carlo standard error of f over several chains: each chain is
// cut into `batches` consecutive batches, whose means are treated as independent.
struct estimate {
  double mean = 0.0;
  double mcse = 0.0;
};

template <class F>
estimate batch_means(const std::vector<std::vector<recorded_draw>>& chains, F f,
                     std::size_t batches = 20) {
  std::vector<double> batch_values;
  double total = 0.0;
  std::size_t count = 0;
  for (const auto& chain : chains) {
    const std::size_t size = chain.size() / batches;
    for (std::size_t b = 0; b < batches; ++b) {
      double sum = 0.0;
      for (std::size_t n = b * size; n < (b + 1) * size; ++n) sum += f(chain[n]);
      batch_values.push_back(sum / static_cast<double>(size));
      total += sum;
      count += size;
    }
  }
  const double mean = total / static_cast<double>(count);
  double ss = 0.0;
  for (double v : batch_values) ss += (v - mean) * (v - mean);
  const double k = static_cast<double>(batch_values.size());
  return {mean, std::sqrt(ss / (k - 1.0) / k)};
}

nuts_config small_config(std::uint64_t seed, std::uint32_t chain) {
  nuts_config config;
  config.seed = seed;
  config.chain = chain;
  return config;
}

// ---------------------------------------------------------------------------------------
// Adaptation pieces
// ---------------------------------------------------------------------------------------

TEST(NutsAdaptationWindows, DefaultScheduleForWarmup1000IsStans) {
  const window_list expected = {{75, 99}, {100, 149}, {150, 249}, {250, 449}, {450, 949}};
  EXPECT_EQ(adaptation_windows(1000, 75, 50, 25), expected);
}

TEST(NutsAdaptationWindows, ShortWarmupFallsBackTo15_75_10Percent) {
  // 100 < 75 + 25 + 50: init buffer 15, term buffer 10, one slow window of 75.
  const window_list expected = {{15, 89}};
  EXPECT_EQ(adaptation_windows(100, 75, 50, 25), expected);
  nuts_detail::windowed_adaptation schedule(100, 75, 50, 25);
  EXPECT_EQ(schedule.init_buffer(), 15u);
  EXPECT_EQ(schedule.term_buffer(), 10u);
  EXPECT_EQ(schedule.base_window(), 75u);
  // 149 falls back too (buffers truncated to 22 and 14).
  EXPECT_EQ(adaptation_windows(149, 75, 50, 25), (window_list{{22, 134}}));
}

TEST(NutsAdaptationWindows, ExactFitDoesNotFallBack) {
  // 75 + 25 + 50 == 150 is not strictly greater: the configured buffers stay.
  EXPECT_EQ(adaptation_windows(150, 75, 50, 25), (window_list{{75, 99}}));
  EXPECT_EQ(adaptation_windows(200, 75, 50, 25), (window_list{{75, 99}, {100, 149}}));
  EXPECT_EQ(adaptation_windows(300, 75, 50, 25), (window_list{{75, 99}, {100, 149}, {150, 249}}));
  // When the window after next would overrun the slow phase, the next one stretches to its
  // end: 100–149 would be followed by 150–249 > 199, so the second window is 100–199.
  EXPECT_EQ(adaptation_windows(250, 75, 50, 25), (window_list{{75, 99}, {100, 199}}));
  EXPECT_EQ(adaptation_windows(320, 75, 50, 25), (window_list{{75, 99}, {100, 149}, {150, 269}}));
  EXPECT_EQ(adaptation_windows(2000, 75, 50, 25),
            (window_list{{75, 99}, {100, 149}, {150, 249}, {250, 449}, {450, 849}, {850, 1949}}));
}

TEST(NutsAdaptationWindows, NoWindowsBelowTwentyIterations) {
  EXPECT_TRUE(adaptation_windows(19, 75, 50, 25).empty());
  EXPECT_TRUE(adaptation_windows(0, 75, 50, 25).empty());
  // 20 falls back to buffers 3 and 2 and one window 3–17.
  EXPECT_EQ(adaptation_windows(20, 75, 50, 25), (window_list{{3, 17}}));
  EXPECT_THROW(adaptation_windows(1000, 75, 50, 0), usage_error);
}

TEST(NutsStepsizeAdaptation, FirstStepMatchesTheDualAveragingFormulas) {
  nuts_detail::stepsize_adaptation adapt(0.8, 0.05, 0.75, 10.0);
  adapt.set_mu(std::log(10.0));
  double stepsize = 1.0;
  adapt.learn_stepsize(stepsize, 1.7);  // capped at 1
  // s̄ = (δ − 1)/(1 + t0) = −0.2/11; x = μ − s̄·√1/γ; x̄ = x (weight 1^−κ = 1).
  const double x = std::log(10.0) + (0.2 / 11.0) / 0.05;
  EXPECT_NEAR(stepsize, std::exp(x), 1e-12);
  double final_stepsize = 0.0;
  adapt.complete_adaptation(final_stepsize);
  EXPECT_NEAR(final_stepsize, std::exp(x), 1e-12);

  // Second step with acceptance 0.3: s̄ = (1 − 1/12) s̄ + (1/12)(0.5); x̄ weight 2^−0.75.
  adapt.learn_stepsize(stepsize, 0.3);
  const double s_bar = (11.0 / 12.0) * (-0.2 / 11.0) + (1.0 / 12.0) * 0.5;
  const double x2 = std::log(10.0) - s_bar * std::sqrt(2.0) / 0.05;
  const double w = std::pow(2.0, -0.75);
  EXPECT_NEAR(stepsize, std::exp(x2), 1e-12);
  adapt.complete_adaptation(final_stepsize);
  EXPECT_NEAR(final_stepsize, std::exp((1.0 - w) * x + w * x2), 1e-12);

  adapt.restart();
  EXPECT_EQ(adapt.counter(), 0.0);
}

TEST(NutsWelford, VarianceAndCovarianceOfKnownPoints) {
  nuts_detail::welford_var_estimator var(2);
  nuts_detail::welford_covar_estimator covar(2);
  const double points[4][2] = {{1.0, 2.0}, {2.0, 1.0}, {3.0, 5.0}, {4.0, 0.0}};
  for (const auto& point : points) {
    const Eigen::Vector2d q(point[0], point[1]);
    var.add_sample(q);
    covar.add_sample(q);
  }
  // x: mean 2.5, variance 5/3; y: mean 2, variance 14/3; covariance −1/3.
  Eigen::VectorXd v(2);
  var.sample_variance(v);
  EXPECT_NEAR(v[0], 5.0 / 3.0, 1e-14);
  EXPECT_NEAR(v[1], 14.0 / 3.0, 1e-14);
  Eigen::MatrixXd c(2, 2);
  covar.sample_covariance(c);
  EXPECT_NEAR(c(0, 0), 5.0 / 3.0, 1e-14);
  EXPECT_NEAR(c(1, 1), 14.0 / 3.0, 1e-14);
  EXPECT_NEAR(c(0, 1), -1.0 / 3.0, 1e-14);
  EXPECT_NEAR(c(1, 0), -1.0 / 3.0, 1e-14);

  // Fewer than two samples leave the estimate untouched (Stan's behaviour).
  var.restart();
  var.add_sample(Eigen::Vector2d(7.0, 7.0));
  Eigen::VectorXd untouched = Eigen::Vector2d(3.0, 4.0);
  var.sample_variance(untouched);
  EXPECT_EQ(untouched[0], 3.0);
  EXPECT_EQ(untouched[1], 4.0);
}

TEST(NutsVarAdaptation, RegularisesTheWindowVarianceAtTheWindowEnd) {
  // Warmup 100: one window, iterations 15..89 (75 draws). Feed q = iteration index in the
  // first coordinate and 2·index in the second: variances n(n+1)/12 = 475 and 4·475.
  nuts_detail::var_adaptation adapt(2, nuts_detail::windowed_adaptation(100, 75, 50, 25));
  Eigen::VectorXd inverse_metric = Eigen::VectorXd::Ones(2);
  std::vector<std::size_t> updates;
  for (std::size_t m = 0; m < 100; ++m) {
    const Eigen::Vector2d q(static_cast<double>(m), 2.0 * static_cast<double>(m));
    if (adapt.learn_variance(inverse_metric, q)) updates.push_back(m);
  }
  ASSERT_EQ(updates, std::vector<std::size_t>{89});
  const double n = 75.0;
  EXPECT_NEAR(inverse_metric[0], n / (n + 5.0) * 475.0 + 1e-3 * 5.0 / (n + 5.0), 1e-9);
  EXPECT_NEAR(inverse_metric[1], n / (n + 5.0) * 1900.0 + 1e-3 * 5.0 / (n + 5.0), 1e-9);

  nuts_detail::covar_adaptation dense(2, nuts_detail::windowed_adaptation(100, 75, 50, 25));
  Eigen::MatrixXd dense_metric = Eigen::MatrixXd::Identity(2, 2);
  for (std::size_t m = 0; m < 100; ++m) {
    const Eigen::Vector2d q(static_cast<double>(m), 2.0 * static_cast<double>(m));
    dense.learn_covariance(dense_metric, q);
  }
  EXPECT_NEAR(dense_metric(0, 0), n / (n + 5.0) * 475.0 + 1e-3 * 5.0 / (n + 5.0), 1e-9);
  EXPECT_NEAR(dense_metric(0, 1), n / (n + 5.0) * 950.0, 1e-9);
  EXPECT_NEAR(dense_metric(1, 1), n / (n + 5.0) * 1900.0 + 1e-3 * 5.0 / (n + 5.0), 1e-9);
}

TEST(NutsVarAdaptation, UpdatesAtTheEndOfEachDefaultWindow) {
  nuts_detail::var_adaptation adapt(1, nuts_detail::windowed_adaptation(1000, 75, 50, 25));
  Eigen::VectorXd inverse_metric = Eigen::VectorXd::Ones(1);
  std::vector<std::size_t> updates;
  for (std::size_t m = 0; m < 1000; ++m) {
    if (adapt.learn_variance(inverse_metric, Eigen::VectorXd::Constant(1, std::sin(m)))) {
      updates.push_back(m);
    }
  }
  EXPECT_EQ(updates, (std::vector<std::size_t>{99, 149, 249, 449, 949}));
}

// ---------------------------------------------------------------------------------------
// The sampler
// ---------------------------------------------------------------------------------------

TEST(Nuts, TenDimensionalStandardNormal) {
  const diagonal_normal model(std::vector<double>(10, 1.0));
  std::vector<std::vector<recorded_draw>> chains;
  std::vector<double> stepsizes;
  double seconds = 0.0;
  for (std::uint32_t chain = 1; chain <= 4; ++chain) {
    recorder out(10);
    const auto start = std::chrono::steady_clock::now();
    run_nuts(model, small_config(20240611, chain), out);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(out.draws.size(), 1000u);
    ASSERT_EQ(out.adaptation_calls, 1);
    ASSERT_EQ(out.timing_calls, 1);
    EXPECT_GE(out.warmup_time, 0.0);
    EXPECT_GE(out.sampling_time, 0.0);
    stepsizes.push_back(out.adapted_stepsize);
    // The adapted metric of a unit normal: variances near 1. The last window has 500
    // draws; with an ESS of x² above 250 the sample variance has SE < sqrt(2/250) ≈ 0.09,
    // so 4 SE ≈ 0.36 < 0.4.
    for (double v : out.adapted_inverse_metric) EXPECT_NEAR(v, 1.0, 0.4);
    chains.push_back(out.sampling());
  }
  std::printf("[ info ] 10-D normal: %.3f s per chain (1000 warmup + 1000 draws)\n", seconds / 4.0);

  for (std::size_t i = 0; i < 10; ++i) {
    const estimate mean = batch_means(chains, [i](const recorded_draw& d) { return d.outputs[i]; });
    EXPECT_LT(std::abs(mean.mean), 4.0 * mean.mcse) << "coordinate " << i << " mean";
    const estimate second =
        batch_means(chains, [i](const recorded_draw& d) { return d.outputs[i] * d.outputs[i]; });
    EXPECT_LT(std::abs(second.mean - 1.0), 4.0 * second.mcse) << "coordinate " << i << " variance";
    EXPECT_LT(second.mcse, 0.06);  // the test has power: ~4000 draws, ESS in the thousands
  }

  // Biased progressive sampling favours the far end of the trajectory, which makes NUTS
  // antithetic on a Gaussian (Stan's ESS for means exceeds the draw count): the lag-1
  // autocorrelation is about −0.3 here, against +0.1 with plain multinomial sampling at
  // the top level. Its SE over 4 × 10 series of 1000 draws is about 0.005.
  double lag1 = 0.0;
  for (const auto& chain : chains) {
    for (std::size_t i = 0; i < 10; ++i) {
      double cross = 0.0, square = 0.0;
      for (std::size_t n = 0; n < chain.size(); ++n) {
        square += chain[n].outputs[i] * chain[n].outputs[i];
        if (n > 0) cross += chain[n].outputs[i] * chain[n - 1].outputs[i];
      }
      lag1 += cross / square / 40.0;
    }
  }
  EXPECT_LT(lag1, -0.1);

  double accept = 0.0;
  int divergent = 0;
  for (const auto& chain : chains) {
    for (const auto& d : chain) {
      accept += d.info.accept_stat;
      divergent += d.info.divergent ? 1 : 0;
      EXPECT_EQ(d.info.stepsize, d.info.stepsize);  // not NaN
      // Energy = V + kinetic energy ≥ V = −lp.
      EXPECT_GE(d.info.energy, -d.info.lp);
      // Doublings that succeeded, plus at most one rejected subtree.
      EXPECT_LE(d.info.n_leapfrog, (2 << d.info.treedepth) - 1);
    }
  }
  accept /= 4000.0;
  EXPECT_EQ(divergent, 0);
  EXPECT_NEAR(accept, 0.8, 0.1);
  for (double stepsize : stepsizes) {
    EXPECT_GT(stepsize, 0.5);
    EXPECT_LT(stepsize, 1.1);
  }
  std::printf("[ info ] adapted step sizes %.3f %.3f %.3f %.3f, mean accept_stat %.3f\n",
              stepsizes[0], stepsizes[1], stepsizes[2], stepsizes[3], accept);
  // Every sampling draw of a chain uses the adapted step size.
  for (const auto& d : chains[0]) EXPECT_EQ(d.info.stepsize, stepsizes[0]);
}

TEST(Nuts, LargeFixedStepSizeStillSamplesTheTarget) {
  // No adaptation, a step size close to the leapfrog stability limit (2 for a unit normal):
  // energy errors are large, so the multinomial weights exp(H0 − h) matter. A sampler that
  // picked states uniformly, or ignored the weights, would get the variance wrong.
  const diagonal_normal model(std::vector<double>(5, 1.0));
  nuts_config config = small_config(17, 1);
  config.warmup = 0;
  config.draws = 4000;
  config.stepsize = 1.7;
  recorder out(5);
  run_nuts(model, config, out);
  const std::vector<std::vector<recorded_draw>> chains = {out.draws};
  double accept = 0.0;
  for (const auto& d : out.draws) accept += d.info.accept_stat;
  EXPECT_LT(accept / 4000.0, 0.7);  // the regime where the weights matter
  for (std::size_t i = 0; i < 5; ++i) {
    const estimate second =
        batch_means(chains, [i](const recorded_draw& d) { return d.outputs[i] * d.outputs[i]; });
    EXPECT_LT(std::abs(second.mean - 1.0), 4.0 * second.mcse) << i;
    EXPECT_LT(second.mcse, 0.1);
  }
}

TEST(Nuts, DepthOneIsOneStepHmcWithMetropolisAcceptance) {
  // With max_depth 1 the trajectory is one leapfrog step and biased progressive sampling
  // takes it with probability min(1, exp(H0 − h)), which is also the accept_stat: the rate
  // of moves must equal the mean accept_stat (Barker's w1/(w0 + w1) would be lower).
  const diagonal_normal model(std::vector<double>(5, 1.0));
  nuts_config config = small_config(23, 1);
  config.warmup = 0;
  config.draws = 4000;
  config.stepsize = 1.2;
  config.max_depth = 1;
  recorder out(5);
  run_nuts(model, config, out);
  double moved = 0.0, accept = 0.0;
  for (std::size_t n = 0; n < out.draws.size(); ++n) {
    const auto& d = out.draws[n];
    EXPECT_EQ(d.info.n_leapfrog, 1);
    EXPECT_EQ(d.info.treedepth, 1);
    if (n > 0) {
      moved += d.outputs != out.draws[n - 1].outputs ? 1.0 : 0.0;
      accept += d.info.accept_stat;
    }
  }
  const double draws = static_cast<double>(out.draws.size() - 1);
  moved /= draws;
  accept /= draws;
  EXPECT_GT(accept, 0.3);
  EXPECT_LT(accept, 0.8);
  // Binomial SE of the move rate: sqrt(p(1 − p)/n) < 0.008; 4 SE < 0.032.
  EXPECT_NEAR(moved, accept, 0.032);
}

TEST(Nuts, SeamChecksCatchUTurnsBetweenSubtrees) {
  // 100 iid unit normals with ε = 0.2: each orbit takes 2π/0.2 ≈ 31 steps, so the U-turn
  // comes within 32 steps (depth ≤ 5). Without the two checks across the subtree seam
  // (Stan < 2.21) the merged-tree criterion misses it on this target and trees run to the
  // depth limit (mean n_leapfrog ≈ 250 instead of ≈ 23).
  const diagonal_normal model(std::vector<double>(100, 1.0));
  nuts_config config = small_config(29, 1);
  config.warmup = 0;
  config.draws = 500;
  config.stepsize = 0.2;
  recorder out(100);
  run_nuts(model, config, out);
  double leapfrogs = 0.0;
  for (const auto& d : out.draws) {
    EXPECT_LE(d.info.treedepth, 5);
    leapfrogs += d.info.n_leapfrog;
  }
  EXPECT_LT(leapfrogs / 500.0, 40.0);
}

TEST(Nuts, DiagonalMetricAdaptsToBadlyScaledNormal) {
  const std::vector<double> sds = {0.01, 0.1, 1.0, 10.0, 100.0};
  const diagonal_normal model(sds);
  nuts_config config = small_config(7, 1);
  // 2000 warmup iterations: the last window (850–1949) holds 1100 draws, so the variance
  // estimate's SE is ≈ sqrt(2/ESS) < 0.075 for ESS > 360, and 30% is > 4 SE.
  config.warmup = 2000;
  config.draws = 300;
  config.save_warmup = true;
  recorder out(sds.size());
  run_nuts(model, config, out);
  ASSERT_EQ(out.adapted_inverse_metric.size(), sds.size());
  for (std::size_t i = 0; i < sds.size(); ++i) {
    const double variance = sds[i] * sds[i];
    EXPECT_NEAR(out.adapted_inverse_metric[i] / variance, 1.0, 0.3) << "coordinate " << i;
  }
  // Before the first metric update (identity metric, 10^4 scale ratio) trajectories hit
  // the depth limit; after adaptation the problem is a unit normal again.
  double early_depth = 0.0, late_depth = 0.0;
  std::size_t late_count = 0;
  for (std::size_t m = 0; m < out.draws.size(); ++m) {
    const auto& d = out.draws[m];
    if (d.warmup && m < 75) early_depth += d.info.treedepth;
    if (!d.warmup) {
      late_depth += d.info.treedepth;
      ++late_count;
    }
  }
  early_depth /= 75.0;
  late_depth /= static_cast<double>(late_count);
  std::printf("[ info ] badly scaled: mean tree depth %.2f before adaptation, %.2f after\n",
              early_depth, late_depth);
  EXPECT_GT(early_depth, 5.5);
  EXPECT_LT(late_depth, 3.5);
}

TEST(Nuts, DenseMetricAdaptsToCorrelatedNormal) {
  const correlated_normal model(1.0, 3.0, 0.95);
  nuts_config config = small_config(11, 2);
  config.metric = metric_kind::dense;
  config.draws = 1000;
  recorder out(2);
  run_nuts(model, config, out);
  ASSERT_EQ(out.adapted_inverse_metric.size(), 4u);
  const auto& m = out.adapted_inverse_metric;
  EXPECT_NEAR(m[1], m[2], 1e-12 * std::abs(m[1]));  // symmetric (to rounding), row-major
  EXPECT_NEAR(m[0] / model.covariance(0, 0), 1.0, 0.3);
  EXPECT_NEAR(m[3] / model.covariance(1, 1), 1.0, 0.3);
  EXPECT_NEAR(m[1] / std::sqrt(m[0] * m[3]), 0.95, 0.03);  // the correlation
  // With the metric matching the covariance the problem is isotropic: short trees.
  const auto draws = out.sampling();
  double depth = 0.0;
  for (const auto& d : draws) depth += d.info.treedepth;
  EXPECT_LT(depth / static_cast<double>(draws.size()), 3.0);
  const std::vector<std::vector<recorded_draw>> chains = {draws};
  for (int i = 0; i < 2; ++i) {
    const estimate mean = batch_means(chains, [i](const recorded_draw& d) { return d.outputs[i]; });
    EXPECT_LT(std::abs(mean.mean), 4.0 * mean.mcse) << i;
  }
  const estimate cross =
      batch_means(chains, [](const recorded_draw& d) { return d.outputs[0] * d.outputs[1]; });
  EXPECT_LT(std::abs(cross.mean - model.covariance(0, 1)), 4.0 * cross.mcse);
}

TEST(Nuts, SameSeedAndChainGiveIdenticalDrawsOtherChainsDiffer) {
  const diagonal_normal model({1.0, 2.0, 0.5});
  nuts_config config = small_config(99, 3);
  config.warmup = 150;
  config.draws = 100;
  recorder a(3), b(3), c(3);
  run_nuts(model, config, a);
  run_nuts(model, config, b);
  config.chain = 4;
  run_nuts(model, config, c);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  EXPECT_EQ(a.adapted_stepsize, b.adapted_stepsize);
  EXPECT_EQ(a.adapted_inverse_metric, b.adapted_inverse_metric);
  for (std::size_t n = 0; n < a.draws.size(); ++n) {
    EXPECT_EQ(a.draws[n].outputs, b.draws[n].outputs);
    EXPECT_EQ(a.draws[n].info.lp, b.draws[n].info.lp);
    EXPECT_EQ(a.draws[n].info.energy, b.draws[n].info.energy);
    EXPECT_EQ(a.draws[n].info.n_leapfrog, b.draws[n].info.n_leapfrog);
  }
  std::size_t same = 0;
  for (std::size_t n = 0; n < a.draws.size(); ++n) same += a.draws[n].outputs == c.draws[n].outputs;
  EXPECT_EQ(same, 0u);
  EXPECT_NE(a.adapted_stepsize, c.adapted_stepsize);
}

TEST(Nuts, HardBoundaryGivesDivergencesButNoNaN) {
  const positive_normal model(2);
  nuts_config config = small_config(5, 1);
  // Most trajectories end at the wall, so the chain mixes slowly: 4000 draws in 20 batches
  // of 200 keep the batch-means MCSE honest.
  config.draws = 4000;
  recorder out(2);
  run_nuts(model, config, out);  // inits retried until both coordinates are positive
  const auto draws = out.sampling();
  ASSERT_EQ(draws.size(), 4000u);
  int divergent = 0;
  for (const auto& d : draws) {
    divergent += d.info.divergent ? 1 : 0;
    ASSERT_TRUE(std::isfinite(d.info.lp));
    ASSERT_TRUE(std::isfinite(d.info.energy));
    ASSERT_TRUE(std::isfinite(d.info.accept_stat));
    ASSERT_GE(d.info.accept_stat, 0.0);
    ASSERT_LE(d.info.accept_stat, 1.0);
    for (double x : d.outputs) {
      ASSERT_TRUE(std::isfinite(x));
      ASSERT_GT(x, 0.0);
    }
  }
  EXPECT_GT(divergent, 0);  // trajectories that leave the orthant
  const std::vector<std::vector<recorded_draw>> chains = {draws};
  for (int i = 0; i < 2; ++i) {
    const estimate mean = batch_means(chains, [i](const recorded_draw& d) { return d.outputs[i]; });
    EXPECT_LT(std::abs(mean.mean - std::sqrt(2.0 / M_PI)), 4.0 * mean.mcse) << i;
  }
}

TEST(Nuts, FunnelProducesFlaggedDivergences) {
  const funnel model;
  nuts_config config = small_config(3, 1);
  config.draws = 1000;
  recorder out(2);
  run_nuts(model, config, out);
  int divergent = 0;
  double divergent_y = 0.0, other_y = 0.0;
  for (const auto& d : out.sampling()) {
    ASSERT_TRUE(std::isfinite(d.info.lp));
    ASSERT_TRUE(std::isfinite(d.info.energy));
    ASSERT_TRUE(std::isfinite(d.outputs[0]) && std::isfinite(d.outputs[1]));
    if (d.info.divergent) {
      ++divergent;
      divergent_y += d.outputs[0];
    } else {
      other_y += d.outputs[0];
    }
  }
  std::printf("[ info ] funnel: %d divergent draws of 1000\n", divergent);
  ASSERT_GT(divergent, 0);
  ASSERT_LT(divergent, 1000);
  // The divergences come from the neck of the funnel (small y, where the scale of x is far
  // below the step size): divergent draws sit lower in y than the others.
  EXPECT_LT(divergent_y / divergent, other_y / (1000 - divergent));
}

TEST(Nuts, ThinningSaveWarmupAndProgress) {
  const diagonal_normal model({1.0, 1.0});
  nuts_config config = small_config(1, 1);
  config.warmup = 100;
  config.draws = 50;
  config.thin = 3;
  config.save_warmup = true;
  recorder out(2);
  progress_recorder progress;
  run_hooks hooks;
  hooks.progress = &progress;
  run_nuts(model, config, out, hooks);
  std::size_t warmup = 0, sampling = 0;
  for (const auto& d : out.draws) (d.warmup ? warmup : sampling) += 1;
  EXPECT_EQ(warmup, 34u);    // iterations 0, 3, …, 99
  EXPECT_EQ(sampling, 17u);  // iterations 0, 3, …, 48
  EXPECT_EQ(progress.stages, std::vector<std::string>{"chain"});
  EXPECT_EQ(progress.totals, std::vector<std::uint64_t>{150});
  EXPECT_EQ(progress.advanced, 150u);
  EXPECT_EQ(progress.ends, 1);
  // Warmup draws come first.
  EXPECT_TRUE(out.draws.front().warmup);
  EXPECT_FALSE(out.draws.back().warmup);
}

TEST(Nuts, NoWarmupMeansNoAdaptation) {
  const diagonal_normal model({1.0, 1.0, 1.0});
  nuts_config config = small_config(2, 1);
  config.warmup = 0;
  config.draws = 200;
  config.stepsize = 0.37;
  config.max_depth = 2;
  recorder out(3);
  run_nuts(model, config, out);
  EXPECT_EQ(out.adaptation_calls, 0);
  EXPECT_EQ(out.timing_calls, 1);
  ASSERT_EQ(out.draws.size(), 200u);
  for (const auto& d : out.draws) {
    EXPECT_EQ(d.info.stepsize, 0.37);
    EXPECT_LE(d.info.treedepth, 2);
    EXPECT_LE(d.info.n_leapfrog, 3);
    EXPECT_GE(d.info.n_leapfrog, 1);
  }
}

TEST(Nuts, InterruptStopsTheChain) {
  const diagonal_normal model({1.0});
  std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  recorder out(1);
  EXPECT_THROW(run_nuts(model, small_config(1, 1), out, hooks), interrupted);
  EXPECT_TRUE(out.draws.empty());
}

TEST(Nuts, InitsAreRetriedUntilFiniteElseRuntimeFailure) {
  // Finite only where q[0] > 1.5: one U(−2, 2) draw in eight qualifies.
  const partial_support reachable(1.5);
  nuts_config config = small_config(8, 1);
  config.warmup = 30;
  config.draws = 20;
  recorder out(2);
  EXPECT_NO_THROW(run_nuts(reachable, config, out));
  EXPECT_EQ(out.draws.size(), 20u);

  const partial_support unreachable(5.0);
  recorder none(2);
  EXPECT_THROW(run_nuts(unreachable, config, none), runtime_failure);
  config.init = {1.0, 0.0};  // explicit but outside the support
  EXPECT_THROW(run_nuts(reachable, config, none), runtime_failure);
  config.init = {2.0, 0.0};
  EXPECT_NO_THROW(run_nuts(reachable, config, none));
  config.init.clear();
  config.init_radius = 0.0;  // zero init is outside the support: one try only
  EXPECT_THROW(run_nuts(reachable, config, none), runtime_failure);
}

TEST(Nuts, BadSettingsThrowUsageErrorNamingTheField) {
  const diagonal_normal model({1.0, 1.0});
  const auto expect_field = [&](nuts_config config, const std::string& field) {
    recorder out(2);
    try {
      run_nuts(model, config, out);
      ADD_FAILURE() << "no usage_error for " << field;
    } catch (const usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
    EXPECT_TRUE(out.draws.empty());
  };
  nuts_config c;
  c.thin = 0;
  expect_field(c, "thin");
  c = {};
  c.adapt_delta = 1.0;
  expect_field(c, "adapt_delta");
  c = {};
  c.adapt_delta = 0.0;
  expect_field(c, "adapt_delta");
  c = {};
  c.adapt_delta = std::numeric_limits<double>::quiet_NaN();
  expect_field(c, "adapt_delta");
  c = {};
  c.max_depth = 0;
  expect_field(c, "max_depth");
  c = {};
  c.stepsize = 0.0;
  expect_field(c, "stepsize");
  c = {};
  c.stepsize = -1.0;
  expect_field(c, "stepsize");
  c = {};
  c.init = {1.0, 2.0, 3.0};
  expect_field(c, "init");
  c = {};
  c.init = {1.0, std::numeric_limits<double>::infinity()};
  expect_field(c, "init[1]");
  c = {};
  c.init_radius = -1.0;
  expect_field(c, "init_radius");
  c = {};
  c.adapt_gamma = 0.0;
  expect_field(c, "adapt_gamma");
  c = {};
  c.adapt_kappa = -0.5;
  expect_field(c, "adapt_kappa");
  c = {};
  c.adapt_t0 = 0.0;
  expect_field(c, "adapt_t0");
  c = {};
  c.window = 0;
  expect_field(c, "window");
}

TEST(Nuts, MetricNames) {
  EXPECT_EQ(to_string(metric_kind::diag), "diag");
  EXPECT_EQ(to_string(metric_kind::dense), "dense");
}

}  // namespace
}  // namespace ismc

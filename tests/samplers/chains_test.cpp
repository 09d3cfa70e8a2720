// The multi-chain runner: each chain is the single run of its chain id, whatever the thread
// count; one progress stage for all chains; a failing chain's exception reaches the caller.
#include "ismc/samplers/chains.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

// A correlated bivariate normal: outputs are the coordinates.
class bivariate_normal : public posterior_model {
 public:
  std::string name() const override { return "bivariate_normal"; }
  std::size_t dim() const override { return 2; }
  double log_density(const double* q, double* gradient) const override {
    const double rho = 0.6, c = 1.0 - rho * rho;
    const double a = q[0], b = q[1] / 2.0;
    if (gradient != nullptr) {
      gradient[0] = -(a - rho * b) / c;
      gradient[1] = -(b - rho * a) / (2.0 * c);
    }
    return -0.5 * (a * a - 2.0 * rho * a * b + b * b) / c;
  }
  std::vector<std::string> output_names() const override { return {"x.1", "x.2"}; }
  void write_outputs(const double* q, double* out) const override {
    out[0] = q[0];
    out[1] = q[1];
  }
};

// Everything a chain reports, in order; optionally fails after some draws.
class recorder : public draw_writer {
 public:
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    if (fail_after > 0 && ++draws_seen_ > fail_after) throw runtime_failure("writer failed");
    lp.push_back(info.lp);
    treedepth.push_back(info.treedepth);
    x.push_back(outputs[0]);
    x.push_back(outputs[1]);
    warmups += warmup ? 1 : 0;
  }
  void adaptation(double step, const std::vector<double>& inverse_metric) override {
    stepsize = step;
    metric = inverse_metric;
  }
  void timing(double, double) override { ++timings; }

  std::vector<double> lp, x, metric;
  std::vector<int> treedepth;
  double stepsize = 0.0;
  int warmups = 0, timings = 0;
  int fail_after = 0;  // 0: never

 private:
  int draws_seen_ = 0;
};

void expect_same(const recorder& a, const recorder& b) {
  EXPECT_EQ(a.lp, b.lp);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.treedepth, b.treedepth);
  EXPECT_EQ(a.stepsize, b.stepsize);
  EXPECT_EQ(a.metric, b.metric);
  EXPECT_EQ(a.warmups, b.warmups);
  EXPECT_EQ(a.timings, b.timings);
}

nuts_config small_config(metric_kind metric) {
  nuts_config config;
  config.warmup = 150;
  config.draws = 100;
  config.seed = 17;
  config.metric = metric;
  config.save_warmup = true;
  config.thin = 2;
  return config;
}

// Records the stages and the advances (from several threads at once).
class progress_recorder : public progress_sink {
 public:
  void begin(const std::string& stage, std::uint64_t total) override {
    std::lock_guard<std::mutex> lock(mutex_);
    stages.push_back(stage);
    totals.push_back(total);
  }
  void advance(std::uint64_t done) override { advanced += done; }
  void end() override { ++ends; }

  std::vector<std::string> stages;
  std::vector<std::uint64_t> totals;
  std::atomic<std::uint64_t> advanced{0};
  int ends = 0;

 private:
  std::mutex mutex_;
};

TEST(NutsChains, EachChainIsTheSingleRunOfItsChainId) {
  const bivariate_normal model;
  for (const metric_kind metric : {metric_kind::diag, metric_kind::dense}) {
    SCOPED_TRACE(to_string(metric));
    nuts_config config = small_config(metric);
    config.chain = 99;  // not used: chain c runs as chain id c + 1
    std::vector<recorder> chains(3);
    run_nuts_chains(model, config, chains.size(),
                    [&](std::size_t c) -> draw_writer& { return chains[c]; });
    for (std::size_t c = 0; c < chains.size(); ++c) {
      SCOPED_TRACE(c);
      nuts_config single = config;
      single.chain = static_cast<std::uint32_t>(c + 1);
      recorder expected;
      run_nuts(model, single, expected);
      ASSERT_EQ(chains[c].lp.size(), 125u);  // (150 + 100) / thin
      expect_same(chains[c], expected);
    }
    EXPECT_NE(chains[0].lp, chains[1].lp);
  }
}

TEST(NutsChains, ThreadCountDoesNotChangeTheDraws) {
  const bivariate_normal model;
  const nuts_config config = small_config(metric_kind::diag);
  const auto run_with = [&](unsigned threads) {
    std::vector<recorder> chains(4);
    run_hooks hooks;
    hooks.threads = threads;
    run_nuts_chains(
        model, config, chains.size(), [&](std::size_t c) -> draw_writer& { return chains[c]; },
        hooks);
    return chains;
  };
  const std::vector<recorder> one = run_with(1);
  for (const unsigned threads : {0u, 2u, 4u, 8u}) {
    SCOPED_TRACE(threads);
    const std::vector<recorder> many = run_with(threads);
    for (std::size_t c = 0; c < one.size(); ++c) expect_same(many[c], one[c]);
  }
}

TEST(NutsChains, OneProgressStageForAllChains) {
  const bivariate_normal model;
  const nuts_config config = small_config(metric_kind::diag);
  std::vector<recorder> chains(3);
  progress_recorder progress;
  run_hooks hooks;
  hooks.progress = &progress;
  run_nuts_chains(
      model, config, chains.size(), [&](std::size_t c) -> draw_writer& { return chains[c]; }, hooks,
      "sampling");
  EXPECT_EQ(progress.stages, std::vector<std::string>{"sampling"});
  EXPECT_EQ(progress.totals, std::vector<std::uint64_t>{3 * 250});
  EXPECT_EQ(progress.advanced.load(), 3u * 250u);
  EXPECT_EQ(progress.ends, 1);
}

TEST(NutsChains, AFailingChainsExceptionReachesTheCaller) {
  const bivariate_normal model;
  const nuts_config config = small_config(metric_kind::diag);
  for (const unsigned threads : {1u, 3u}) {
    SCOPED_TRACE(threads);
    std::vector<recorder> chains(3);
    chains[1].fail_after = 20;
    progress_recorder progress;
    run_hooks hooks;
    hooks.progress = &progress;
    hooks.threads = threads;
    try {
      run_nuts_chains(
          model, config, chains.size(), [&](std::size_t c) -> draw_writer& { return chains[c]; },
          hooks);
      ADD_FAILURE() << "no exception";
    } catch (const runtime_failure& e) {
      EXPECT_STREQ(e.what(), "writer failed");
    }
    EXPECT_EQ(progress.ends, 1);  // the stage is ended also on failure
  }
}

TEST(NutsChains, AWriterSourcesExceptionReachesTheCaller) {
  const bivariate_normal model;
  std::vector<recorder> chains(2);
  EXPECT_THROW(run_nuts_chains(model, small_config(metric_kind::diag), chains.size(),
                               [&](std::size_t c) -> draw_writer& {
                                 if (c == 1) throw runtime_failure("cannot write chain 2");
                                 return chains[c];
                               }),
               runtime_failure);
}

TEST(NutsChains, BadSettingsAndInterruptsReachTheCaller) {
  const bivariate_normal model;
  std::vector<recorder> chains(2);
  const chain_writer_source writer_of = [&](std::size_t c) -> draw_writer& {
    return chains[c];
  };
  EXPECT_THROW(run_nuts_chains(model, small_config(metric_kind::diag), 0, writer_of), usage_error);
  nuts_config bad = small_config(metric_kind::diag);
  bad.adapt_delta = 1.5;
  EXPECT_THROW(run_nuts_chains(model, bad, chains.size(), writer_of), usage_error);

  const std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  EXPECT_THROW(
      run_nuts_chains(model, small_config(metric_kind::diag), chains.size(), writer_of, hooks),
      interrupted);
}

}  // namespace
}  // namespace ismc

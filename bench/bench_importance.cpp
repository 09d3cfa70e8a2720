// Mixture importance sampling on the CPU backend, all hardware threads:
//  - BM_SeedStudy: the seed notebook's study end to end (pilot, k-means, weights,
//    importance simulations, estimate) through ismc::estimate_importance.
//  - BM_ImportanceScaling/J: the same pipeline at 10^4 pilot and 10^4 importance simulations,
//    8 clusters, J targets; time should grow linearly in J and memory should not grow with it.
//  - BM_DenseSeedProblem/J/N: the estimator alone (ismc::estimate_mixture) on the seed's dense
//    problem shape, to compare with the seed's numpy four-index computation
//    (bench/peers/seed_numpy.py, bench/peers/compare_numpy.sh).
//
// Counting log-density ratios: the streamed estimator needs, for target j, |S_j| proposals of
// N draws each, and |S_j| ratios in the denominator of each draw: Σ_j |S_j| · N · |S_j| (the
// spec's J·N·(C+1)²). The seed's numpy evaluates N·J·K·M of them (K = M = all proposals).
// Both are nominal counts of the mathematical work: the engine skips draws the test accepts
// (their term is 0), so it evaluates fewer ratios than it is credited with here.
//
// Extra sizes for BM_DenseSeedProblem (for instance the largest that numpy fits) are
// registered at start-up from the environment: ISMC_DENSE_SIZES="J:N[,J:N...]".
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace {

using ismc::bench::evenly_spaced;
using ismc::bench::peak_rss_mb;
using ismc::bench::seed_centres;
using ismc::bench::seed_like_problem;
using ismc::bench::streamed_ratios;

constexpr double critical_value = 1.96;  // the seed's one-sided z-test

/// Wall seconds per stage of a study, from the stages the study reports through its
/// progress hooks ("pilot", "pilot rejections", "pilot labels", "importance"); k-means and
/// the weights, which report nothing, are the rest of the time.
class stage_clock : public ismc::progress_sink {
 public:
  void begin(const std::string& stage, std::uint64_t /*total*/) override {
    stage_ = stage;
    start_ = std::chrono::steady_clock::now();
  }
  void advance(std::uint64_t /*done*/) override {}
  void end() override {
    seconds_[stage_] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  /// Seconds summed over every run so far, by stage name.
  const std::map<std::string, double>& seconds() const { return seconds_; }

 private:
  std::string stage_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, double> seconds_;
};

/// The whole pipeline at 1-D one-sided targets; reports targets/s and log-density ratios/s.
void run_importance_study(benchmark::State& state, const std::vector<double>& targets,
                          const ismc::importance_spec& spec) {
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  auto cpu = ismc::make_cpu_backend();
  ismc::run_spec run;
  run.method = ismc::rate_method::importance;
  double ratios = 0.0;
  stage_clock clock;
  ismc::run_hooks hooks;
  hooks.progress = &clock;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto result = ismc::estimate_importance(model, targets, run, spec, *cpu, hooks);
    if (!result.importance || result.importance->weights.entries() == 0) {
      state.SkipWithError("importance sampling fell back to plain Monte Carlo");
      return;
    }
    ratios += streamed_ratios(result.importance->weights, spec.sims_per_proposal);
    benchmark::DoNotOptimize(result);
  }
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double iterations = static_cast<double>(state.iterations());
  // Stages apart, seconds per study: the pilot (first pass, and the second when the pool
  // came out small), the labelling pass, the four-index stage, and the rest (k-means,
  // weights, rows).
  double staged = 0.0;
  for (const auto& [stage, seconds] : clock.seconds()) {
    staged += seconds;
    std::string name = stage;
    for (char& c : name) c = c == ' ' ? '_' : c;
    state.counters["s_" + name] = seconds / iterations;
  }
  state.counters["s_other"] = (total_seconds - staged) / iterations;
  const double targets_done = iterations * static_cast<double>(targets.size());
  state.counters["targets_per_second"] =
      benchmark::Counter(targets_done, benchmark::Counter::kIsRate);
  state.counters["seconds_per_target"] =
      benchmark::Counter(targets_done, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["log_density_ratios_per_second"] =
      benchmark::Counter(ratios, benchmark::Counter::kIsRate);
  state.counters["peak_rss_mb"] = peak_rss_mb();
  state.SetItemsProcessed(static_cast<std::int64_t>(targets_done));
}

// The seed: θ = linspace(−2, 2, 11), pilot 1000, 5 clusters, w_jj = 0.01, 1000 draws per
// proposal. Target: under 50 ms.
void BM_SeedStudy(benchmark::State& state) {
  ismc::importance_spec spec;
  spec.pilot_sims = 1000;
  spec.clusters = 5;
  spec.self_weight = 0.01;
  spec.sims_per_proposal = 1000;
  run_importance_study(state, evenly_spaced(-2.0, 2.0, 11), spec);
}
BENCHMARK(BM_SeedStudy)->Unit(benchmark::kMillisecond)->UseRealTime();

// J targets evenly over [−3, 2], 10^4 pilot and 10^4 draws per proposal, 8 clusters.
// Targets: J = 10^4 under 20 s and 1 GB peak memory; time linear in J.
void BM_ImportanceScaling(benchmark::State& state) {
  ismc::importance_spec spec;
  spec.pilot_sims = 10000;
  spec.clusters = 8;
  spec.self_weight = 0.01;
  spec.sims_per_proposal = 10000;
  run_importance_study(state, evenly_spaced(-3.0, 2.0, static_cast<std::size_t>(state.range(0))),
                       spec);
}
BENCHMARK(BM_ImportanceScaling)
    ->ArgName("J")
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK(BM_ImportanceScaling)
    ->ArgName("J")
    ->Arg(10000)
    ->Arg(100000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// The estimator alone (its timed call also simulates the N draws of every proposal, which
// the numpy peer does outside its timing). Arguments: J targets, N draws per proposal.
void BM_DenseSeedProblem(benchmark::State& state) {
  const std::size_t n_targets = static_cast<std::size_t>(state.range(0));
  const std::uint64_t sims = static_cast<std::uint64_t>(state.range(1));
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  auto cpu = ismc::make_cpu_backend();
  const seed_like_problem dense(n_targets, seed_centres);
  const ismc::mixture_problem problem = dense.problem(sims);
  for (auto _ : state) {
    auto estimate = ismc::estimate_mixture(model, problem, *cpu);
    benchmark::DoNotOptimize(estimate);
  }
  const double dense_ratios = dense.dense_ratios(sims);
  const double sparse_ratios = streamed_ratios(dense.weights, sims);
  const double iterations = static_cast<double>(state.iterations());
  state.counters["log_density_ratios_per_second"] =
      benchmark::Counter(sparse_ratios * iterations, benchmark::Counter::kIsRate);
  state.counters["dense_ratios_per_second"] =
      benchmark::Counter(dense_ratios * iterations, benchmark::Counter::kIsRate);
  state.counters["dense_ratios"] = dense_ratios;
  state.counters["sparse_ratios"] = sparse_ratios;
  state.counters["J"] = static_cast<double>(n_targets);
  state.counters["K"] = static_cast<double>(dense.n_proposals);
  state.counters["N"] = static_cast<double>(sims);
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

void register_dense_sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"J", "N"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

// The seed's scale, and 41 targets × 20,000 draws, where the seed's numpy ran out of 24 GB.
BENCHMARK(BM_DenseSeedProblem)->Args({11, 1000})->Args({41, 20000})->Apply(register_dense_sizes);

// ISMC_DENSE_SIZES="J:N,J:N": further sizes, for comparisons at any size.
const bool dense_sizes_from_environment = [] {
  for (const auto& [n_targets, sims] : ismc::bench::sizes_from_environment("ISMC_DENSE_SIZES")) {
    benchmark::RegisterBenchmark("BM_DenseSeedProblem", BM_DenseSeedProblem)
        ->Args({n_targets, sims})
        ->Apply(register_dense_sizes);
  }
  return true;
}();

}  // namespace

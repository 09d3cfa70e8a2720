// Method calibrate against plain Monte Carlo on the CPU, all hardware threads: simulated
// statistics per second (the top-m selection fused into the simulation) against plain
// Monte Carlo's simulations per second on the same 64 tiles of the 1-D z-test over [−1, 0];
// and method validate's tile bounds from plain Monte Carlo and from importance sampling at
// about equal cost (counters: the largest tile bound over the null of each).
#include <benchmark/benchmark.h>

#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace {

ismc::rates_study ztest_tiles(ismc::rate_method method, std::uint64_t sims) {
  ismc::rates_study study;
  study.grid.lower = {-1.0 + 1.0 / 128.0};
  study.grid.upper = {-1.0 / 128.0};
  study.grid.points = {64};
  study.null = {{{1.0}}, {0.0}};
  study.run.method = method;
  study.plain.sims = sims;
  study.calibration.sims = sims;
  study.calibration.alpha = 0.025;
  return study;
}

void BM_CalibrateZTest(benchmark::State& state) {
  const auto sims = static_cast<std::uint64_t>(state.range(0));
  const ismc::rates_study study = ztest_tiles(ismc::rate_method::calibrate, sims);
  ismc::validate(study);
  auto cpu = ismc::make_cpu_backend();
  for (auto _ : state) {
    auto result = ismc::calibrate_critical(study, *cpu);
    benchmark::DoNotOptimize(result);
  }
  const double statistics =
      static_cast<double>(state.iterations()) * 64.0 * static_cast<double>(sims);
  state.counters["statistics_per_second"] =
      benchmark::Counter(statistics, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(statistics));
}
BENCHMARK(BM_CalibrateZTest)->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PlainZTestSameTiles(benchmark::State& state) {
  const auto sims = static_cast<std::uint64_t>(state.range(0));
  const ismc::rates_study study = ztest_tiles(ismc::rate_method::plain, sims);
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, 1.96);
  const std::vector<double> targets = ismc::grid_targets(study.grid, 1);
  auto cpu = ismc::make_cpu_backend();
  for (auto _ : state) {
    auto result = ismc::estimate_plain(model, targets, study.run, study.plain, *cpu);
    benchmark::DoNotOptimize(result);
  }
  const double simulated =
      static_cast<double>(state.iterations()) * 64.0 * static_cast<double>(sims);
  state.counters["sims_per_second"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(simulated));
}
BENCHMARK(BM_PlainZTestSameTiles)
    ->Arg(4096)
    ->Arg(65536)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Validate at about equal cost per target: plain with 7000 sims against importance with a
// 1000-sim pilot and 3 proposals of 2000 (self_weight 0.01, the seed's).
void BM_ValidateBoundsPlainVsImportance(benchmark::State& state) {
  ismc::rates_study plain = ztest_tiles(ismc::rate_method::validate, 7000);
  ismc::rates_study importance = plain;
  importance.validation.importance = true;
  importance.importance.clusters = 2;
  importance.importance.sims_per_proposal = 2000;
  ismc::validate(plain);
  ismc::validate(importance);
  auto cpu = ismc::make_cpu_backend();
  double plain_bound = 0.0, importance_bound = 0.0;
  for (auto _ : state) {
    plain_bound = ismc::run_rates(ismc::validated, plain, *cpu).tiles->largest_bound;
    importance_bound = ismc::run_rates(ismc::validated, importance, *cpu).tiles->largest_bound;
  }
  state.counters["plain_largest_tile_bound"] = plain_bound;
  state.counters["importance_largest_tile_bound"] = importance_bound;
}
BENCHMARK(BM_ValidateBoundsPlainVsImportance)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

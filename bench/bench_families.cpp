// Simulations per second of plain Monte Carlo on the CPU backend for the families beyond the
// z-test (rates/t_test.hpp, rates/binomial.hpp), all hardware threads, 11 targets.
//
// The arithmetic floor per simulation (what any exact method spends):
//   t-test        2 Philox4x32-10 blocks (the normal; the gamma's first attempt, about 1.05
//                 attempts on average) + Box–Muller (log, sqrt, cos) + Marsaglia–Tsang
//                 (a normal's log/sqrt/cos, one or two logs) + the statistic's sqrt;
//   binomial      per arm 1 Philox block and about n·p + 1 multiply-compares by inversion
//                 (n·min(p, 1 − p) < 10), or about 1.4 blocks and a few logs by BTRD above;
//                 the count decision is one compare.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/t_test.hpp"

#include "bench_support.hpp"

namespace {

using ismc::bench::run_plain_benchmark;

// The t-test with n observations (the argument's second value), μ from 0 to 1, σ = 1.
void BM_PlainTTest(benchmark::State& state) {
  ismc::normal_t_test family;
  family.observations = static_cast<std::uint32_t>(state.range(1));
  family.critical = 2.5;
  const ismc::family_model<ismc::normal_t_test> model(family);
  std::vector<double> targets;
  for (int j = 0; j <= 10; ++j) {
    targets.push_back(0.1 * j);
    targets.push_back(1.0);
  }
  run_plain_benchmark(state, model, targets);
}
BENCHMARK(BM_PlainTTest)
    ->Args({10000, 10})
    ->Args({1000000, 10})
    ->Args({1000000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Two arms of n patients each (the argument's second value), p_0 from 0.1 to 0.5, p_1 = 0.3:
// n = 50 draws by inversion at small p, n = 1000 by BTRD.
void BM_PlainBinomialCount(benchmark::State& state) {
  ismc::binomial_count_test family;
  family.arms = 2;
  family.trials[0] = family.trials[1] = static_cast<std::uint32_t>(state.range(1));
  family.critical = 0.3 * static_cast<double>(state.range(1));
  const ismc::family_model<ismc::binomial_count_test> model(family);
  std::vector<double> targets;
  for (int j = 0; j <= 10; ++j) {
    const double p = 0.1 + 0.04 * j;
    targets.push_back(std::log(p / (1.0 - p)));
    targets.push_back(std::log(0.3 / 0.7));
  }
  run_plain_benchmark(state, model, targets);
}
BENCHMARK(BM_PlainBinomialCount)
    ->Args({10000, 50})
    ->Args({1000000, 50})
    ->Args({1000000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Two-arm pairwise tests (kind = "difference" at 1.96, "posterior" at 0.975), n patients per
// arm (the argument's second value), p_0 = 0.3 and p_1 from 0.2 to 0.6: the decision reads
// the per-arm threshold table t_1(y_0) built once with the model, so the statistic's cost
// (a square root, or the beta-binomial sum) is not paid per simulation.
void run_pairwise_benchmark(benchmark::State& state, ismc::binomial_statistic kind,
                            double critical) {
  const auto n = static_cast<std::uint32_t>(state.range(1));
  const ismc::binomial_pairwise_model model(kind, {n, n}, critical);
  std::vector<double> targets;
  for (int j = 0; j <= 10; ++j) {
    const double p = 0.2 + 0.04 * j;
    targets.push_back(std::log(0.3 / 0.7));
    targets.push_back(std::log(p / (1.0 - p)));
  }
  run_plain_benchmark(state, model, targets);
}

void BM_PlainBinomialDifference(benchmark::State& state) {
  run_pairwise_benchmark(state, ismc::binomial_statistic::difference, 1.96);
}
BENCHMARK(BM_PlainBinomialDifference)
    ->Args({10000, 50})
    ->Args({1000000, 50})
    ->Args({1000000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_PlainBinomialPosterior(benchmark::State& state) {
  run_pairwise_benchmark(state, ismc::binomial_statistic::posterior, 0.975);
}
BENCHMARK(BM_PlainBinomialPosterior)
    ->Args({10000, 50})
    ->Args({1000000, 50})
    ->Args({1000000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

// Simulations per second of plain Monte Carlo on the CPU backend: the seed's 1-D z-test
// (11 targets, c = 1.96), all hardware threads; and a 3-D norm test.
#include <benchmark/benchmark.h>

#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"

#include "bench_support.hpp"

namespace {

using ismc::bench::run_plain_benchmark;

void BM_PlainOneSided1D(benchmark::State& state) {
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, 1.96);
  std::vector<double> targets;
  for (int j = 0; j <= 10; ++j) targets.push_back(-2.0 + 0.4 * j);
  run_plain_benchmark(state, model, targets);
}
BENCHMARK(BM_PlainOneSided1D)
    ->Arg(10000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_PlainNorm3D(benchmark::State& state) {
  const ismc::gaussian_test_model model(3, ismc::test_kind::norm, 7.8);
  std::vector<double> targets;
  for (int j = 0; j <= 10; ++j) {
    for (int n = 0; n < 3; ++n) targets.push_back(0.2 * j);
  }
  run_plain_benchmark(state, model, targets);
}
BENCHMARK(BM_PlainNorm3D)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

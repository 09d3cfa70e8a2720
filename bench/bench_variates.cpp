// Exact variates per second (include/ismc/core/variates.hpp), one CPU thread: binomial
// draws in the inversion and BTRD regimes, p near 1 (mirrored), and standard gamma draws
// at the t-test's shapes.
//
// The arithmetic floor: every variate reads at least one Philox4x32-10 block (10 rounds of
// two 32×32→64 multiplies and a few xors, BM_PhiloxBlocks in bench_rng), so a variate costs
// at least one block. Above it: inversion, about n·p + 1 multiply-adds and one exp and
// log1p per draw; BTRD, about 1.4 blocks at n·p = 10 falling to 1.05 at large n·p, plus
// per attempt a floor and a division, and in the rare Stirling step a few logs; gamma
// (Marsaglia–Tsang), about 1.05 blocks, one log, sqrt and cos (the normal) and, when the
// squeeze fails (about 1 in 50), two logs; shape < 1 adds a block and exp(log U / shape).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "ismc/core/variates.hpp"

namespace {

void BM_BinomialVariate(benchmark::State& state) {
  const ismc::random_stream stream{42, 0, 0x7E};
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const double p = static_cast<double>(state.range(1)) / 1e6;
  std::uint64_t sim = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ismc::binomial_variate(stream, sim++, 0, n, p));
  }
  state.counters["variates_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// (n, p · 10^6): inversion at n·p = 3 and 9; BTRD at n·p = 10, 500, 3.7·10^5; p near 1.
BENCHMARK(BM_BinomialVariate)
    ->ArgNames({"n", "p_ppm"})
    ->Args({1000, 3000})
    ->Args({100, 90000})
    ->Args({40, 250000})
    ->Args({1000, 500000})
    ->Args({1000000, 370000})
    ->Args({100000, 999000});

void BM_StandardGammaVariate(benchmark::State& state) {
  const ismc::random_stream stream{42, 0, 0x7E};
  const double shape = static_cast<double>(state.range(0)) / 10.0;
  std::uint64_t sim = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ismc::standard_gamma_variate(stream, sim++, 0, shape));
  }
  state.counters["variates_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// shape · 10: 0.5 (χ²_1, the t-test at n = 2), 1, 2.5, 50.
BENCHMARK(BM_StandardGammaVariate)->ArgName("shape_x10")->Arg(5)->Arg(10)->Arg(25)->Arg(500);

void BM_PhiloxBlockFloor(benchmark::State& state) {
  const ismc::random_stream stream{42, 0, 0x7E};
  std::uint64_t sim = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ismc::random_bits(stream, sim++, 0));
  }
  state.counters["blocks_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PhiloxBlockFloor);

}  // namespace

// Normals per second from the shared Philox4x32-10 + Box–Muller path, one CPU thread.
#include <benchmark/benchmark.h>

#include "ismc/core/rng.hpp"

namespace {

void BM_StandardNormals(benchmark::State& state) {
  const ismc::random_stream stream{42, 0};
  const int per_sim = static_cast<int>(state.range(0));
  double z[8];
  std::uint64_t sim = 0;
  for (auto _ : state) {
    ismc::standard_normals(stream, sim++, z, per_sim);
    benchmark::DoNotOptimize(z);
  }
  state.counters["normals_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * per_sim, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * per_sim);
}
BENCHMARK(BM_StandardNormals)->Arg(1)->Arg(2)->Arg(8);

void BM_PhiloxBlocks(benchmark::State& state) {
  const ismc::random_stream stream{42, 0};
  std::uint64_t sim = 0;
  for (auto _ : state) {
    ismc::philox_block bits = ismc::random_bits(stream, sim++, 0);
    benchmark::DoNotOptimize(bits);
  }
  state.counters["bytes_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 16.0, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PhiloxBlocks);

}  // namespace

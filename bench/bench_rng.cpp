// Normals per second from the shared Philox4x32-10 + Box–Muller path, one CPU thread: the
// scalar path (polynomial log/cos/sin, core/normal_math.hpp), the vectorized batch
// (core/normals.hpp) and, for comparison, the former scalar Box–Muller on glibc's log,
// cos and sin.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "ismc/core/normals.hpp"
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

// The Box–Muller of ismc before the polynomials (glibc log, cos, sin; scalar), kept as the
// reference the new paths are measured against.
void glibc_standard_normals(ismc::random_stream s, std::uint64_t sim, double* z, int count) {
  for (int n = 0; n < count; n += 2) {
    const ismc::philox_block bits = ismc::random_bits(s, sim, static_cast<std::uint32_t>(n / 2));
    const double u = ismc::uniform_open_closed(bits.v[0], bits.v[1]);
    const double v = ismc::uniform_closed_open(bits.v[2], bits.v[3]);
    const double radius = std::sqrt(-2.0 * std::log(u));
    const double angle = ismc::detail::two_pi * v;
    z[n] = radius * std::cos(angle);
    if (n + 1 < count) z[n + 1] = radius * std::sin(angle);
  }
}

void BM_StandardNormalsGlibc(benchmark::State& state) {
  const ismc::random_stream stream{42, 0};
  const int per_sim = static_cast<int>(state.range(0));
  double z[8];
  std::uint64_t sim = 0;
  for (auto _ : state) {
    glibc_standard_normals(stream, sim++, z, per_sim);
    benchmark::DoNotOptimize(z);
  }
  state.counters["normals_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * per_sim, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * per_sim);
}
BENCHMARK(BM_StandardNormalsGlibc)->Arg(1)->Arg(2)->Arg(8);

// 1024 simulations per call through the vectorized batch.
void BM_StandardNormalsBatch(benchmark::State& state) {
  const ismc::random_stream stream{42, 0};
  const int per_sim = static_cast<int>(state.range(0));
  constexpr std::size_t sims = 1024;
  std::vector<double> z(sims * static_cast<std::size_t>(per_sim));
  std::uint64_t sim = 0;
  for (auto _ : state) {
    ismc::standard_normals_batch(stream, sim, sims, per_sim, z.data());
    sim += sims;
    benchmark::DoNotOptimize(z.data());
  }
  const double normals = static_cast<double>(state.iterations()) * sims * per_sim;
  state.counters["normals_per_second"] = benchmark::Counter(normals, benchmark::Counter::kIsRate);
  state.counters["sims_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * sims, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(normals));
}
BENCHMARK(BM_StandardNormalsBatch)->Arg(1)->Arg(2)->Arg(8);

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

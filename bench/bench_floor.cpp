// The arithmetic floors of this CPU that docs/performance.md measures our figures against,
// one thread per benchmark thread (->Threads(2) for both cores of a laptop):
//  - BM_FloorFma: the double-precision FMA peak, 16 independent chains of 8-wide (AVX-512),
//    4-wide (AVX2 + FMA) or 2-wide (SSE2: multiply and add) vectors, whichever the CPU has.
//  - BM_FloorExpLibm / BM_FloorExpPolynomial: exponentials per second, glibc's scalar exp
//    against rates/exp_polynomial.hpp vectorized (AVX-512 / AVX2 / SSE2 variant at run time).
//  - BM_FloorFourIndexPairs: the four-index stage's per-pair kernel alone
//    (rates/mixture_batch.hpp: 8 weights, one exponential, one division per pair) on cached
//    data, pairs per second: the stage's arithmetic floor.
// The simulation floor (Philox + Box–Muller per normal) is bench_rng's BM_StandardNormals.
#include <benchmark/benchmark.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cmath>
#include <cstddef>
#include <vector>

#include "rates/exp_polynomial.hpp"
#include "ismc/core/normals.hpp"
#include "rates/mixture_batch.hpp"

namespace {

constexpr int chains = 16;
constexpr int fma_steps = 1 << 14;

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) double fma_avx512() {
  __m512d acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = _mm512_set1_pd(1.0 + 1e-3 * c);
  const __m512d a = _mm512_set1_pd(0.999999), b = _mm512_set1_pd(1e-7);
  for (int s = 0; s < fma_steps; ++s) {
    for (int c = 0; c < chains; ++c) acc[c] = _mm512_fmadd_pd(acc[c], a, b);
  }
  __m512d total = acc[0];
  for (int c = 1; c < chains; ++c) total = _mm512_add_pd(total, acc[c]);
  return _mm512_reduce_add_pd(total);
}

__attribute__((target("avx2,fma"))) double fma_avx2() {
  __m256d acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = _mm256_set1_pd(1.0 + 1e-3 * c);
  const __m256d a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-7);
  for (int s = 0; s < fma_steps; ++s) {
    for (int c = 0; c < chains; ++c) acc[c] = _mm256_fmadd_pd(acc[c], a, b);
  }
  double lanes[4];
  __m256d total = acc[0];
  for (int c = 1; c < chains; ++c) total = _mm256_add_pd(total, acc[c]);
  _mm256_storeu_pd(lanes, total);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

double fma_sse2() {
  double acc[chains * 2];
  for (int c = 0; c < chains * 2; ++c) acc[c] = 1.0 + 1e-3 * c;
  for (int s = 0; s < fma_steps; ++s) {
    for (int c = 0; c < chains * 2; ++c) acc[c] = acc[c] * 0.999999 + 1e-7;
  }
  double total = 0.0;
  for (int c = 0; c < chains * 2; ++c) total += acc[c];
  return total;
}

void BM_FloorFma(benchmark::State& state) {
  int width = 2;
  double (*kernel)() = fma_sse2;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f")) {
    width = 8;
    kernel = fma_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    width = 4;
    kernel = fma_avx2;
  }
#endif
  for (auto _ : state) benchmark::DoNotOptimize(kernel());
  // An FMA is 2 flops; the SSE2 loop's multiply and add count as the same 2.
  const double flops = 2.0 * width * chains * fma_steps * static_cast<double>(state.iterations());
  state.counters["flops_per_second"] = benchmark::Counter(flops, benchmark::Counter::kIsRate);
  state.counters["vector_width"] = width;
}
BENCHMARK(BM_FloorFma)->Threads(1)->Threads(2)->UseRealTime();

std::vector<double> exponents(std::size_t count) {
  std::vector<double> x(count);
  for (std::size_t i = 0; i < count; ++i) x[i] = -30.0 + 60.0 * static_cast<double>(i) / count;
  return x;
}

constexpr std::size_t batch = 4096;

void BM_FloorExpLibm(benchmark::State& state) {
  const std::vector<double> x = exponents(batch);
  std::vector<double> y(batch);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) y[i] = std::exp(x[i]);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["exp_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FloorExpLibm)->Threads(1)->Threads(2)->UseRealTime();

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void exp_batch(const double* x, double* y, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) y[i] = ismc::detail::exp_polynomial(x[i]);
}

void BM_FloorExpPolynomial(benchmark::State& state) {
  const std::vector<double> x = exponents(batch);
  std::vector<double> y(batch);
  for (auto _ : state) {
    exp_batch(x.data(), y.data(), batch);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["exp_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FloorExpPolynomial)->Threads(1)->Threads(2)->UseRealTime();

// 10^4 cached samples of a proposal against one target, 8 weighted shared proposals: the
// shape of BM_ImportanceScaling's four-index stage.
void BM_FloorFourIndexPairs(benchmark::State& state) {
  constexpr std::size_t count = 10000, used = 8;
  std::vector<double> shift(count), log_ratio(count), scratch(count), term(count);
  std::vector<std::vector<double>> rows(used, std::vector<double>(count));
  std::vector<const double*> row_pointers(used);
  std::vector<double> weight(used, 0.99 / used);
  for (std::size_t r = 0; r < count; ++r) {
    shift[r] = 0.5 * static_cast<double>(r % 5);
    log_ratio[r] = -3.0 + 6.0 * static_cast<double>(r) / count;
    for (std::size_t u = 0; u < used; ++u)
      rows[u][r] = 1.0 / (1.0 + static_cast<double>((r + u) % 9));
  }
  for (std::size_t u = 0; u < used; ++u) row_pointers[u] = rows[u].data();
  for (auto _ : state) {
    ismc::detail::direct_mixture_terms(count, shift.data(), log_ratio.data(), row_pointers.data(),
                                       weight.data(), used, 0.01, 600.0, 1e-290, scratch.data(),
                                       term.data());
    double sum = 0.0, squares = 0.0;
    ismc::detail::sum_and_squares(term.data(), count, &sum, &squares);
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(squares);
  }
  state.counters["pairs_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * count), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FloorFourIndexPairs)->Threads(1)->Threads(2)->UseRealTime();

// The floor of a plain Monte Carlo simulation of one normal: one Philox4x32-10 block (the
// integer multiplies), one polynomial log, one cos/sin and one sqrt, vectorized
// (core/normals.hpp), 4096 simulations per call, one normal each (the pair's second is
// computed and dropped, as a one-dimensional test does).
void BM_FloorNormalSims(benchmark::State& state) {
  std::vector<double> z(batch);
  std::uint64_t sim = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    ismc::standard_normals_batch(ismc::random_stream{42, 0}, sim, batch, 1, z.data());
    sim += batch;
    benchmark::DoNotOptimize(z.data());
    benchmark::ClobberMemory();
  }
  state.counters["sims_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FloorNormalSims)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

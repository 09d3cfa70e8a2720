// The importance-sampled hyper-likelihood ln L̂(θ) of population inference, one batched call
// of make_hyper_likelihood per iteration (what the ensemble sampler asks for per half):
//  - BM_HyperLikelihoodCpu/objects/samples/thetas/threads: the CPU backend (threads = 0: all
//    hardware threads). 1000 × 4000 × 64 is the figure compared with vectorized numpy
//    (bench/peers/population_numpy.py, bench/peers/compare_population_numpy.sh).
//  - BM_HyperLikelihoodCpuMixed/…: the same in the opt-in mixed precision
//    (hyper_likelihood_precision::mixed: exponentials to 1.2e-9, sums in double).
//  - BM_HyperLikelihoodCpuInterimPrior/…: the same samples with ln p0 of a broad normal
//    interim prior N(0, 3²) attached (the loop that adds each sample's share of ln p0; the
//    timing does not depend on how the samples were drawn).
//  - BM_HyperLikelihoodCuda/objects/samples/thetas: the device class, timed with CUDA events
//    around the call (UseManualTime); registered only when a CUDA device is present at run
//    time.
//  - BM_HyperLikelihoodCudaCallOverhead: one θ on one object with one sample, wall-clock
//    time: the fixed cost of a call (copies in and out, two launches, synchronization).
//  - BM_HyperLikelihoodCrossover/backend/objects/samples/thetas: wall-clock time of one call
//    on the CPU (backend 0, all threads) and on the device (backend 1, only where one is
//    present) at the same sizes, 10³ to 10⁸ terms: where the two lines cross is where
//    make_hyper_likelihood's `automatic` kind should switch (device_min_terms).
//
// A term is one (object, sample, θ) triple: terms_per_second counts objects × samples × θ
// per second. The data are the seed's setting (simulate_population: θ_μ = 0, θ_σ = 1,
// α = 1, flat interim prior); the θ are a grid over θ_μ ∈ [−0.2, 0.2], θ_σ ∈ [0.8, 1.2],
// as numpy's peer uses. Setup (simulation, the copy of the samples to the device) is
// outside the timed loop.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "population/hyper_likelihood_backend.hpp"

#if defined(ISMC_HAVE_CUDA)
#include "cuda_event_timer.hpp"
#endif

namespace {

constexpr double no_variance_cut = std::numeric_limits<double>::infinity();

/// The seed's simulated samples, `objects` × `samples`.
ismc::population_samples seed_samples(std::size_t objects, std::size_t samples) {
  ismc::population_setting setting;
  setting.objects = objects;
  setting.samples_per_object = samples;
  return ismc::simulate_population(setting, 2010).samples;
}

/// `count` θ on a near-square grid, rows over θ_μ ∈ [−0.2, 0.2], columns over
/// θ_σ ∈ [0.8, 1.2]; (0, 1) alone when count = 1. Row-major (θ_μ, θ_σ) pairs.
std::vector<double> theta_grid(std::size_t count) {
  auto rows = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(count))));
  while (count % rows != 0) --rows;
  const std::size_t cols = count / rows;
  auto spaced = [](double lower, double upper, std::size_t n, std::size_t k) {
    return n > 1 ? lower + (upper - lower) * static_cast<double>(k) / static_cast<double>(n - 1)
                 : 0.5 * (lower + upper);
  };
  std::vector<double> thetas;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      thetas.push_back(spaced(-0.2, 0.2, rows, r));
      thetas.push_back(spaced(0.8, 1.2, cols, c));
    }
  }
  return thetas;
}

void report(benchmark::State& state, std::size_t objects, std::size_t samples, std::size_t thetas) {
  const double terms = static_cast<double>(objects) * static_cast<double>(samples) *
                       static_cast<double>(thetas) * static_cast<double>(state.iterations());
  state.counters["terms_per_second"] = benchmark::Counter(terms, benchmark::Counter::kIsRate);
  state.counters["objects"] = static_cast<double>(objects);
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["thetas"] = static_cast<double>(thetas);
  state.SetItemsProcessed(static_cast<std::int64_t>(terms));
}

/// `samples` with ln p0 of the interim prior N(0, 3²).
ismc::population_samples with_interim_prior(ismc::population_samples samples) {
  constexpr double width = 3.0, half_log_two_pi = 0.91893853320467274178;
  samples.log_p0.resize(samples.values.size());
  for (std::size_t k = 0; k < samples.values.size(); ++k) {
    const double z = samples.values[k] / width;
    samples.log_p0[k] = -0.5 * z * z - std::log(width) - half_log_two_pi;
  }
  return samples;
}

void hyper_likelihood_cpu(benchmark::State& state, ismc::hyper_likelihood_precision precision,
                          bool interim_prior = false) {
  const auto objects = static_cast<std::size_t>(state.range(0));
  const auto samples = static_cast<std::size_t>(state.range(1));
  const auto batch = static_cast<std::size_t>(state.range(2));
  ismc::run_hooks hooks;
  hooks.threads = static_cast<unsigned>(state.range(3));
  ismc::population_samples drawn = seed_samples(objects, samples);
  if (interim_prior) drawn = with_interim_prior(std::move(drawn));
  const auto density = ismc::make_hyper_likelihood(std::move(drawn), no_variance_cut,
                                                   ismc::backend_kind::cpu, precision);
  const std::vector<double> thetas = theta_grid(batch);
  std::vector<double> out(batch);
  for (auto _ : state) {
    density->log_density(thetas.data(), batch, out.data(), hooks);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, objects, samples, batch);
  state.counters["threads"] = static_cast<double>(hooks.threads);
  state.counters["threads_used"] =
      static_cast<double>(hooks.threads > 0 ? hooks.threads : ismc::cpu_threads());
}
void BM_HyperLikelihoodCpu(benchmark::State& state) {
  hyper_likelihood_cpu(state, ismc::hyper_likelihood_precision::double_precision);
}
void BM_HyperLikelihoodCpuMixed(benchmark::State& state) {
  hyper_likelihood_cpu(state, ismc::hyper_likelihood_precision::mixed);
}
void BM_HyperLikelihoodCpuInterimPrior(benchmark::State& state) {
  hyper_likelihood_cpu(state, ismc::hyper_likelihood_precision::double_precision, true);
}
BENCHMARK(BM_HyperLikelihoodCpu)
    ->ArgNames({"objects", "samples", "thetas", "threads"})
    ->Args({100, 400, 8, 0})
    ->Args({100, 400, 8, 1})
    ->Args({1000, 4000, 64, 0})
    ->Args({1000, 4000, 64, 1})
    ->Args({1000, 100, 64, 0})
    ->Args({1000, 100, 64, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The smoke size and the size on two threads and on one.
void register_hyper_likelihood_sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"objects", "samples", "thetas", "threads"})
      ->Args({100, 400, 8, 0})
      ->Args({1000, 4000, 64, 0})
      ->Args({1000, 4000, 64, 1})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}
BENCHMARK(BM_HyperLikelihoodCpuMixed)->Apply(register_hyper_likelihood_sizes);
BENCHMARK(BM_HyperLikelihoodCpuInterimPrior)->Apply(register_hyper_likelihood_sizes);

/// The crossover sweep's sizes (objects, samples, θ per call): 10³ … 10⁸ terms.
constexpr std::int64_t crossover_sizes[][3] = {{10, 100, 1},     {100, 100, 1},
                                               {100, 100, 10},   {100, 1000, 10},
                                               {1000, 1000, 10}, {1000, 1000, 100}};

/// Wall-clock time of one call on `kind` (everything a caller waits for: copies, launches,
/// threads, synchronization).
void hyper_likelihood_wall_time(benchmark::State& state, ismc::backend_kind kind) {
  const auto objects = static_cast<std::size_t>(state.range(1));
  const auto samples = static_cast<std::size_t>(state.range(2));
  const auto batch = static_cast<std::size_t>(state.range(3));
  const auto density =
      ismc::detail::make_hyper_likelihood(seed_samples(objects, samples), no_variance_cut, kind,
                                          /*device_min_terms=*/0.0);
  const std::vector<double> thetas = theta_grid(batch);
  std::vector<double> out(batch);
  density->log_density(thetas.data(), batch, out.data());  // warm-up
  for (auto _ : state) {
    density->log_density(thetas.data(), batch, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, objects, samples, batch);
}

void BM_HyperLikelihoodCrossover(benchmark::State& state) {
  hyper_likelihood_wall_time(
      state, state.range(0) == 0 ? ismc::backend_kind::cpu : ismc::backend_kind::cuda);
}

void register_crossover(int backend) {
  auto* bench =
      benchmark::RegisterBenchmark("BM_HyperLikelihoodCrossover", BM_HyperLikelihoodCrossover);
  bench->ArgNames({"backend", "objects", "samples", "thetas"})
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  for (const auto& size : crossover_sizes) bench->Args({backend, size[0], size[1], size[2]});
}

const bool cpu_crossover_registered = [] {
  register_crossover(0);
  return true;
}();

#if defined(ISMC_HAVE_CUDA)

/// The device time of one call, between two events on the legacy default stream (the
/// device class's stream is a blocking one, so the events bracket its work).
void BM_HyperLikelihoodCuda(benchmark::State& state) {
  const auto objects = static_cast<std::size_t>(state.range(0));
  const auto samples = static_cast<std::size_t>(state.range(1));
  const auto batch = static_cast<std::size_t>(state.range(2));
  const auto density = ismc::make_hyper_likelihood(seed_samples(objects, samples), no_variance_cut,
                                                   ismc::backend_kind::cuda);
  const std::vector<double> thetas = theta_grid(batch);
  std::vector<double> out(batch);
  density->log_density(thetas.data(), batch, out.data());  // warm-up: first launch, scratch
  ismc::bench::event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  for (auto _ : state) {
    timer.start();
    density->log_density(thetas.data(), batch, out.data());
    state.SetIterationTime(timer.stop());
  }
  report(state, objects, samples, batch);
}

/// The fixed cost of a call: one θ, one object, one sample, wall-clock.
void BM_HyperLikelihoodCudaCallOverhead(benchmark::State& state) {
  ismc::population_samples tiny;
  tiny.values = {0.3};
  tiny.offsets = {0, 1};
  const auto density =
      ismc::make_hyper_likelihood(std::move(tiny), no_variance_cut, ismc::backend_kind::cuda);
  const double theta[2] = {0.0, 1.0};
  double out = 0.0;
  density->log_density(theta, 1, &out);
  for (auto _ : state) {
    density->log_density(theta, 1, &out);
    benchmark::DoNotOptimize(out);
  }
  state.counters["calls_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Registered at start-up, only where a device is present.
const bool cuda_benchmarks_registered = [] {
  if (ismc::list_cuda_devices().devices.empty()) return false;
  benchmark::RegisterBenchmark("BM_HyperLikelihoodCuda", BM_HyperLikelihoodCuda)
      ->ArgNames({"objects", "samples", "thetas"})
      ->Args({100, 400, 8})
      ->Args({1000, 4000, 1})
      ->Args({1000, 4000, 64})
      ->Args({1000, 4000, 1024})
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  benchmark::RegisterBenchmark("BM_HyperLikelihoodCudaCallOverhead",
                               BM_HyperLikelihoodCudaCallOverhead)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  register_crossover(1);
  return true;
}();

#endif

}  // namespace

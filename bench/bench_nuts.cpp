// NUTS (ismc::run_nuts) on the non-centered eight schools, measured as rstan reports it, to
// compare with bench/peers/rstan_eight_schools.R (bench/peers/compare_rstan.sh):
//  - BM_NutsEightSchools/seed:S/warmup:W/draws:D: 4 chains of W warmup + D draws, Stan's
//    default settings, chain ids 1..4 under seed S, run one after another in this thread
//    (rstan's per-chain elapsed times are what we compare with, so no threads here).
//
// Per run, summed over the 4 chains:
//   sampler_seconds    warmup + sampling time as run_nuts reports it to draw_writer::timing
//                      (rstan: get_elapsed_time); the benchmark's (manual) time is this;
//   gradients          Σ n_leapfrog over every iteration, warmup included (rstan:
//                      get_sampler_params(fit, inc_warmup = TRUE)); the initial step-size
//                      heuristics and the search for an initial point are not counted, as in
//                      Stan's n_leapfrog__;
//   ess_bulk_tau       ismc::ess_bulk of τ over the D × 4 draws (posterior::ess_bulk);
//   ess_per_second     ess_bulk_tau / sampler_seconds;
//   gradients_per_ess  gradients / ess_bulk_tau;
//   divergent          divergent draws after warmup.
// With several iterations of one case, each counter is the mean over iterations.
//
// Seeds 1..5 are registered at 1000 + 1000 (the benchmark), plus a short case
// (seed 1, 150 + 100) for the CTest smoke run. More seeds for the full size from the
// environment: ISMC_NUTS_SEEDS="6,7,8".
//
// The seed-000 partial-pooling model (1000 objects, 1002 parameters), ESS per second of θ_σ:
//  - BM_NutsPartialPooling/…: the gradient on the CPU (make_partial_pooling, the reference);
//  - BM_NutsPartialPoolingCuda/…: the gradient on the device (make_partial_pooling with
//    backend_kind::cuda: one batch-1 call of the device density per leapfrog step);
// and one gradient call of make_partial_pooling_density, wall-clock (UseRealTime: what a
// sampler waits for, copies and synchronization included), at batch 1 (what NUTS asks for)
// and larger batches (where the device may win; the crossover):
//  - BM_PartialPoolingGradientCpu/batch/objects/threads (threads = 0: all hardware threads);
//  - BM_PartialPoolingGradientCuda/batch/objects.
// Counters: gradients_per_second (rows per second), items = objects terms, bytes = the q
// read, x read and gradients written. The CUDA cases are registered only where a device is
// present at run time; elsewhere one benchmark, BM_PartialPoolingCudaNoDevice, skips with
// the reason, so that the CTest smoke run passes on a CPU-only machine.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "ismc/population/samples.hpp"
#include "models/partial_pooling_backend.hpp"
#include "ismc/models/posterior.hpp"

namespace {

constexpr std::uint32_t chain_count = 4;

ismc::stan_data eight_schools_data() {
  ismc::stan_data data;
  data["J"] = ismc::data_value{{8.0}, {}, true};
  data["y"] = ismc::data_value{{28, 8, -3, 7, -1, 1, 18, 12}, {8}, true};
  data["sigma"] = ismc::data_value{{15, 10, 16, 11, 9, 11, 10, 18}, {8}, true};
  return data;
}

/// Keeps one output's post-warmup draws and counts leapfrog steps over every iteration.
class counting_writer : public ismc::draw_writer {
 public:
  explicit counting_writer(std::size_t output) : output_(output) {}
  void draw(const ismc::nuts_draw& info, const double* outputs, bool warmup) override {
    gradients += static_cast<double>(info.n_leapfrog);
    if (warmup) return;
    draws.push_back(outputs[output_]);
    divergent += info.divergent ? 1 : 0;
  }
  void adaptation(double, const std::vector<double>&) override {}
  void timing(double warmup, double sampling) override {
    warmup_seconds = warmup;
    sampling_seconds = sampling;
  }

  std::vector<double> draws;
  double gradients = 0.0;
  std::size_t divergent = 0;
  double warmup_seconds = 0.0;
  double sampling_seconds = 0.0;

 private:
  std::size_t output_;
};

// 4 chains × (warmup + draws) of `model`, one after another; counters on `output`'s
// bulk-ESS, sampler time and gradients (leapfrog steps, warmup included).
void run_chains(benchmark::State& state, const ismc::posterior_model& model,
                const std::string& output, std::uint64_t seed, std::size_t warmup,
                std::size_t draws) {
  const std::vector<std::string> names = model.output_names();
  const auto found = std::find(names.begin(), names.end(), output);
  if (found == names.end()) {
    state.SkipWithError(("the model has no output `" + output + "`").c_str());
    return;
  }
  const auto index = static_cast<std::size_t>(found - names.begin());

  double total_seconds = 0.0, total_warmup = 0.0, total_sampling = 0.0, total_ess = 0.0,
         total_gradients = 0.0, total_divergent = 0.0, total_ess_per_second = 0.0,
         total_gradients_per_ess = 0.0;
  for (auto _ : state) {
    ismc::chains output_draws;
    double warmup_seconds = 0.0, sampling_seconds = 0.0, gradients = 0.0;
    std::size_t divergent = 0;
    for (std::uint32_t chain = 1; chain <= chain_count; ++chain) {
      ismc::nuts_config config;
      config.warmup = warmup;
      config.draws = draws;
      config.save_warmup = true;  // so that warmup leapfrog steps are counted too
      config.seed = seed;
      config.chain = chain;
      counting_writer writer(index);
      ismc::run_nuts(model, config, writer);
      warmup_seconds += writer.warmup_seconds;
      sampling_seconds += writer.sampling_seconds;
      gradients += writer.gradients;
      divergent += writer.divergent;
      output_draws.push_back(std::move(writer.draws));
    }
    const double seconds = warmup_seconds + sampling_seconds;
    state.SetIterationTime(seconds);
    const double ess = ismc::ess_bulk(output_draws);
    total_seconds += seconds;
    total_warmup += warmup_seconds;
    total_sampling += sampling_seconds;
    total_ess += ess;
    total_gradients += gradients;
    total_divergent += static_cast<double>(divergent);
    total_ess_per_second += ess / seconds;
    total_gradients_per_ess += gradients / ess;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["sampler_seconds"] = total_seconds / n;
  state.counters["warmup_seconds"] = total_warmup / n;
  state.counters["sampling_seconds"] = total_sampling / n;
  state.counters["ess_bulk_" + output] = total_ess / n;
  state.counters["gradients"] = total_gradients / n;
  state.counters["divergent"] = total_divergent / n;
  state.counters["ess_per_second"] = total_ess_per_second / n;
  state.counters["gradients_per_ess"] = total_gradients_per_ess / n;
}

void BM_NutsEightSchools(benchmark::State& state) {
  const auto model = ismc::make_posterior("eight_schools_noncentered", eight_schools_data());
  run_chains(state, *model, "tau", static_cast<std::uint64_t>(state.range(0)),
             static_cast<std::size_t>(state.range(1)), static_cast<std::size_t>(state.range(2)));
}

// The seed's observations x of `objects` objects (θ = (0, 1), α = 1, seed 42).
std::vector<double> seed_observations(std::size_t objects) {
  ismc::population_setting setting;
  setting.objects = objects;
  setting.samples_per_object = 1;
  return ismc::simulate_population(setting, 42).x;
}

// The seed-000 partial-pooling model: 1000 objects (1002 parameters), θ = (0, 1), α = 1;
// ESS per second of θ_σ, with the gradient on `kind`'s machine.
void nuts_partial_pooling(benchmark::State& state, ismc::backend_kind kind) {
  const auto model =
      ismc::make_partial_pooling(seed_observations(static_cast<std::size_t>(state.range(3))),
                                 ismc::population_setting{}.alpha, kind);
  run_chains(state, *model, "theta_sigma", static_cast<std::uint64_t>(state.range(0)),
             static_cast<std::size_t>(state.range(1)), static_cast<std::size_t>(state.range(2)));
}

void BM_NutsPartialPooling(benchmark::State& state) {
  nuts_partial_pooling(state, ismc::backend_kind::cpu);
}

void BM_NutsPartialPoolingCuda(benchmark::State& state) {
  nuts_partial_pooling(state, ismc::backend_kind::cuda);
}

// One call of the batched density's gradient: `batch` rows near the posterior's bulk
// (θ_μ ≈ 0, θ_σ ≈ 1, μ_i ≈ x_i / 2), set up outside the timed loop; one warm-up call.
void partial_pooling_gradient(benchmark::State& state, ismc::backend_kind kind) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto objects = static_cast<std::size_t>(state.range(1));
  ismc::run_hooks hooks;
  if (kind == ismc::backend_kind::cpu) hooks.threads = static_cast<unsigned>(state.range(2));
  const std::vector<double> x = seed_observations(objects);
  const auto density =
      ismc::make_partial_pooling_density(x, ismc::population_setting{}.alpha, kind);
  const std::size_t dim = density->dim();
  std::vector<double> thetas(batch * dim);
  for (std::size_t b = 0; b < batch; ++b) {
    const double shift = 0.01 * static_cast<double>(b % 17) - 0.08;
    thetas[b * dim] = shift;
    thetas[b * dim + 1] = -shift;
    for (std::size_t i = 0; i < objects; ++i) thetas[b * dim + 2 + i] = 0.5 * x[i] + shift;
  }
  std::vector<double> lp(batch), gradients(batch * dim);
  density->log_density_gradient(thetas.data(), batch, lp.data(), gradients.data(), hooks);
  for (auto _ : state) {
    density->log_density_gradient(thetas.data(), batch, lp.data(), gradients.data(), hooks);
    benchmark::DoNotOptimize(lp.data());
    benchmark::DoNotOptimize(gradients.data());
    benchmark::ClobberMemory();
  }
  const double rows = static_cast<double>(batch) * static_cast<double>(state.iterations());
  state.counters["gradients_per_second"] = benchmark::Counter(rows, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(rows * static_cast<double>(objects)));
  state.SetBytesProcessed(static_cast<std::int64_t>(rows * static_cast<double>(2 * dim + objects) *
                                                    static_cast<double>(sizeof(double))));
  if (kind == ismc::backend_kind::cpu) {
    // The bound; the density starts one thread per 65,536 objects of work at most.
    state.counters["thread_limit"] =
        static_cast<double>(hooks.threads > 0 ? hooks.threads : ismc::cpu_threads());
  }
}

void BM_PartialPoolingGradientCpu(benchmark::State& state) {
  partial_pooling_gradient(state, ismc::backend_kind::cpu);
}

void BM_PartialPoolingGradientCuda(benchmark::State& state) {
  partial_pooling_gradient(state, ismc::backend_kind::cuda);
}

void configure(benchmark::internal::Benchmark* b) {
  b->ArgNames({"seed", "warmup", "draws"})
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void configure_partial_pooling(benchmark::internal::Benchmark* b) {
  b->ArgNames({"seed", "warmup", "draws", "objects"})
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Args({1, 150, 100, 1000})  // the CTest smoke run's case
      ->Args({1, 1000, 1000, 1000});
}

BENCHMARK(BM_NutsPartialPooling)->Apply(configure_partial_pooling);

BENCHMARK(BM_PartialPoolingGradientCpu)
    ->ArgNames({"batch", "objects", "threads"})
    ->Args({1, 1000, 1})
    ->Args({64, 1000, 1})
    ->Args({64, 1000, 0})
    ->Args({1024, 1000, 0})
    // NUTS's calls (one q) at growing n: the CPU side of the device crossover.
    ->Args({1, 10000, 1})
    ->Args({1, 100000, 1})
    ->Args({1, 1000000, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The device cases, registered at start-up only where a device is present.
const bool cuda_benchmarks_registered = [] {
  if (!ismc::bench::cuda_device_present("BM_PartialPoolingCudaNoDevice")) return false;
  benchmark::RegisterBenchmark("BM_NutsPartialPoolingCuda", BM_NutsPartialPoolingCuda)
      ->Apply(configure_partial_pooling);
  benchmark::RegisterBenchmark("BM_PartialPoolingGradientCuda", BM_PartialPoolingGradientCuda)
      ->ArgNames({"batch", "objects"})
      ->Args({1, 1000})
      ->Args({64, 1000})
      ->Args({1024, 1000})
      ->Args({1, 10000})
      ->Args({1, 100000})
      ->Args({1, 1000000})
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  return true;
}();

BENCHMARK(BM_NutsEightSchools)
    ->Apply(configure)
    ->Args({1, 150, 100})
    ->Args({1, 1000, 1000})
    ->Args({2, 1000, 1000})
    ->Args({3, 1000, 1000})
    ->Args({4, 1000, 1000})
    ->Args({5, 1000, 1000});

// Extra seeds at 1000 + 1000 from ISMC_NUTS_SEEDS="6,7,8".
const bool extra_seeds_registered = [] {
  const char* seeds = std::getenv("ISMC_NUTS_SEEDS");
  if (seeds == nullptr) return false;
  std::stringstream in(seeds);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    char* end = nullptr;
    const long long seed = std::strtoll(item.c_str(), &end, 10);
    if (end == item.c_str() || *end != '\0' || seed < 0) continue;
    if (seed >= 1 && seed <= 5) continue;  // registered above
    configure(benchmark::RegisterBenchmark("BM_NutsEightSchools", BM_NutsEightSchools)
                  ->Args({seed, 1000, 1000}));
  }
  return true;
}();

}  // namespace

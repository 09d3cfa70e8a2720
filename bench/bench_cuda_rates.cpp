// The CUDA backend on the seed's 1-D one-sided z-test (c = 1.96), against what the device
// could do at most. Registered only when ismc::list_cuda_devices() finds a device at run
// time; otherwise one benchmark, BM_CudaRatesNoDevice, skips with the reason, so that the
// CTest smoke run passes on a CPU-only machine.
//  - BM_CudaPlainOneSided/targets/sims: plain Monte Carlo through
//    make_backend(cuda)->count_rejections: sims_per_second and the fraction of the device's
//    integer/FP64 peak that rate implies (the operation model below).
//  - BM_CudaMixtureAccumulate/J: the four-index stage alone, backend.mixture_accumulate, on a
//    seed-like problem with 8 clusters and N = 10^4 draws per proposal:
//    log_density_ratios_per_second against the FP64 exp-and-FMA limit (model below).
//  - BM_CudaDenseSeedProblem/J/N: ismc::estimate_mixture on the cuda backend over exactly
//    the dense problem of bench_importance's BM_DenseSeedProblem (the problem the seed's
//    jitted JAX imp_est is timed on by bench/peers/jax_imp_est.py); extra sizes from
//    ISMC_CUDA_DENSE_SIZES="J:N[,J:N...]" (bench/peers/compare_gpu.sh passes the largest
//    size that JAX fits).
//  - BM_CudaImportanceStudy/J: ismc::estimate_importance end to end (pilot, k-means, weights,
//    importance draws, estimate) with 10^4 pilot and 10^4 importance draws per proposal,
//    8 clusters: time, and device memory from cudaMemGetInfo.
//
// Timing. The kernel-stage benchmarks (plain, accumulate, dense) are timed with two CUDA
// events on the legacy default stream around the call (UseManualTime). The backend's calls
// are synchronous (they return their results in host memory), so the start event precedes
// all of the call's device work and the stop event follows it whichever stream the backend
// uses; host work inside the call (allocation, copies, any stage that still runs on the host)
// is inside the interval too. The end-to-end study is timed by the wall clock (UseRealTime).
// Setup (problem construction, the backend and its CUDA context) is outside the timing.
//
// Operation model of one plain simulation (1-D one-sided): one Philox4x32-10 block, one
// Box–Muller normal in FP64 (log, sqrt, cos), one add and one compare. Counted, not guessed:
// the SASS of a minimal kernel that calls the same inline functions (random_bits,
// box_muller_first) built by nvcc 13.0 for sm_90 with the library's --fmad=false, fast path
// of the loop body (the rare slow paths of log and of cos's argument reduction left out):
//   integer pipe  105 thread instructions: Philox's 10 rounds are 2 IMAD.WIDE.U32 (the
//                 mul.hi/mul.lo pair in one instruction) + 2 LOP3 (three-input xors) each,
//                 plus the key schedule (VIADD), moves, shifts, selects, compares, carries;
//   FP64 pipe      62 (DFMA 33, DMUL 15, DADD 11, DSETP 3): log ≈ 31, sqrt ≈ 9 (with the
//                 −2 factor), cos ≈ 17 (Cody–Waite reduction and polynomial), the two
//                 uniforms, the shift by θ and the test ≈ 5;
//   besides        4 FP64 conversions, 2 MUFU, 3 constant loads, 41 uniform-datapath and
//                 11 control instructions: 233 issued instructions per simulation.
// Per-SM throughputs are the CUDA C++ Programming Guide's (results per clock per SM) for the
// device's compute capability; the clock is cudaDevAttrClockRate, the peak SM clock (a
// loaded H100 may run below it, which makes the fractions conservative). Reported:
//   fraction_of_fp64_or_int_peak = max over the two pipes of
//       sims_per_second × ops_per_sim / (SMs × clock × lanes_per_clock_per_SM),
//   the busiest pipe's utilisation implied by the rate; and fraction_of_issue_limit, the same
//   with all 233 instructions against the 4 × 32 lanes an SM issues per clock (on sm_90 the
//   issue limit binds first: 233/128 > 105/64 > 62/64, so a 132-SM H100 at 1.98 GHz could do
//   at most about 1.4e11 simulations per second). The library's kernel is generic over
//   dimension and test, so it executes more instructions than these; the fractions measure the
//   useful work.
//
// Operation model of one log-density ratio of the mixture stage (1-D): in FP64, one FMA for
// ℓ_m − ℓ_j = (θ_m − θ_j)·x − (θ_m² − θ_j²)/2 with the per-pair constants precomputed, one
// subtraction of the max shift, exp (15 on the FP64 pipe in nvcc 13.0's sm_90 SASS: the
// rounding FMA, one add, two Cody–Waite FMAs, an 11-term polynomial) and one FMA adding
// w·exp into the denominator (FMAs written as fma(): the library builds with --fmad=false, so
// a kernel that leaves a·x + b to contraction pays a separate multiply and add): 18
// FP64-pipe instructions, so at most
// SMs × clock × fp64_lanes / 18 ratios per second (9.3e11 on a 132-SM H100 at 1.98 GHz).
// Ratios are counted as bench_importance counts them, Σ_j |S_j| · N · |S_j|: nominal work.
// An engine that skips the draws its test accepts (their term is 0) evaluates only the
// ratios of rejected draws, Σ_j Σ_{k∈S_j} N · P(reject | θ_k) · |S_j|, reported as
// rejected_draw_ratios; fraction_of_exp_fma_limit uses the nominal count, as the issue does,
// and fraction_of_exp_fma_limit_rejected_only the smaller one.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"
#include "ismc/rates/t_test.hpp"

#if defined(ISMC_HAVE_CUDA)
#include <cuda_runtime.h>

#include "cuda_event_timer.hpp"
#endif

namespace {

using ismc::bench::evenly_spaced;
using ismc::bench::peak_rss_mb;
using ismc::bench::seed_centres;
using ismc::bench::seed_like_problem;
using ismc::bench::streamed_ratios;

constexpr double critical_value = 1.96;  // the seed's one-sided z-test

#if defined(ISMC_HAVE_CUDA)

using ismc::bench::event_timer;

// The operation model above, per 1-D one-sided simulation and per log-density ratio.
constexpr double int_ops_per_sim = 105.0;
constexpr double fp64_ops_per_sim = 62.0;
constexpr double issued_ops_per_sim = 233.0;
constexpr double fp64_ops_per_ratio = 18.0;
constexpr double issue_lanes_per_clock_per_sm = 128.0;  // 4 schedulers × 32 lanes

/// P(x > c) for x ~ N(θ, 1): the chance that a draw of proposal θ is rejected.
double rejection_probability(double theta) {
  return 0.5 * std::erfc((critical_value - theta) / std::sqrt(2.0));
}

/// Σ_j Σ_{k∈S_j} N · P(reject | θ_k) · |S_j|: the expected ratios on rejected draws alone.
double rejected_draw_ratios(const ismc::mixture_weights& weights, const double* proposals,
                            std::uint64_t sims_per_proposal) {
  double ratios = 0.0;
  for (std::size_t j = 0; j < weights.targets(); ++j) {
    const double support = static_cast<double>(weights.offsets[j + 1] - weights.offsets[j]);
    for (std::size_t e = weights.offsets[j]; e < weights.offsets[j + 1]; ++e) {
      ratios += static_cast<double>(sims_per_proposal) *
                rejection_probability(proposals[weights.proposal[e]]) * support;
    }
  }
  return ratios;
}

/// What the operation models need from the device: queried, plus the Programming Guide's
/// per-SM throughputs for its compute capability.
struct device_peak {
  std::string name;
  int multiprocessors = 0;
  double clock_hz = 0.0;  ///< cudaDevAttrClockRate: the peak SM clock
  int compute_major = 0;
  int compute_minor = 0;
  double int32_lanes = 0.0;  ///< 32-bit integer add/logic/multiply results per clock per SM
  double fp64_lanes = 0.0;   ///< FP64 add/multiply/FMA results per clock per SM
  bool known = false;        ///< whether the throughput table has this compute capability

  /// SMs × clock: SM-clocks per second.
  double sm_clocks_per_second() const { return static_cast<double>(multiprocessors) * clock_hz; }
};

/// Queries device 0 (the one the cuda backend uses). Returns false with `why` on failure.
bool query_device_peak(device_peak& peak, std::string& why) {
  cudaDeviceProp properties{};
  cudaError_t status = cudaGetDeviceProperties(&properties, 0);
  int clock_khz = 0;
  if (status == cudaSuccess) status = cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
  if (status != cudaSuccess) {
    why = std::string("device query failed: ") + cudaGetErrorString(status);
    return false;
  }
  peak.name = properties.name;
  peak.multiprocessors = properties.multiProcessorCount;
  peak.clock_hz = static_cast<double>(clock_khz) * 1e3;
  peak.compute_major = properties.major;
  peak.compute_minor = properties.minor;
  // CUDA C++ Programming Guide, "Arithmetic Instructions", results per clock per SM.
  const int cc = 10 * properties.major + properties.minor;
  peak.int32_lanes = 64.0;
  peak.known = true;
  switch (cc) {
    case 70:
      peak.fp64_lanes = 32.0;
      break;  // V100
    case 80:
      peak.fp64_lanes = 32.0;
      break;  // A100
    case 90:
      peak.fp64_lanes = 64.0;
      break;  // H100, H200
    case 75:
    case 86:
    case 87:
    case 89:
      peak.fp64_lanes = 2.0;
      break;  // consumer parts
    default:
      peak.known = false;
      break;
  }
  return true;
}

/// The cuda backend and the device's peak; false (and the benchmark skipped) on failure.
bool prepare(benchmark::State& state, std::unique_ptr<ismc::backend>& cuda, device_peak& peak) {
  std::string why;
  if (!query_device_peak(peak, why)) {
    state.SkipWithError(why.c_str());
    return false;
  }
  try {
    cuda = ismc::make_backend(ismc::backend_kind::cuda);
  } catch (const std::exception& failure) {
    state.SkipWithError((std::string("make_backend(cuda): ") + failure.what()).c_str());
    return false;
  }
  state.SetLabel(peak.name);
  state.counters["sm_count"] = static_cast<double>(peak.multiprocessors);
  state.counters["sm_clock_mhz"] = peak.clock_hz * 1e-6;
  return true;
}

// ---------------------------------------------------------------------------------------
// Plain Monte Carlo.

void BM_CudaPlainOneSided(benchmark::State& state) {
  const auto n_targets = static_cast<std::size_t>(state.range(0));
  const auto sims = static_cast<std::uint64_t>(state.range(1));
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  // The seed's 11 targets, θ = −2, −1.6, …, 2; at other counts, evenly over the same range.
  const std::vector<double> targets = evenly_spaced(-2.0, 2.0, n_targets);
  const ismc::run_spec run;  // seed 42, common random numbers, as bench_plain
  std::vector<std::uint64_t> counts(n_targets);
  event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  double seconds = 0.0;
  for (auto _ : state) {
    timer.start();
    cuda->count_rejections(model, targets.data(), n_targets, sims, run.seed,
                           run.common_random_numbers, counts.data(), {});
    const double elapsed = timer.stop();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    benchmark::DoNotOptimize(counts.data());
  }
  const double total_sims = static_cast<double>(state.iterations()) *
                            static_cast<double>(n_targets) * static_cast<double>(sims);
  state.counters["sims_per_second"] = benchmark::Counter(total_sims, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(total_sims));
  // A sanity figure, outside the timing: the first target's rate against its exact value.
  state.counters["rate_first_target"] = static_cast<double>(counts[0]) / static_cast<double>(sims);
  state.counters["exact_rate_first_target"] = rejection_probability(targets[0]);
  state.counters["int_ops_per_sim"] = int_ops_per_sim;
  state.counters["fp64_ops_per_sim"] = fp64_ops_per_sim;
  state.counters["issued_ops_per_sim"] = issued_ops_per_sim;
  if (!peak.known || seconds <= 0.0) return;
  const double rate = total_sims / seconds;
  const double int_share =
      rate * int_ops_per_sim / (peak.sm_clocks_per_second() * peak.int32_lanes);
  const double fp64_share =
      rate * fp64_ops_per_sim / (peak.sm_clocks_per_second() * peak.fp64_lanes);
  state.counters["fraction_of_fp64_or_int_peak"] = std::max(int_share, fp64_share);
  state.counters["fraction_of_int_peak"] = int_share;
  state.counters["fraction_of_fp64_peak"] = fp64_share;
  state.counters["fraction_of_issue_limit"] =
      rate * issued_ops_per_sim / (peak.sm_clocks_per_second() * issue_lanes_per_clock_per_sm);
  state.counters["model_limit_sims_per_second"] =
      peak.sm_clocks_per_second() /
      std::max({int_ops_per_sim / peak.int32_lanes, fp64_ops_per_sim / peak.fp64_lanes,
                issued_ops_per_sim / issue_lanes_per_clock_per_sm});
}

// Plain Monte Carlo of the families beyond the z-test on the device (rates/t_test.hpp,
// rates/binomial.hpp; their arithmetic floor per simulation is stated in
// bench/bench_families.cpp, the CPU side): `family` 0 the t-test with n = 10, 1 two binomial
// arms of 50 (inversion), 2 two arms of 1000 (BTRD); 11 targets as bench_families.
void BM_CudaPlainFamily(benchmark::State& state) {
  const auto family_index = state.range(0);
  const auto sims = static_cast<std::uint64_t>(state.range(1));
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  std::unique_ptr<ismc::model> model;
  std::vector<double> targets;
  if (family_index == 0) {
    ismc::normal_t_test family;
    family.observations = 10;
    family.critical = 2.5;
    model = std::make_unique<ismc::family_model<ismc::normal_t_test>>(family);
    for (int j = 0; j <= 10; ++j) targets.insert(targets.end(), {0.1 * j, 1.0});
  } else {
    ismc::binomial_count_test family;
    family.arms = 2;
    family.trials[0] = family.trials[1] = family_index == 1 ? 50u : 1000u;
    family.critical = 0.3 * family.trials[0];
    model = std::make_unique<ismc::family_model<ismc::binomial_count_test>>(family);
    for (int j = 0; j <= 10; ++j) {
      const double p = 0.1 + 0.04 * j;
      targets.insert(targets.end(), {std::log(p / (1.0 - p)), std::log(0.3 / 0.7)});
    }
  }
  const std::size_t n_targets = targets.size() / model->dim();
  const ismc::run_spec run;
  std::vector<std::uint64_t> counts(n_targets);
  event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  for (auto _ : state) {
    timer.start();
    cuda->count_rejections(*model, targets.data(), n_targets, sims, run.seed,
                           run.common_random_numbers, counts.data(), {});
    state.SetIterationTime(timer.stop());
    benchmark::DoNotOptimize(counts.data());
  }
  const double total_sims = static_cast<double>(state.iterations()) *
                            static_cast<double>(n_targets) * static_cast<double>(sims);
  state.counters["sims_per_second"] = benchmark::Counter(total_sims, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(total_sims));
  state.SetLabel(model->name());
}

// ---------------------------------------------------------------------------------------
// The mixture stage.

/// Eight centres spread over the seed's rejections (x > 1.96), as eight k-means clusters of
/// them fall: denser near the critical value.
const std::vector<double> eight_centres{2.05, 2.2, 2.4, 2.6, 2.85, 3.15, 3.5, 4.1};

/// Counters shared by the mixture benchmarks: nominal and rejected-draw ratios, and their
/// fractions of the exp-and-FMA limit.
void report_mixture(benchmark::State& state, const seed_like_problem& dense, std::uint64_t sims,
                    double seconds, const device_peak& peak) {
  const double iterations = static_cast<double>(state.iterations());
  const double ratios = streamed_ratios(dense.weights, sims);
  const double rejected = rejected_draw_ratios(dense.weights, dense.proposals.data(), sims);
  state.counters["log_density_ratios_per_second"] =
      benchmark::Counter(ratios * iterations, benchmark::Counter::kIsRate);
  state.counters["rejected_draw_ratios_per_second"] =
      benchmark::Counter(rejected * iterations, benchmark::Counter::kIsRate);
  state.counters["sparse_ratios"] = ratios;
  state.counters["rejected_draw_ratios"] = rejected;
  state.counters["J"] = static_cast<double>(dense.n_targets);
  state.counters["K"] = static_cast<double>(dense.n_proposals);
  state.counters["N"] = static_cast<double>(sims);
  state.counters["fp64_ops_per_ratio"] = fp64_ops_per_ratio;
  state.counters["peak_rss_mb"] = peak_rss_mb();
  state.SetItemsProcessed(static_cast<std::int64_t>(ratios * iterations));
  if (!peak.known || seconds <= 0.0) return;
  const double limit = peak.sm_clocks_per_second() * peak.fp64_lanes / fp64_ops_per_ratio;
  state.counters["model_limit_ratios_per_second"] = limit;
  state.counters["fraction_of_exp_fma_limit"] = ratios * iterations / seconds / limit;
  state.counters["fraction_of_exp_fma_limit_rejected_only"] =
      rejected * iterations / seconds / limit;
}

// backend.mixture_accumulate alone, J targets, 8 clusters, N = 10^4.
void BM_CudaMixtureAccumulate(benchmark::State& state) {
  const auto n_targets = static_cast<std::size_t>(state.range(0));
  constexpr std::uint64_t sims = 10000;
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  const seed_like_problem dense(n_targets, eight_centres);
  const ismc::mixture_problem problem = dense.problem(sims);
  ismc::validate(problem, model.dim());
  std::vector<double> sum(dense.weights.entries()), sum_squares(dense.weights.entries());
  event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  double seconds = 0.0;
  for (auto _ : state) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sum_squares.begin(), sum_squares.end(), 0.0);
    timer.start();
    cuda->mixture_accumulate(model, problem, sum.data(), sum_squares.data(), {});
    const double elapsed = timer.stop();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    benchmark::DoNotOptimize(sum.data());
  }
  report_mixture(state, dense, sims, seconds, peak);
}

// ismc::estimate_mixture on the dense seed problem (5 centres): what jax_imp_est.py times.
void BM_CudaDenseSeedProblem(benchmark::State& state) {
  const auto n_targets = static_cast<std::size_t>(state.range(0));
  const auto sims = static_cast<std::uint64_t>(state.range(1));
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  const seed_like_problem dense(n_targets, seed_centres);
  const ismc::mixture_problem problem = dense.problem(sims);
  event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  double seconds = 0.0;
  for (auto _ : state) {
    timer.start();
    auto estimate = ismc::estimate_mixture(model, problem, *cuda);
    const double elapsed = timer.stop();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    benchmark::DoNotOptimize(estimate);
  }
  report_mixture(state, dense, sims, seconds, peak);
  // The seed's (and JAX's) dense count N·J·K·M, M = K.
  const double dense_ratios = dense.dense_ratios(sims);
  state.counters["dense_ratios"] = dense_ratios;
  state.counters["dense_ratios_per_second"] = benchmark::Counter(
      dense_ratios * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void dense_sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"J", "N"})->Unit(benchmark::kMillisecond)->UseManualTime();
}

// ---------------------------------------------------------------------------------------
// The whole study.

/// Samples the device's used memory (total − free, cudaMemGetInfo) every millisecond on a
/// thread of its own while alive; `peak_increase_bytes` is the largest rise over the value at
/// construction that it saw: a lower bound on the true peak (a shorter-lived allocation can
/// fall between two samples). Counts every process on the device.
class device_memory_sampler {
 public:
  device_memory_sampler() : baseline_used_(used_bytes()), peak_used_(baseline_used_) {
    thread_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) {
        const double used = used_bytes();
        double seen = peak_used_.load(std::memory_order_relaxed);
        while (used > seen && !peak_used_.compare_exchange_weak(seen, used)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  ~device_memory_sampler() { finish(); }
  device_memory_sampler(const device_memory_sampler&) = delete;
  device_memory_sampler& operator=(const device_memory_sampler&) = delete;

  void finish() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  double peak_increase_bytes() const { return std::max(0.0, peak_used_.load() - baseline_used_); }
  static double used_bytes() {
    std::size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) return 0.0;
    return static_cast<double>(total_bytes - free_bytes);
  }
  static double total_bytes() {
    std::size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return 0.0;
    return static_cast<double>(total);
  }

 private:
  double baseline_used_;
  std::atomic<double> peak_used_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// J targets evenly over [−3, 2] (as BM_ImportanceScaling), 10^4 pilot and 10^4 draws per
// proposal, 8 clusters, through the cuda backend. Target of the issue: J = 10^5.
void BM_CudaImportanceStudy(benchmark::State& state) {
  const auto n_targets = static_cast<std::size_t>(state.range(0));
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  const ismc::gaussian_test_model model(1, ismc::test_kind::one_sided, critical_value);
  const std::vector<double> targets = evenly_spaced(-3.0, 2.0, n_targets);
  ismc::run_spec run;
  run.method = ismc::rate_method::importance;
  ismc::importance_spec spec;
  spec.pilot_sims = 10000;
  spec.clusters = 8;
  spec.self_weight = 0.01;
  spec.sims_per_proposal = 10000;
  double ratios = 0.0;
  double used_before_mb = 0.0, used_after_mb = 0.0, peak_increase_mb = 0.0;
  for (auto _ : state) {
    used_before_mb = device_memory_sampler::used_bytes() / 1e6;
    device_memory_sampler sampler;
    auto result = ismc::estimate_importance(model, targets, run, spec, *cuda);
    sampler.finish();
    used_after_mb = device_memory_sampler::used_bytes() / 1e6;
    peak_increase_mb = std::max(peak_increase_mb, sampler.peak_increase_bytes() / 1e6);
    if (!result.importance || result.importance->weights.entries() == 0) {
      state.SkipWithError("importance sampling fell back to plain Monte Carlo");
      return;
    }
    ratios += streamed_ratios(result.importance->weights, spec.sims_per_proposal);
    benchmark::DoNotOptimize(result);
  }
  const double targets_done =
      static_cast<double>(state.iterations()) * static_cast<double>(n_targets);
  state.counters["targets_per_second"] =
      benchmark::Counter(targets_done, benchmark::Counter::kIsRate);
  state.counters["log_density_ratios_per_second"] =
      benchmark::Counter(ratios, benchmark::Counter::kIsRate);
  // cudaMemGetInfo before and after the call (the last iteration), and the largest rise seen
  // by sampling during the calls.
  state.counters["device_memory_used_before_mb"] = used_before_mb;
  state.counters["device_memory_used_after_mb"] = used_after_mb;
  state.counters["device_memory_retained_mb"] = used_after_mb - used_before_mb;
  state.counters["device_memory_peak_increase_mb"] = peak_increase_mb;
  state.counters["device_memory_total_mb"] = device_memory_sampler::total_bytes() / 1e6;
  state.counters["peak_rss_mb"] = peak_rss_mb();
  state.counters["J"] = static_cast<double>(n_targets);
  state.SetItemsProcessed(static_cast<std::int64_t>(targets_done));
}

/// ISMC_CUDA_DENSE_SIZES="J:N,J:N": further sizes of BM_CudaDenseSeedProblem.
void register_dense_sizes_from_environment() {
  for (const auto& [n_targets, sims] :
       ismc::bench::sizes_from_environment("ISMC_CUDA_DENSE_SIZES")) {
    benchmark::RegisterBenchmark("BM_CudaDenseSeedProblem", BM_CudaDenseSeedProblem)
        ->Args({n_targets, sims})
        ->Apply(dense_sizes);
  }
}

// ---------------------------------------------------------------------------------------
// Method calibrate: the null tiles' statistics with the top-m fused in (kernels/calibrate.cu),
// 64 tiles of the 1-D z-test over [−1, 0], K per tile, against BM_CudaPlainOneSided at
// targets:64/sims:K (issue 20: aim within 1.5×). Timed by CUDA events around the whole call
// (its host merge of the blocks' heaps included).

void BM_CudaCalibrateZTest(benchmark::State& state) {
  const auto sims = static_cast<std::uint64_t>(state.range(0));
  std::unique_ptr<ismc::backend> cuda;
  device_peak peak;
  if (!prepare(state, cuda, peak)) return;
  ismc::rates_study study;
  study.grid.lower = {-1.0 + 1.0 / 128.0};
  study.grid.upper = {-1.0 / 128.0};
  study.grid.points = {64};
  study.null = {{{1.0}}, {0.0}};
  study.run.method = ismc::rate_method::calibrate;
  study.calibration.sims = sims;
  ismc::validate(study);
  event_timer timer;
  if (!timer.ok()) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  for (auto _ : state) {
    timer.start();
    auto result = ismc::calibrate_critical(study, *cuda);
    state.SetIterationTime(timer.stop());
    benchmark::DoNotOptimize(result);
  }
  const double statistics =
      static_cast<double>(state.iterations()) * 64.0 * static_cast<double>(sims);
  state.counters["statistics_per_second"] =
      benchmark::Counter(statistics, benchmark::Counter::kIsRate);
}

void register_cuda_benchmarks() {
  benchmark::RegisterBenchmark("BM_CudaCalibrateZTest", BM_CudaCalibrateZTest)
      ->ArgName("sims")
      ->Arg(65536)
      ->Arg(16777216)
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  benchmark::RegisterBenchmark("BM_CudaPlainOneSided", BM_CudaPlainOneSided)
      ->ArgNames({"targets", "sims"})
      ->Args({11, 1000000})  // smoke size
      ->Args({64, 65536})    // BM_CudaCalibrateZTest's tiles
      ->Args({64, 16777216})
      ->Args({11, 1000000000})   // the seed's targets, 1.1e10 simulations a call
      ->Args({100000, 10000})    // 1e5 targets, 1e9 simulations a call
      ->Args({100000, 1000000})  // 1e5 targets, 1e11 simulations a call
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  benchmark::RegisterBenchmark("BM_CudaPlainFamily", BM_CudaPlainFamily)
      ->ArgNames({"family", "sims"})
      ->Args({0, 1000000})  // smoke sizes
      ->Args({1, 1000000})
      ->Args({2, 1000000})
      ->Args({0, 100000000})
      ->Args({1, 100000000})
      ->Args({2, 100000000})
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  benchmark::RegisterBenchmark("BM_CudaMixtureAccumulate", BM_CudaMixtureAccumulate)
      ->ArgName("J")
      ->Arg(1000)
      ->Arg(10000)
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  benchmark::RegisterBenchmark("BM_CudaMixtureAccumulate", BM_CudaMixtureAccumulate)
      ->ArgName("J")
      ->Arg(100000)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  // The seed's scale, and 41 × 20,000, where the seed's numpy ran out of 24 GB.
  benchmark::RegisterBenchmark("BM_CudaDenseSeedProblem", BM_CudaDenseSeedProblem)
      ->Args({11, 1000})
      ->Args({41, 20000})
      ->Apply(dense_sizes);
  register_dense_sizes_from_environment();
  benchmark::RegisterBenchmark("BM_CudaImportanceStudy", BM_CudaImportanceStudy)
      ->ArgName("J")
      ->Arg(100)  // smoke size
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_CudaImportanceStudy", BM_CudaImportanceStudy)
      ->ArgName("J")
      ->Arg(100000)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

#endif  // ISMC_HAVE_CUDA

// Registered at start-up: the CUDA benchmarks where a device is present, else one that skips
// with the reason (the smoke run then passes on a machine without a GPU).
const bool cuda_benchmarks_registered = [] {
  if (!ismc::bench::cuda_device_present("BM_CudaRatesNoDevice")) return false;
#if defined(ISMC_HAVE_CUDA)
  register_cuda_benchmarks();
  return true;
#else
  return false;
#endif
}();

}  // namespace

#pragma once
// Helpers shared by the benchmarks: the plain Monte Carlo runner (bench_plain,
// bench_families), the seed's mixture problem and its counts of log-density
// ratios (bench_importance, bench_cuda_rates), peak memory, sizes from the environment, and
// the no-device skip of the CUDA cases (bench_nuts, bench_cuda_rates).

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/devices.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc::bench {

/// `count` evenly spaced values from `lower` to `upper` inclusive (numpy's linspace).
inline std::vector<double> evenly_spaced(double lower, double upper, std::size_t count) {
  std::vector<double> values(count, lower);
  for (std::size_t j = 1; j < count; ++j) {
    values[j] = lower + (upper - lower) * static_cast<double>(j) / static_cast<double>(count - 1);
  }
  return values;
}

/// Runs plain Monte Carlo of `model` at `targets` with `state.range(0)` simulations per
/// target on the CPU backend, and reports simulations per second.
inline void run_plain_benchmark(benchmark::State& state, const ismc::model& model,
                                const std::vector<double>& targets) {
  auto cpu = ismc::make_cpu_backend();
  ismc::run_spec run;
  ismc::plain_spec plain;
  plain.sims = static_cast<std::uint64_t>(state.range(0));
  const std::size_t n_targets = targets.size() / model.dim();
  for (auto _ : state) {
    auto result = ismc::estimate_plain(model, targets, run, plain, *cpu);
    benchmark::DoNotOptimize(result);
  }
  const double sims = static_cast<double>(state.iterations()) * static_cast<double>(n_targets) *
                      static_cast<double>(plain.sims);
  state.counters["sims_per_second"] = benchmark::Counter(sims, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(sims));
}

/// Peak resident set size of the whole process so far, in MB (Linux reports KiB). It never
/// decreases, so a benchmark's value also covers every benchmark run before it in the process.
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

/// Σ_j |S_j| · N · |S_j|: the nominal log-density ratios of the streamed estimator.
inline double streamed_ratios(const ismc::mixture_weights& weights,
                              std::uint64_t sims_per_proposal) {
  double ratios = 0.0;
  for (std::size_t j = 0; j < weights.targets(); ++j) {
    const double support = static_cast<double>(weights.offsets[j + 1] - weights.offsets[j]);
    ratios += support * static_cast<double>(sims_per_proposal) * support;
  }
  return ratios;
}

/// The seed's five k-means centres (bench/peers/seed_numpy.py's CENTRES).
inline const std::vector<double> seed_centres{2.1, 2.4, 2.8, 3.3, 4.1};

/// A mixture problem in the seed's shape: J targets linspace(−2, 2, J), C fixed cluster
/// centres; proposals are the targets' own parameters then the centres (K = J + C); target j
/// has w_jj = 0.01 and the cluster columns (1 − 0.01) n_jc / Σ_c n_jc with the made-up pilot
/// counts n_jc = 1 + (7j + 3c) mod 10. With seed_centres this is the seed's dense problem,
/// bench/peers/seed_numpy.py's build_problem. The weights are built sparse, entry for entry
/// what mixture_weights::from_dense gives of the dense J × K matrix (proposals in increasing
/// order), which at J = 10^5 would take 80 GB.
struct seed_like_problem {
  static constexpr double self_weight = 0.01;
  std::vector<double> targets;
  std::vector<double> proposals;
  ismc::mixture_weights weights;
  std::size_t n_targets = 0;
  std::size_t n_proposals = 0;

  seed_like_problem(std::size_t n_targets_in, const std::vector<double>& centres)
      : n_targets(n_targets_in) {
    const std::size_t n_clusters = centres.size();
    n_proposals = n_targets + n_clusters;
    targets = evenly_spaced(-2.0, 2.0, n_targets);
    proposals = targets;
    proposals.insert(proposals.end(), centres.begin(), centres.end());
    std::vector<double> counts(n_clusters);
    for (std::size_t j = 0; j < n_targets; ++j) {
      double total = 0.0;
      for (std::size_t c = 0; c < n_clusters; ++c) {
        counts[c] = static_cast<double>(1 + (7 * j + 3 * c) % 10);
        total += counts[c];
      }
      weights.proposal.push_back(static_cast<std::uint32_t>(j));
      weights.weight.push_back(self_weight);
      for (std::size_t c = 0; c < n_clusters; ++c) {
        weights.proposal.push_back(static_cast<std::uint32_t>(n_targets + c));
        weights.weight.push_back((1.0 - self_weight) * counts[c] / total);
      }
      weights.offsets.push_back(weights.proposal.size());
    }
  }

  /// The problem with `sims_per_proposal` draws of every proposal, seed 42.
  ismc::mixture_problem problem(std::uint64_t sims_per_proposal) const {
    ismc::mixture_problem p;
    p.targets = targets.data();
    p.n_targets = n_targets;
    p.proposals = proposals.data();
    p.n_proposals = n_proposals;
    p.weights = &weights;
    p.sims_per_proposal = sims_per_proposal;
    p.seed = 42;
    return p;
  }

  /// N·J·K·M, M = K: the log-density ratios of the seed's dense four-index computation (and
  /// of its JAX imp_est).
  double dense_ratios(std::uint64_t sims_per_proposal) const {
    const double k = static_cast<double>(n_proposals);
    return static_cast<double>(sims_per_proposal) * static_cast<double>(n_targets) * k * k;
  }
};

/// The (J, N) pairs of an environment variable "J:N,J:N" (none when it is unset); a
/// malformed item stops the program with exit code 2.
inline std::vector<std::pair<long, long>> sizes_from_environment(const char* variable) {
  std::vector<std::pair<long, long>> sizes;
  const char* text = std::getenv(variable);
  if (text == nullptr) return sizes;
  std::istringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    const std::size_t colon = item.find(':');
    const long n_targets =
        colon == std::string::npos ? 0 : std::strtol(item.substr(0, colon).c_str(), nullptr, 10);
    const long sims =
        colon == std::string::npos ? 0 : std::strtol(item.substr(colon + 1).c_str(), nullptr, 10);
    if (n_targets < 2 || sims < 2) {
      std::fprintf(stderr, "%s: '%s' is not J:N with J >= 2 and N >= 2\n", variable, item.c_str());
      std::exit(2);
    }
    sizes.emplace_back(n_targets, sims);
  }
  return sizes;
}

/// Whether a CUDA device can be used at run time. Where none can, registers `skip_name`, one
/// benchmark that skips with the reason, so that the CTest smoke run passes on a CPU-only
/// machine.
inline bool cuda_device_present(const char* skip_name) {
  const ismc::cuda_devices found = ismc::list_cuda_devices();
  if (!found.devices.empty()) return true;
  const std::string message = "no CUDA device: " + found.why_none;
  benchmark::RegisterBenchmark(
      skip_name, [message](benchmark::State& state) { state.SkipWithError(message.c_str()); });
  return false;
}

}  // namespace ismc::bench

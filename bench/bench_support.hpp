#pragma once
// Helpers shared by the rejection-rate benchmarks (bench_importance, bench_cuda_rates).

#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ismc/mixture.hpp"

namespace ismc::bench {

/// `count` evenly spaced values from `lower` to `upper` inclusive (numpy's linspace).
inline std::vector<double> evenly_spaced(double lower, double upper, std::size_t count) {
  std::vector<double> values(count, lower);
  for (std::size_t j = 1; j < count; ++j) {
    values[j] = lower + (upper - lower) * static_cast<double>(j) / static_cast<double>(count - 1);
  }
  return values;
}

/// Peak resident set size of the whole process so far, in MB (Linux reports KiB). It never
/// decreases, so a benchmark's value also covers every benchmark run before it in the process.
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

/// Σ_j |S_j| · N · |S_j|: the nominal log-density ratios of the streamed estimator.
inline double streamed_ratios(const ismc::mixture_weights& weights, std::uint64_t sims_per_proposal) {
  double ratios = 0.0;
  for (std::size_t j = 0; j < weights.targets(); ++j) {
    const double support = static_cast<double>(weights.offsets[j + 1] - weights.offsets[j]);
    ratios += support * static_cast<double>(sims_per_proposal) * support;
  }
  return ratios;
}

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

}  // namespace ismc::bench

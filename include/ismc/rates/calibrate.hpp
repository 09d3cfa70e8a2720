#pragma once
/// @file calibrate.hpp
/// @brief Method `calibrate`: the critical value that controls the type I error over the
/// whole null region (imprint, arXiv 2212.10042).
///
/// At each null tile's centre, K statistics s(x) are simulated; α₀ is the inverse
/// Tilt-Bound of α over the tile, m = ⌊(K + 1) α₀⌋, and the tile's threshold is the m-th
/// largest statistic (at most m − 1 exceed it). The critical value is the largest threshold
/// over the null tiles, and a test rejects when s > critical, strictly; then
/// E f_θ(critical) ≤ α at every null θ (docs/spec/rejection-rates.md). Selection is fused
/// into the simulation: each task keeps only its m largest statistics in a bounded
/// min-heap (`top_values`), never all K.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc {

/// The m largest values of a stream, by a bounded min-heap: O(1) for a value below the
/// current m-th largest, O(log m) to keep one; no sort of the whole stream.
class top_values {
 public:
  /// @param capacity m, the number of values kept (0 keeps none)
  explicit top_values(std::size_t capacity);
  /// Offers a value: kept when fewer than m are held or it exceeds the smallest held
  /// (which it then replaces). NaN (a statistic that never rejects) is ignored.
  void push(double value);
  /// Values held: min(m, values offered that were not NaN).
  std::size_t size() const { return heap_.size(); }
  /// The number m of values kept.
  std::size_t capacity() const { return capacity_; }
  /// The smallest value held: the m-th largest offered once `size() == capacity()`;
  /// −∞ while fewer than m are held (every statistic then exceeds it).
  double smallest() const;
  /// The values held, in heap order.
  const std::vector<double>& values() const { return heap_; }

 private:
  std::size_t capacity_;
  std::vector<double> heap_;
};

/// m = ⌊(K + 1) α₀⌋, the rank of the tile's threshold among its K statistics.
std::uint64_t calibration_rank(double alpha0, std::uint64_t sims);

/// The smallest K with ⌊(K + 1) α₀⌋ ≥ 1 (α₀ in (0, 1)).
std::uint64_t smallest_calibration_sims(double alpha0);

/// α₀ of every tile that meets the null region, in target order (0 for the others), from
/// a validated study with `run.method` = calibrate.
/// @throws input_error naming `calibrate.sims` (and the smallest K that works) when m = 0
/// at some null tile, or `tiles.radii` when a tile is too wide for any α₀ ≥ 1e-300
std::vector<double> calibration_alpha0(const rates_study& study);

/// Runs method `calibrate` on the host (the CPU reference): the null tiles' thresholds and
/// the critical value, then, at the other tiles, K statistics each counted against the
/// critical value. Rows at every target: the rate of the calibrated test (rejections of
/// the K statistics above the critical value, in-sample at the null tiles, where it is at
/// most (m − 1)/K), its Clopper–Pearson bounds, the exact rate at the critical value, and
/// at the null tiles `alpha0` and `threshold`; `rates_result::calibration` the summary.
/// Random numbers are the plain targets' (core/streams.hpp). A `backend` other than the
/// CPU is noted in the warnings: calibration runs on the host.
/// @param study a validated study with `run.method` = calibrate (its own model: the
/// statistic value s(x) of the family is simulated)
rates_result calibrate_critical(const rates_study& study, backend& backend,
                                const run_hooks& hooks = {});

}  // namespace ismc

#pragma once
/// @file model.hpp
/// @brief A model for rejection-rate studies: a parametric family p_θ(x) and a test φ(x).
///
/// The estimators see a model only through this interface, so a new family or a new test
/// plugs in without touching them. Per-sample work is virtual only at the granularity of a
/// batch (`count_rejections`); families with a fast path override it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ismc/core/rng.hpp"

namespace ismc {

class backend;

/// A parametric family with a test of its samples.
class model {
 public:
  virtual ~model() = default;

  /// Length d of a parameter vector θ.
  virtual std::size_t dim() const = 0;

  /// Length of one simulated sample x (the sufficient statistics); d by default.
  virtual std::size_t sample_size() const { return dim(); }

  /// A short name for output, e.g. `gaussian/one_sided`.
  virtual std::string name() const = 0;

  /// Simulates sample number `sim` of stream `s` at parameter `theta` into `x`
  /// (`sample_size()` values). Must be a pure function of its arguments.
  virtual void simulate(const double* theta, random_stream s, std::uint64_t sim,
                        double* x) const = 0;

  /// Simulates samples sim_begin … sim_begin + count − 1 of stream `s` at `theta` into `xs`
  /// (row-major, `sample_size()` values each): the same bits as `simulate` one at a time,
  /// which the default calls. A model with a faster batch (`family_model` of a family with
  /// `simulate_batch`, rates/family.hpp) overrides it; the host loops simulate in blocks
  /// through it, so no result depends on where a block starts.
  virtual void simulate_many(const double* theta, random_stream s, std::uint64_t sim_begin,
                             std::size_t count, double* xs) const;

  /// The test's decision on sample `x`: true means reject.
  virtual bool reject(const double* x) const = 0;

  /// Batch form of `reject`: rejected[r] = 1 where `reject` is true of sample r of the
  /// `count` samples stored row-major in `xs`, else 0. The default calls `reject` per sample;
  /// `family_model` inlines its test.
  virtual void reject_many(const double* xs, std::size_t count, std::uint8_t* rejected) const;

  /// log p_m(x) − log p_j(x): the log-density ratio of parameter `theta_m` against
  /// `theta_j` at sample `x`.
  virtual double log_density_ratio(const double* theta_m, const double* theta_j,
                                   const double* x) const = 0;

  /// Batch form of `log_density_ratio`: out[r] = log p_m(x_r) − log p_j(x_r) for `count`
  /// samples stored row-major in `xs`. The default calls `log_density_ratio` per sample.
  virtual void log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                                  std::size_t count, double* out) const;

  /// Length of the point k-means clusters for one sample (`cluster_point`); the sample's
  /// length by default.
  virtual std::size_t cluster_size() const { return sample_size(); }

  /// The point k-means clusters for sample `x` (`cluster_size()` values): the sample
  /// itself by default; a family's mean parameters per observation, T(x)/n
  /// (`family_model`, rates/family.hpp). The pilot pools these points and labels them by
  /// their nearest centre.
  virtual void cluster_point(const double* x, double* point) const;

  /// Maps the centre of a cluster of rejected samples' points (`cluster_point`) to a
  /// proposal parameter (the mean-value parameterization). Writes `dim()` values to `theta`.
  virtual void proposal_from_mean(const double* sample_mean, double* theta) const = 0;

  /// The exact rejection rate at `theta`, when the test has one.
  virtual std::optional<double> exact_rate(const double* /*theta*/) const { return std::nullopt; }

  /// Whether the device kernels compute exactly this model: its `simulate`, `reject`,
  /// `log_density_ratio`, `cluster_point` and `sample_size`, bit for bit in distribution.
  /// False by default: a backend on a device runs such a model's stages on the host (the
  /// CPU reference), and the study records and warns about it (`stage_record`,
  /// rates/backend.hpp). True exactly for a `family_model` of a family the kernels were
  /// compiled for (`compiled_for_device`, rates/family.hpp), which seals those members.
  virtual bool has_device_form() const { return false; }

  /// The device stages a program compiled for this model's family in its own translation
  /// unit (`family_cuda_backend`, ismc/kernels/family_kernels.cuh; attached by
  /// `register_model`, rates/registry.hpp, when nvcc compiles the registration): the CUDA
  /// backend runs the model's device stages through them. Null by default (the library's
  /// own families are found by type; any other model runs on the host).
  virtual backend* device_stages() const { return nullptr; }

  /// Number of rejections among simulations [sim_begin, sim_end) of stream `s` at `theta`.
  /// The default simulates and decides one sample at a time.
  virtual std::uint64_t count_rejections(const double* theta, random_stream s,
                                         std::uint64_t sim_begin, std::uint64_t sim_end) const;
};

/// Simulations per block in the host loops that simulate through `model::simulate_many`:
/// about 32 KiB of samples (L1), at least 16 (one vector batch of normals).
/// @param sample_size the length of one sample
inline std::size_t simulate_block_size(std::size_t sample_size) {
  const std::size_t by_size = 4096 / (sample_size > 0 ? sample_size : 1);
  return by_size < 16 ? 16 : (by_size > 512 ? 512 : by_size);
}

}  // namespace ismc

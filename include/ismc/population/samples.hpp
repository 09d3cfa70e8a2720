#pragma once
/// @file samples.hpp
/// @brief Per-object posterior samples of the population study (seed 000): their layout,
/// their checks, and the seed's simulated setting that draws them.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ismc {

/// Per-object posterior samples μ_i^(n), ragged: object i owns
/// values[offsets[i] … offsets[i + 1]). `log_p0` is empty (flat interim prior) or holds
/// ln p0 of every sample.
struct population_samples {
  std::vector<std::size_t> offsets{0};
  std::vector<double> values;
  std::vector<double> log_p0;

  std::size_t objects() const { return offsets.size() - 1; }
  std::size_t samples(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

/// The same layout, borrowed: pointers into arrays that someone else owns (a NumPy array,
/// a memory-mapped file), so that large samples are never copied. Object i owns
/// values[offsets[i] … offsets[i + 1]); `log_p0` is null (flat interim prior) or holds ln p0
/// of every sample. The arrays must outlive every call that is given the view.
struct population_samples_view {
  const std::size_t* offsets = nullptr;  ///< objects + 1 offsets, from 0 to `size`
  std::size_t objects = 0;               ///< number of objects
  const double* values = nullptr;        ///< the samples μ_i^(n), `size` of them
  std::size_t size = 0;                  ///< number of samples of all objects
  const double* log_p0 = nullptr;        ///< ln p0 per sample, or null for a flat prior
};

/// A view of `samples` (valid while `samples` lives and is not changed).
population_samples_view view_of(const population_samples& samples);

/// The checks of `validate(const population_samples&)` on a view (the same messages).
void validate(const population_samples_view& samples);

/// Checks sizes, finiteness and (with log_p0) that every interim density is positive and
/// finite; throws `input_error` (file "", field `samples` / `log_p0`, the object named).
void validate(const population_samples& samples);

/// The seed's simulated setting.
struct population_setting {
  std::size_t objects = 1000;
  double theta_mu = 0.0;
  double theta_sigma = 1.0;
  double alpha = 1.0;  ///< measurement noise of x_i
  std::size_t samples_per_object = 1000;
};

/// Simulated data: true μ_i, observations x_i ~ N(μ_i, α), and per-object posterior
/// samples under a flat interim prior, μ_i^(n) ~ N(x_i, α²). Counter-based: a pure
/// function of (setting, seed).
struct population_data {
  std::vector<double> mu;
  std::vector<double> x;
  population_samples samples;
};
population_data simulate_population(const population_setting& setting, std::uint64_t seed);

/// Per-object posterior samples under a flat interim prior for observations x with noise
/// α: μ_i^(n) = x_i + α z, z ~ N(0, 1), `samples_per_object` each (log_p0 left empty).
/// Counter-based (`streams::posterior_samples(seed)`, the object's index as the simulation): the
/// samples that `simulate_population(setting, seed)` draws for its x, and, with other seeds, fresh
/// samples for the same x. Throws `usage_error` for an empty or non-finite x, α ≤ 0 or not
/// finite, or samples_per_object outside [1, INT_MAX].
population_samples draw_flat_prior_samples(const std::vector<double>& x, double alpha,
                                           std::size_t samples_per_object, std::uint64_t seed);

}  // namespace ismc

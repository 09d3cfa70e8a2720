#include "ismc/population/samples.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/core/number_text.hpp"
#include "core/parallel.hpp"

namespace ismc {

void validate(const population_samples& samples) {
  const auto& offsets = samples.offsets;
  if (offsets.empty() || offsets.front() != 0) {
    throw input_error("", 0, "samples",
                      offsets.empty()
                          ? std::string("offsets is empty; expected objects + 1 "
                                        "offsets starting at 0")
                          : "offsets start at " + std::to_string(offsets.front()) + "; expected 0");
  }
  if (offsets.size() < 2) {
    throw input_error("", 0, "samples", "no objects; expected at least one");
  }
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (offsets[i + 1] < offsets[i]) {
      throw input_error("", 0, "samples",
                        "object " + std::to_string(i) + ": offsets decrease from " +
                            std::to_string(offsets[i]) + " to " + std::to_string(offsets[i + 1]));
    }
    if (offsets[i + 1] == offsets[i]) {
      throw input_error("", 0, "samples",
                        "object " + std::to_string(i) + " has no samples; expected at least one");
    }
  }
  if (offsets.back() != samples.values.size()) {
    throw input_error("", 0, "samples",
                      "offsets end at " + std::to_string(offsets.back()) + " but there are " +
                          std::to_string(samples.values.size()) + " values");
  }
  const bool with_log_p0 = !samples.log_p0.empty();
  if (with_log_p0 && samples.log_p0.size() != samples.values.size()) {
    throw input_error("", 0, "log_p0",
                      "has " + std::to_string(samples.log_p0.size()) + " values; expected " +
                          std::to_string(samples.values.size()) +
                          " (one per sample) or none (a flat interim prior)");
  }
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    for (std::size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      if (!std::isfinite(samples.values[k])) {
        throw input_error("", 0, "samples",
                          "object " + std::to_string(i) + ", sample " +
                              std::to_string(k - offsets[i]) + ": value " +
                              number_text(samples.values[k]) + " is not finite");
      }
      if (with_log_p0 && !std::isfinite(samples.log_p0[k])) {
        throw input_error("", 0, "log_p0",
                          "object " + std::to_string(i) + ", sample " +
                              std::to_string(k - offsets[i]) +
                              ": ln p0 = " + number_text(samples.log_p0[k]) +
                              "; the interim density must be positive and finite");
      }
    }
  }
}

population_samples draw_flat_prior_samples(const std::vector<double>& x, double alpha,
                                           std::size_t samples_per_object, std::uint64_t seed) {
  if (x.empty()) throw usage_error("draw_flat_prior_samples: x is empty; expected ≥ 1 object");
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw usage_error("draw_flat_prior_samples: alpha must be finite and > 0, got " +
                      number_text(alpha));
  }
  // An object's samples are one Philox simulation: at most 2^25 normals (core/streams.hpp).
  static_assert(streams::max_normals_per_draw <=
                static_cast<std::uint64_t>(std::numeric_limits<int>::max()));
  if (samples_per_object == 0 || samples_per_object > streams::max_normals_per_draw) {
    throw usage_error("draw_flat_prior_samples: samples_per_object must be between 1 and " +
                      std::to_string(streams::max_normals_per_draw) + ", got " +
                      std::to_string(samples_per_object));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw usage_error("draw_flat_prior_samples: x[" + std::to_string(i) +
                        "] = " + number_text(x[i]) + " is not finite");
    }
  }
  const std::size_t objects = x.size();
  population_samples samples;
  samples.offsets.resize(objects + 1);
  for (std::size_t i = 0; i <= objects; ++i) samples.offsets[i] = i * samples_per_object;
  samples.values.resize(objects * samples_per_object);
  const random_stream stream = streams::posterior_samples(seed);
  // Each object's normals are a pure function of (seed, object): any split is the same.
  detail::parallel_for(objects, 0, [&](std::size_t i) {
    double* mu = samples.values.data() + i * samples_per_object;
    standard_normals(stream, i, mu, static_cast<int>(samples_per_object));
    for (std::size_t n = 0; n < samples_per_object; ++n) mu[n] = x[i] + alpha * mu[n];
  });
  return samples;
}

population_data simulate_population(const population_setting& setting, std::uint64_t seed) {
  if (setting.objects == 0) {
    throw usage_error("simulate_population: objects must be ≥ 1, got 0");
  }
  if (!std::isfinite(setting.theta_mu)) {
    throw usage_error("simulate_population: theta_mu must be finite, got " +
                      number_text(setting.theta_mu));
  }
  if (!(setting.theta_sigma > 0.0) || !std::isfinite(setting.theta_sigma)) {
    throw usage_error("simulate_population: theta_sigma must be finite and > 0, got " +
                      number_text(setting.theta_sigma));
  }
  if (!(setting.alpha > 0.0) || !std::isfinite(setting.alpha)) {
    throw usage_error("simulate_population: alpha must be finite and > 0, got " +
                      number_text(setting.alpha));
  }
  population_data data;
  data.mu.resize(setting.objects);
  data.x.resize(setting.objects);
  const random_stream mu_stream = streams::true_mu(seed);
  const random_stream x_stream = streams::observation(seed);
  for (std::size_t i = 0; i < setting.objects; ++i) {
    double z_mu, z_x;
    standard_normals(mu_stream, i, &z_mu, 1);
    standard_normals(x_stream, i, &z_x, 1);
    data.mu[i] = setting.theta_mu + setting.theta_sigma * z_mu;
    data.x[i] = data.mu[i] + setting.alpha * z_x;
  }
  data.samples = draw_flat_prior_samples(data.x, setting.alpha, setting.samples_per_object, seed);
  return data;
}

}  // namespace ismc

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

population_samples_view view_of(const population_samples& samples) {
  population_samples_view view;
  view.offsets = samples.offsets.data();
  view.objects = samples.offsets.empty() ? 0 : samples.offsets.size() - 1;
  view.values = samples.values.data();
  view.size = samples.values.size();
  view.log_p0 = samples.log_p0.empty() ? nullptr : samples.log_p0.data();
  return view;
}

namespace {

void fail(const std::string& field, const std::string& message) {
  throw input_error("", 0, field, message);
}

// The offsets: from 0, at least one object, each with at least one sample, to `size`.
void check_offsets(const population_samples_view& samples) {
  const std::size_t* offsets = samples.offsets;
  if (offsets == nullptr) fail("samples", got_expected("no offsets", "objects + 1 offsets from 0"));
  if (offsets[0] != 0) {
    fail("samples", got_expected("offsets starting at " + std::to_string(offsets[0]),
                                 "offsets starting at 0"));
  }
  if (samples.objects == 0) fail("samples", got_expected("no objects", "at least one"));
  for (std::size_t i = 0; i < samples.objects; ++i) {
    if (offsets[i + 1] < offsets[i]) {
      fail("samples", "object " + std::to_string(i) + ": " +
                          got_expected("offsets decreasing from " + std::to_string(offsets[i]) +
                                           " to " + std::to_string(offsets[i + 1]),
                                       "non-decreasing offsets"));
    }
    if (offsets[i + 1] == offsets[i]) {
      fail("samples",
           "object " + std::to_string(i) + ": " + got_expected("no samples", "at least one"));
    }
  }
  if (offsets[samples.objects] != samples.size) {
    fail("samples", got_expected("offsets ending at " + std::to_string(offsets[samples.objects]),
                                 "offsets ending at the number of values, " +
                                     std::to_string(samples.size) + " values"));
  }
}

// Every sample (and ln p0) finite.
void check_values(const population_samples_view& samples) {
  const bool with_log_p0 = samples.log_p0 != nullptr;
  for (std::size_t i = 0; i < samples.objects; ++i) {
    for (std::size_t k = samples.offsets[i]; k < samples.offsets[i + 1]; ++k) {
      // The message's place is written only on failure (a string per sample would cost
      // more than a hyper-likelihood call's arithmetic on them).
      if (std::isfinite(samples.values[k]) && (!with_log_p0 || std::isfinite(samples.log_p0[k]))) {
        continue;
      }
      const std::string where = "object " + std::to_string(i) + ", sample " +
                                std::to_string(k - samples.offsets[i]) + ": ";
      if (!std::isfinite(samples.values[k])) {
        fail("samples", where + got_expected(samples.values[k], "a finite value"));
      }
      if (with_log_p0 && !std::isfinite(samples.log_p0[k])) {
        fail("log_p0", where + got_expected(samples.log_p0[k],
                                            "the finite log of a positive interim density"));
      }
    }
  }
}

}  // namespace

void validate(const population_samples& samples) {
  if (samples.offsets.empty()) {
    fail("samples", got_expected("no offsets", "objects + 1 offsets from 0"));
  }
  const population_samples_view view = view_of(samples);
  check_offsets(view);
  if (!samples.log_p0.empty() && samples.log_p0.size() != samples.values.size()) {
    fail("log_p0", got_expected(std::to_string(samples.log_p0.size()) + " values",
                                std::to_string(samples.values.size()) +
                                    " (one per sample) or none (a flat interim prior)"));
  }
  check_values(view);
}

void validate(const population_samples_view& samples) {
  check_offsets(samples);
  check_values(samples);
}

population_samples draw_flat_prior_samples(const std::vector<double>& x, double alpha,
                                           std::size_t samples_per_object, std::uint64_t seed) {
  const std::string function = "draw_flat_prior_samples: ";
  if (x.empty()) throw usage_error(bad_value(function + "x", "no values", "at least one object"));
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw usage_error(bad_value(function + "alpha", alpha, "a finite value > 0"));
  }
  // An object's samples are one Philox simulation: at most 2^25 normals (core/streams.hpp).
  static_assert(streams::max_normals_per_draw <=
                static_cast<std::uint64_t>(std::numeric_limits<int>::max()));
  if (samples_per_object == 0 || samples_per_object > streams::max_normals_per_draw) {
    throw usage_error(
        bad_value(function + "samples_per_object", samples_per_object,
                  "an integer in [1, " + std::to_string(streams::max_normals_per_draw) + "]"));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw usage_error(
          bad_value(function + "x[" + std::to_string(i) + "]", x[i], "a finite value"));
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
  const std::string function = "simulate_population: ";
  if (setting.objects == 0) {
    throw usage_error(bad_value(function + "objects", setting.objects, "an integer >= 1"));
  }
  if (!std::isfinite(setting.theta_mu)) {
    throw usage_error(bad_value(function + "theta_mu", setting.theta_mu, "a finite value"));
  }
  if (!(setting.theta_sigma > 0.0) || !std::isfinite(setting.theta_sigma)) {
    throw usage_error(
        bad_value(function + "theta_sigma", setting.theta_sigma, "a finite value > 0"));
  }
  if (!(setting.alpha > 0.0) || !std::isfinite(setting.alpha)) {
    throw usage_error(bad_value(function + "alpha", setting.alpha, "a finite value > 0"));
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

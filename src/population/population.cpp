#include "ismc/population/samples.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/exact_posterior.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/number_text.hpp"
#include "core/parallel.hpp"
#include "population/hyper_likelihood_avx512.hpp"
#include "population/population_math.hpp"

namespace ismc {
namespace {

constexpr double negative_infinity = -std::numeric_limits<double>::infinity();
constexpr double positive_infinity = std::numeric_limits<double>::infinity();

// The random streams of simulate_population (all counter-based, sim = the object's index).
constexpr std::uint32_t true_mu_stream = 1;
constexpr std::uint32_t observation_stream = 2;
constexpr std::uint32_t posterior_sample_stream = 3;

// The flat priors of the hyper-parameters.
using detail::inside_priors;
using detail::theta_mu_lower;
using detail::theta_mu_upper;
using detail::theta_sigma_upper;

// The mean of values and Σ (v − mean)², in two passes.
struct mean_and_squares {
  double mean;
  double squares;
};
mean_and_squares moments_of(const std::vector<double>& values) {
  double mean = 0.0;
  for (double value : values) mean += value;
  mean /= static_cast<double>(values.size());
  double squares = 0.0;
  for (double value : values) squares += (value - mean) * (value - mean);
  return {mean, squares};
}


// ---------------------------------------------------------------------------------------
// The hyper-likelihood on the CPU.
//
// Work is split into tasks of (a fixed chunk of objects) × (a fixed group of θ): the
// split depends on the problem's sizes only, every (θ, object) term is computed by one
// task in one fixed order, and the per-task partial sums are added in task order, so the
// result is bit-identical for any number of threads (and a θ gets the same value in any
// batch). Within a task, an object's samples are read from cache once per θ of the group.

constexpr std::size_t objects_per_chunk = 16;
constexpr std::size_t thetas_per_group = 16;

// Threads are started per call (detail::parallel_for), at some tens of microseconds each:
// a call gets one per this many terms (about 70 µs of one core's work), at least one.
constexpr double min_terms_per_thread = 131072.0;

// Samples are processed in blocks of `block_size`: the scaled weights e_n of a block are
// written to a buffer by one flat loop (which the compiler vectorizes, exp included), then
// summed in `lanes` interleaved partial sums that are added in lane order at the end, so
// the order of every addition is fixed whatever vector width the compiler picks.
constexpr std::size_t block_size = 512;
constexpr std::size_t lanes = 16;

// Below this, the scaled weights of the flat-prior fast path may have lost precision to
// the floor of exp2_minus (2^−1021 stands for anything smaller), and the object is
// redone with the exact shift; at or above it, the floor moves the sum by less than
// S · 2^−221 of itself. (With the exact shift the sum is ≥ 1.)
constexpr double smallest_bounded_sum = 0x1p-800;

// The sample loop is compiled several times over, see accumulate_flat below. (Clang 14
// takes no x86-64-vN levels in target_clones: it gets AVX-512 and AVX2 by feature.)
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#if defined(__clang__)
#define ISMC_SAMPLE_LOOP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ISMC_SAMPLE_LOOP_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#define ISMC_SAMPLE_LOOP_INLINE __attribute__((always_inline)) inline
#endif
#endif
#ifndef ISMC_SAMPLE_LOOP_CLONES
#define ISMC_SAMPLE_LOOP_CLONES
#define ISMC_SAMPLE_LOOP_INLINE inline
#endif

// Adds e[0 .. padded) (padded a multiple of `lanes`) to the running sums of e and e²: lane
// l sums e[l], e[l + lanes], …, and the lanes are added in order at the end. Written with
// GCC/Clang vector types (two independent 8-double accumulators, so the additions overlap)
// because the auto-vectorizer shuffles this loop badly; elsewhere, the same order in
// scalars.
ISMC_SAMPLE_LOOP_INLINE void add_scaled_weights(const double* e, std::size_t padded,
                                                double* sum_exp, double* sum_exp2) {
  double first[lanes], second[lanes];
#if defined(__GNUC__)
  typedef double half_lanes_vector __attribute__((vector_size(lanes / 2 * sizeof(double))));
  half_lanes_vector first_low = {}, first_high = {}, second_low = {}, second_high = {};
  for (std::size_t n = 0; n < padded; n += lanes) {
    half_lanes_vector low, high;
    std::memcpy(&low, e + n, sizeof low);
    std::memcpy(&high, e + n + lanes / 2, sizeof high);
    first_low += low;
    first_high += high;
    second_low += low * low;
    second_high += high * high;
  }
  std::memcpy(first, &first_low, sizeof first_low);
  std::memcpy(first + lanes / 2, &first_high, sizeof first_high);
  std::memcpy(second, &second_low, sizeof second_low);
  std::memcpy(second + lanes / 2, &second_high, sizeof second_high);
#else
  for (std::size_t l = 0; l < lanes; ++l) first[l] = second[l] = 0.0;
  for (std::size_t n = 0; n < padded; n += lanes) {
    for (std::size_t l = 0; l < lanes; ++l) {
      first[l] += e[n + l];
      second[l] += e[n + l] * e[n + l];
    }
  }
#endif
  for (std::size_t l = 0; l < lanes; ++l) {
    *sum_exp += first[l];
    *sum_exp2 += second[l];
  }
}

// The maximum of values[0 .. padded) (padded a multiple of `lanes`), NaN ignored. Vector
// types as above (the order does not matter: max is exact).
ISMC_SAMPLE_LOOP_INLINE double block_maximum(const double* values, std::size_t padded) {
  double lane_max[lanes];
#if defined(__GNUC__)
  typedef double half_lanes_vector __attribute__((vector_size(lanes / 2 * sizeof(double))));
  half_lanes_vector low, high;
  for (std::size_t l = 0; l < lanes / 2; ++l) low[l] = high[l] = negative_infinity;
  for (std::size_t n = 0; n < padded; n += lanes) {
    half_lanes_vector next_low, next_high;
    std::memcpy(&next_low, values + n, sizeof next_low);
    std::memcpy(&next_high, values + n + lanes / 2, sizeof next_high);
    low = next_low > low ? next_low : low;
    high = next_high > high ? next_high : high;
  }
  std::memcpy(lane_max, &low, sizeof low);
  std::memcpy(lane_max + lanes / 2, &high, sizeof high);
#else
  for (std::size_t l = 0; l < lanes; ++l) lane_max[l] = negative_infinity;
  for (std::size_t n = 0; n < padded; n += lanes) {
    for (std::size_t l = 0; l < lanes; ++l) {
      lane_max[l] = values[n + l] > lane_max[l] ? values[n + l] : lane_max[l];
    }
  }
#endif
  double maximum = lane_max[0];
  for (std::size_t l = 1; l < lanes; ++l) maximum = std::max(maximum, lane_max[l]);
  return maximum;
}

// Any interim prior, exact shift: per block, ln w and its maximum, then e = exp(ln w − max),
// and the block is merged into the object's accumulator.
template <bool with_log_p0, bool avx512_exp = false>
ISMC_SAMPLE_LOOP_INLINE detail::log_weight_accumulator accumulate_exact(
    const double* mu, const double* log_p0, std::size_t count, const detail::hyper_normal& theta) {
  alignas(64) double buffer[block_size];
  detail::log_weight_accumulator total;
  for (std::size_t start = 0; start < count; start += block_size) {
    const std::size_t size = std::min(block_size, count - start);
    const std::size_t padded = (size + lanes - 1) / lanes * lanes;
    const double* block_mu = mu + start;
    if constexpr (with_log_p0) {
      const double* block_log_p0 = log_p0 + start;
      for (std::size_t n = 0; n < size; ++n) {
        buffer[n] = detail::log_weight(theta, block_mu[n], block_log_p0[n]);
      }
    } else {
      for (std::size_t n = 0; n < size; ++n) buffer[n] = detail::log_weight(theta, block_mu[n]);
    }
    for (std::size_t n = size; n < padded; ++n) buffer[n] = negative_infinity;

    const double block_max = block_maximum(buffer, padded);
    if (block_max == negative_infinity) continue;  // every weight of the block is 0

#if defined(ISMC_HAVE_AVX512_LOOPS)
    if constexpr (avx512_exp) {
      detail::avx512::scale_block(buffer, padded, block_max);
    } else
#endif
    {
      for (std::size_t n = 0; n < size; ++n) buffer[n] = detail::exp_minus(block_max - buffer[n]);
    }
    for (std::size_t n = size; n < padded; ++n) buffer[n] = 0.0;
    detail::log_weight_accumulator block;
    block.max = block_max;
    add_scaled_weights(buffer, padded, &block.sum_exp, &block.sum_exp2);
    total.merge(block);
  }
  return total;
}

// Flat interim prior, in one pass: ln w = log_norm − u² ≤ log_norm, so the shift is
// log_norm and e = exp(−u²) ∈ (0, 1] needs no maximum. Where every sample lies so far
// from θ_μ (in units of θ_σ) that Σ e falls below `smallest_bounded_sum`, the exact
// shift takes over.
ISMC_SAMPLE_LOOP_INLINE detail::log_weight_accumulator accumulate_flat_bounded(
    const double* mu, std::size_t count, const detail::hyper_normal& theta) {
  alignas(64) double buffer[block_size];
  detail::log_weight_accumulator total;
  total.max = theta.log_norm;
  for (std::size_t start = 0; start < count; start += block_size) {
    const std::size_t size = std::min(block_size, count - start);
    const std::size_t padded = (size + lanes - 1) / lanes * lanes;
    const double* block_mu = mu + start;
    for (std::size_t n = 0; n < size; ++n)
      buffer[n] = detail::scaled_flat_weight(theta, block_mu[n]);
    for (std::size_t n = size; n < padded; ++n) buffer[n] = 0.0;
    add_scaled_weights(buffer, padded, &total.sum_exp, &total.sum_exp2);
  }
  return total;
}

// The two entry points of the sample loop (the helpers above are inlined into them). On
// x86-64 Linux, GCC and Clang compile them for AVX-512, AVX2 and baseline x86-64 and pick
// one at load time (`target_clones`), so the library runs anywhere and uses the wide
// vectors where they are. The AVX-512 and AVX2 versions may contract a·b + c into fused
// multiply-adds: results are bit-identical for any thread count on one machine and agree
// across instruction sets to rounding.

// All four take (samples, ln p0 or null, count, θ), so that a call picks one of them once.
ISMC_SAMPLE_LOOP_CLONES
detail::log_weight_accumulator accumulate_flat(const double* mu, const double* /*log_p0*/,
                                               std::size_t count,
                                               const detail::hyper_normal& theta) {
  const detail::log_weight_accumulator bounded = accumulate_flat_bounded(mu, count, theta);
  if (bounded.sum_exp >= smallest_bounded_sum) return bounded;
  return accumulate_exact<false>(mu, nullptr, count, theta);
}

ISMC_SAMPLE_LOOP_CLONES
detail::log_weight_accumulator accumulate_with_log_p0(const double* mu, const double* log_p0,
                                                      std::size_t count,
                                                      const detail::hyper_normal& theta) {
  return accumulate_exact<true>(mu, log_p0, count, theta);
}

// On a CPU with AVX-512F the same two loops with the table-driven 2^−t of
// population_avx512.hpp (about 25% fewer fused multiply-adds per term).
#if defined(ISMC_HAVE_AVX512_LOOPS)
__attribute__((target("avx512f,fma"))) detail::log_weight_accumulator accumulate_flat_avx512(
    const double* mu, const double* /*log_p0*/, std::size_t count,
    const detail::hyper_normal& theta) {
  const detail::log_weight_accumulator bounded =
      detail::avx512::accumulate_flat_bounded(mu, count, theta);
  if (bounded.sum_exp >= smallest_bounded_sum) return bounded;
  return accumulate_exact<false, true>(mu, nullptr, count, theta);
}

__attribute__((target("avx512f,fma"))) detail::log_weight_accumulator
accumulate_with_log_p0_avx512(const double* mu, const double* log_p0, std::size_t count,
                              const detail::hyper_normal& theta) {
  return accumulate_exact<true, true>(mu, log_p0, count, theta);
}
#endif

using accumulate_function = detail::log_weight_accumulator (*)(const double*, const double*,
                                                              std::size_t,
                                                              const detail::hyper_normal&);

// The sample loop of a call, picked once (the CPU's features are read once per process, so
// every thread of a run takes the same path).
accumulate_function pick_accumulate(bool with_log_p0) {
#if defined(ISMC_HAVE_AVX512_LOOPS)
  if (detail::avx512::available()) {
    return with_log_p0 ? accumulate_with_log_p0_avx512 : accumulate_flat_avx512;
  }
#endif
  return with_log_p0 ? accumulate_with_log_p0 : accumulate_flat;
}

// ln L̂ and σ² at `batch` θ, samples already validated.
void evaluate_hyper_likelihood(const population_samples& samples, const double* thetas,
                               std::size_t batch, hyper_likelihood_value* out,
                               std::vector<double>* per_object_ess, const run_hooks& hooks) {
  const std::size_t objects = samples.objects();
  if (per_object_ess != nullptr) per_object_ess->assign(objects, 0.0);
  if (batch == 0) return;

  std::vector<detail::hyper_normal> normals(batch);
  std::vector<char> valid(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    valid[b] = detail::make_hyper_normal(thetas[2 * b], thetas[2 * b + 1], &normals[b]);
  }

  const std::size_t chunks = (objects + objects_per_chunk - 1) / objects_per_chunk;
  const std::size_t groups = (batch + thetas_per_group - 1) / thetas_per_group;
  // partial[b · chunks + c]: chunk c's sums of ln L̂_i and σ²_i at θ_b.
  std::vector<double> partial_log(batch * chunks, 0.0), partial_variance(batch * chunks, 0.0);
  const bool with_log_p0 = !samples.log_p0.empty();
  const accumulate_function accumulate = pick_accumulate(with_log_p0);

  // A thread is started per call: only for at least min_terms_per_thread terms each.
  const double terms = static_cast<double>(samples.values.size()) * static_cast<double>(batch);
  const auto threads = static_cast<unsigned>(std::clamp(
      terms / min_terms_per_thread, 1.0, static_cast<double>(detail::resolve_threads(hooks.threads))));
  detail::parallel_for(chunks * groups, threads, [&](std::size_t task) {
    hooks.check_interrupt();
    const std::size_t chunk = task % chunks, group = task / chunks;
    const std::size_t first_object = chunk * objects_per_chunk;
    const std::size_t last_object = std::min(objects, first_object + objects_per_chunk);
    const std::size_t first_theta = group * thetas_per_group;
    const std::size_t last_theta = std::min(batch, first_theta + thetas_per_group);
    double log_sum[thetas_per_group] = {}, variance_sum[thetas_per_group] = {};
    for (std::size_t i = first_object; i < last_object; ++i) {
      const std::size_t begin = samples.offsets[i];
      const std::size_t count = samples.offsets[i + 1] - begin;
      const double* mu = samples.values.data() + begin;
      const double* log_p0 = with_log_p0 ? samples.log_p0.data() + begin : nullptr;
      const double count_real = static_cast<double>(count);
      for (std::size_t b = first_theta; b < last_theta; ++b) {
        if (!valid[b]) continue;
        const detail::log_weight_accumulator weights = accumulate(mu, log_p0, count, normals[b]);
        const double ess = weights.ess();
        log_sum[b - first_theta] += weights.log_mean(count_real);
        variance_sum[b - first_theta] += detail::log_likelihood_variance_term(ess, count_real);
        if (b == 0 && per_object_ess != nullptr) (*per_object_ess)[i] = ess;
      }
    }
    for (std::size_t b = first_theta; b < last_theta; ++b) {
      partial_log[b * chunks + chunk] = log_sum[b - first_theta];
      partial_variance[b * chunks + chunk] = variance_sum[b - first_theta];
    }
  });

  for (std::size_t b = 0; b < batch; ++b) {
    if (!valid[b]) {
      out[b].log_likelihood = negative_infinity;
      out[b].variance = positive_infinity;
      continue;
    }
    double log_likelihood = 0.0, variance = 0.0;
    for (std::size_t c = 0; c < chunks; ++c) {
      log_likelihood += partial_log[b * chunks + c];
      variance += partial_variance[b * chunks + c];
    }
    out[b].log_likelihood = std::isnan(log_likelihood) ? negative_infinity : log_likelihood;
    out[b].variance =
        log_likelihood == negative_infinity || std::isnan(variance) ? positive_infinity : variance;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------

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
  if (samples_per_object == 0 ||
      samples_per_object > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw usage_error("draw_flat_prior_samples: samples_per_object must be between 1 and " +
                      std::to_string(std::numeric_limits<int>::max()) + ", got " +
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
  const random_stream stream{seed, posterior_sample_stream};
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
  const random_stream mu_stream{seed, true_mu_stream};
  const random_stream x_stream{seed, observation_stream};
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

void hyper_log_likelihood(const population_samples& samples, const double* thetas,
                          std::size_t batch, hyper_likelihood_value* out,
                          std::vector<double>* per_object_ess, const run_hooks& hooks) {
  validate(samples);
  evaluate_hyper_likelihood(samples, thetas, batch, out, per_object_ess, hooks);
}

hyper_likelihood_posterior::hyper_likelihood_posterior(population_samples samples,
                                                       double variance_cut)
    : samples_(std::move(samples)), variance_cut_(variance_cut) {
  validate(samples_);
  if (!(variance_cut_ > 0.0)) {
    throw usage_error(
        "hyper_likelihood_posterior: variance_cut must be > 0 (or +inf for no "
        "cut), got " +
        number_text(variance_cut_));
  }
}

void hyper_likelihood_posterior::log_density(const double* thetas, std::size_t batch, double* out,
                                             const run_hooks& hooks) const {
  // Only θ inside the priors are evaluated.
  std::vector<double> inside;
  std::vector<std::size_t> where;
  inside.reserve(2 * batch);
  where.reserve(batch);
  for (std::size_t b = 0; b < batch; ++b) {
    out[b] = negative_infinity;
    if (inside_priors(thetas[2 * b], thetas[2 * b + 1])) {
      inside.push_back(thetas[2 * b]);
      inside.push_back(thetas[2 * b + 1]);
      where.push_back(b);
    }
  }
  std::vector<hyper_likelihood_value> values(where.size());
  evaluate_hyper_likelihood(samples_, inside.data(), where.size(), values.data(), nullptr, hooks);
  for (std::size_t k = 0; k < where.size(); ++k) {
    // σ² ≤ cut keeps the point (NaN cannot occur: σ² is +∞ where ln L̂ is −∞).
    out[where[k]] =
        values[k].variance <= variance_cut_ ? values[k].log_likelihood : negative_infinity;
  }
}

// ---------------------------------------------------------------------------------------

point_estimate_posterior::point_estimate_posterior(std::vector<double> medians)
    : medians_(std::move(medians)) {
  if (medians_.empty()) {
    throw input_error("", 0, "medians", "is empty; expected one point estimate per object");
  }
  for (std::size_t i = 0; i < medians_.size(); ++i) {
    if (!std::isfinite(medians_[i])) {
      throw input_error(
          "", 0, "medians",
          "object " + std::to_string(i) + ": " + number_text(medians_[i]) + " is not finite");
    }
  }
  const mean_and_squares moments = moments_of(medians_);
  mean_ = moments.mean;
  squares_ = moments.squares;
}

void point_estimate_posterior::log_density(const double* thetas, std::size_t batch, double* out,
                                           const run_hooks& /*hooks*/) const {
  // Σ_i (m_i − θ_μ)² = Q + n (m̄ − θ_μ)², Q = Σ (m_i − m̄)²: O(1) per θ.
  const double n = static_cast<double>(medians_.size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double theta_mu = thetas[2 * b], theta_sigma = thetas[2 * b + 1];
    if (!inside_priors(theta_mu, theta_sigma)) {
      out[b] = negative_infinity;
      continue;
    }
    const double offset = mean_ - theta_mu;
    const double sum_squares = squares_ + n * offset * offset;
    out[b] = -n * (std::log(theta_sigma) + detail::half_log_two_pi) -
             0.5 * sum_squares / (theta_sigma * theta_sigma);
  }
}

std::vector<double> sample_medians(const population_samples& samples) {
  validate(samples);
  std::vector<double> medians(samples.objects());
  std::vector<double> sorted;
  for (std::size_t i = 0; i < samples.objects(); ++i) {
    const auto first = samples.values.begin() + static_cast<std::ptrdiff_t>(samples.offsets[i]);
    const auto last = samples.values.begin() + static_cast<std::ptrdiff_t>(samples.offsets[i + 1]);
    sorted.assign(first, last);
    const std::size_t count = sorted.size();
    const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(count / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    if (count % 2 == 1) {
      medians[i] = *middle;
    } else {
      // The lower middle value is the largest of the lower half.
      const double lower = *std::max_element(sorted.begin(), middle);
      medians[i] = 0.5 * (lower + *middle);
    }
  }
  return medians;
}

// ---------------------------------------------------------------------------------------
// The exact posterior of (θ_μ, θ_σ). Marginally x_i ~ N(θ_μ, V), V = θ_σ² + α², so with
// x̄ the mean and Q = Σ (x_i − x̄)²,
//
//   p(θ_μ, θ_σ | x) ∝ V^(−n/2) exp(−Q/(2V)) exp(−n (θ_μ − x̄)²/(2V))  on (−5, 5) × (0, 2):
//
// θ_μ | θ_σ, x is N(x̄, V/n) truncated to (−5, 5), with normalizer Z(θ_σ) = Φ(b) − Φ(a),
// a, b = (∓5 − x̄)/√(V/n), and p(θ_σ | x) ∝ V^(−(n−1)/2) exp(−Q/(2V)) Z(θ_σ). θ_σ is
// integrated by the midpoint rule on `sigma_cells` cells of (0, 2); θ_μ's marginal is the
// mixture of the truncated normals over the cells.

namespace {

constexpr int sigma_cells = 20000;
constexpr double inv_sqrt2 = 0.70710678118654752440;
constexpr double inv_sqrt_two_pi = 0.39894228040143267794;

double normal_cdf(double z) { return 0.5 * std::erfc(-z * inv_sqrt2); }
double normal_survival(double z) { return 0.5 * std::erfc(z * inv_sqrt2); }
double normal_pdf(double z) { return inv_sqrt_two_pi * std::exp(-0.5 * z * z); }

// Φ(upper) − Φ(lower), lower < upper, from the tail that keeps it accurate.
double normal_interval(double lower, double upper) {
  if (lower >= 0.0) return normal_survival(lower) - normal_survival(upper);
  if (upper <= 0.0) return normal_cdf(upper) - normal_cdf(lower);
  return 1.0 - normal_survival(upper) - normal_cdf(lower);
}

}  // namespace

population_exact exact_population_posterior(const std::vector<double>& x, double alpha) {
  if (x.empty()) throw usage_error("exact_population_posterior: x is empty; expected ≥ 1 value");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw usage_error("exact_population_posterior: x[" + std::to_string(i) +
                        "] = " + number_text(x[i]) + " is not finite");
    }
  }
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw usage_error("exact_population_posterior: alpha must be finite and > 0, got " +
                      number_text(alpha));
  }
  const double n = static_cast<double>(x.size());
  const auto [mean, squares] = moments_of(x);

  const double step = theta_sigma_upper / sigma_cells;
  std::vector<double> log_weight(sigma_cells), sd(sigma_cells), lower(sigma_cells),
      upper(sigma_cells), mass(sigma_cells), mu_mean(sigma_cells), mu_var(sigma_cells);
  for (int k = 0; k < sigma_cells; ++k) {
    const double sigma = (k + 0.5) * step;
    const double variance = sigma * sigma + alpha * alpha;
    sd[k] = std::sqrt(variance / n);
    lower[k] = (theta_mu_lower - mean) / sd[k];
    upper[k] = (theta_mu_upper - mean) / sd[k];
    mass[k] = normal_interval(lower[k], upper[k]);
    log_weight[k] =
        -0.5 * (n - 1.0) * std::log(variance) - 0.5 * squares / variance + std::log(mass[k]);
    // Moments of the truncated normal.
    const double pdf_lower = normal_pdf(lower[k]), pdf_upper = normal_pdf(upper[k]);
    const double ratio = mass[k] > 0.0 ? (pdf_lower - pdf_upper) / mass[k] : 0.0;
    const double tail_term =
        mass[k] > 0.0 ? (lower[k] * pdf_lower - upper[k] * pdf_upper) / mass[k] : 0.0;
    mu_mean[k] = mean + sd[k] * ratio;
    mu_var[k] = sd[k] * sd[k] * std::max(0.0, 1.0 + tail_term - ratio * ratio);
  }
  const double max_log_weight = *std::max_element(log_weight.begin(), log_weight.end());
  if (!std::isfinite(max_log_weight)) {
    throw runtime_failure(
        "exact_population_posterior: the posterior is numerically zero on "
        "(−5, 5) × (0, 2) for this x (mean " +
        number_text(mean) + ")");
  }
  std::vector<double> weight(sigma_cells);
  double total = 0.0;
  for (int k = 0; k < sigma_cells; ++k) {
    weight[k] = std::exp(log_weight[k] - max_log_weight);
    total += weight[k];
  }
  double sigma_first = 0.0, sigma_second = 0.0, mu_first = 0.0, mu_second = 0.0;
  for (int k = 0; k < sigma_cells; ++k) {
    weight[k] /= total;
    const double sigma = (k + 0.5) * step;
    sigma_first += weight[k] * sigma;
    sigma_second += weight[k] * sigma * sigma;
    mu_first += weight[k] * mu_mean[k];
    mu_second += weight[k] * (mu_var[k] + mu_mean[k] * mu_mean[k]);
  }

  population_exact result{};
  result.mean_sigma = sigma_first;
  result.sd_sigma = std::sqrt(std::max(0.0, sigma_second - sigma_first * sigma_first));
  result.mean_mu = mu_first;
  result.sd_mu = std::sqrt(std::max(0.0, mu_second - mu_first * mu_first));

  // θ_σ's quantiles: the density is constant on each cell.
  const auto sigma_quantile = [&](double p) {
    double cumulative = 0.0;
    for (int k = 0; k < sigma_cells; ++k) {
      if (cumulative + weight[k] >= p && weight[k] > 0.0) {
        return (k + std::min(1.0, (p - cumulative) / weight[k])) * step;
      }
      cumulative += weight[k];
    }
    return theta_sigma_upper;
  };
  result.q05_sigma = sigma_quantile(0.05);
  result.q50_sigma = sigma_quantile(0.50);
  result.q95_sigma = sigma_quantile(0.95);

  // θ_μ's quantiles: bisection on the mixture CDF (cells of negligible weight skipped).
  std::vector<int> cells;
  for (int k = 0; k < sigma_cells; ++k) {
    if (weight[k] > 1e-18) cells.push_back(k);
  }
  double widest = 0.0;
  for (int k : cells) widest = std::max(widest, sd[k]);
  const auto mu_cdf = [&](double t) {
    double cdf = 0.0;
    for (int k : cells) {
      const double conditional = normal_interval(lower[k], (t - mean) / sd[k]) / mass[k];
      cdf += weight[k] * std::min(1.0, std::max(0.0, conditional));
    }
    return cdf;
  };
  const auto mu_quantile = [&](double p) {
    // The mixture's mass lies within 40 of the widest sd of x̄, clipped to the prior.
    double low = std::clamp(mean - 40.0 * widest, theta_mu_lower, theta_mu_upper);
    double high = std::clamp(mean + 40.0 * widest, theta_mu_lower, theta_mu_upper);
    for (int iteration = 0; iteration < 200 && high - low > 1e-13; ++iteration) {
      const double middle = 0.5 * (low + high);
      (mu_cdf(middle) < p ? low : high) = middle;
    }
    return 0.5 * (low + high);
  };
  result.q05_mu = mu_quantile(0.05);
  result.q50_mu = mu_quantile(0.50);
  result.q95_mu = mu_quantile(0.95);
  return result;
}

}  // namespace ismc

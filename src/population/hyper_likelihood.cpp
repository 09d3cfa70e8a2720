#include "ismc/population/hyper_likelihood.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/parallel.hpp"
#include "population/hyper_likelihood_avx512.hpp"
#include "population/hyper_likelihood_finish.hpp"
#include "population/population_math.hpp"

namespace ismc {
namespace {

constexpr double negative_infinity = -std::numeric_limits<double>::infinity();
constexpr double positive_infinity = std::numeric_limits<double>::infinity();

// The hyper-likelihood on the CPU.
//
// Work is split into tasks of (a fixed chunk of objects) × (a fixed group of θ): the
// split depends on the problem's sizes only, every (θ, object) term is computed by one
// task in one fixed order, and the per-task partial sums are added in task order, so the
// result is bit-identical for any number of threads (and a θ gets the same value in any
// batch). Within a task, an object's samples are read from cache once per θ of the group.

constexpr std::size_t objects_per_chunk = 16;
constexpr std::size_t thetas_per_group = 16;

// A call's helper threads are woken from parallel_for's pool (started once; waking one
// still costs some microseconds): a call gets one thread per this many terms (about 50 µs
// of one core's work), at least one.
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
template <bool with_log_p0, bool avx512_exp = false, bool mixed = false>
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
      constexpr auto accuracy =
          mixed ? detail::avx512::exp2_accuracy::mixed : detail::avx512::exp2_accuracy::full;
      detail::avx512::scale_block<accuracy>(buffer, padded, block_max);
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

// A product of an object chunk's sums Σe_i, as mantissa · 2^exponent, and its logarithm.
struct chunk_product {
  double mantissa = 1.0;
  int exponent = 0;

  // Whether Σe_i joins the product: a finite shift and a sum in [2^−810, 2^810] (the
  // bounded path keeps Σe ≥ 2^−800, the exact shift Σe ≥ 1), so that with the mantissa in
  // [2^−200, 2^200] the product stays a normal double.
  static bool takes(const detail::log_weight_accumulator& weights) {
    return std::isfinite(weights.max) && weights.sum_exp >= 0x1p-810 && weights.sum_exp <= 0x1p810;
  }
  void multiply(double sum_exp) {
    mantissa *= sum_exp;
    if (mantissa < 0x1p-200 || mantissa > 0x1p200) {
      int shift = 0;
      mantissa = std::frexp(mantissa, &shift);
      exponent += shift;
    }
  }
  // ln(mantissa · 2^exponent), ln 2 in two parts (fdlibm's: the high part has 21 trailing
  // zero bits, so its product with any exponent here is exact).
  double log() const {
    constexpr double ln2_high = 6.93147180369123816490e-01, ln2_low = 1.90821492927058770002e-10;
    const double e = static_cast<double>(exponent);
    return std::log(mantissa) + (e * ln2_high + e * ln2_low);
  }
};

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

using accumulate_function = detail::log_weight_accumulator (*)(const double*, const double*,
                                                               std::size_t,
                                                               const detail::hyper_normal&);

// The sums of one object (samples, ln p0 or null, count) under θ t ∈ [0, thetas) where
// valid[t], into out[t]: what a task asks of the sample loop.
using accumulate_group_function = void (*)(const double*, const double*, std::size_t,
                                           const detail::hyper_normal*, const char*, std::size_t,
                                           detail::log_weight_accumulator*);

// One θ at a time.
template <accumulate_function accumulate>
void accumulate_each(const double* mu, const double* log_p0, std::size_t count,
                     const detail::hyper_normal* normals, const char* valid, std::size_t thetas,
                     detail::log_weight_accumulator* out) {
  for (std::size_t t = 0; t < thetas; ++t) {
    if (valid[t]) out[t] = accumulate(mu, log_p0, count, normals[t]);
  }
}

// On a CPU with AVX-512F and DQ, the loops of hyper_likelihood_avx512.hpp: eight θ at a
// time, the table-driven 2^−t (about 25% fewer fused multiply-adds per term than the
// portable polynomial); `mixed` evaluates 2^f to 1.2e-9 relative instead of to double
// precision (the opt-in mixed mode).
#if defined(ISMC_HAVE_AVX512_LOOPS)
// The flat prior: eight θ at a time in the lanes (accumulate_flat_bounded_eight; an
// unused lane computes a harmless θ = (0, 1) and is dropped), a θ whose bounded sum falls
// below smallest_bounded_sum redone alone with the exact shift.
template <bool mixed>
__attribute__((target("avx512f,avx512dq,fma"))) void accumulate_flat_group_avx512(
    const double* mu, const double* /*log_p0*/, std::size_t count,
    const detail::hyper_normal* normals, const char* valid, std::size_t thetas,
    detail::log_weight_accumulator* out) {
  constexpr auto accuracy =
      mixed ? detail::avx512::exp2_accuracy::mixed : detail::avx512::exp2_accuracy::full;
  const detail::avx512::value_range samples = detail::avx512::range_of(mu, count);
  for (std::size_t first = 0; first < thetas; first += 8) {
    alignas(64) double means[8], scales[8], sums[8], squares[8];
    for (std::size_t l = 0; l < 8; ++l) {
      const std::size_t t = first + l;
      const bool used = t < thetas && valid[t];
      means[l] = used ? normals[t].mean : 0.0;
      scales[l] = used ? normals[t].log2_scale : 1.0;
    }
    detail::avx512::accumulate_flat_bounded_eight<accuracy>(mu, count, samples, means, scales, sums,
                                                            squares);
    for (std::size_t l = 0; l < 8 && first + l < thetas; ++l) {
      const std::size_t t = first + l;
      if (!valid[t]) continue;
      if (sums[l] >= smallest_bounded_sum) {
        out[t].max = normals[t].log_norm;
        out[t].sum_exp = sums[l];
        out[t].sum_exp2 = squares[l];
      } else {
        out[t] = accumulate_exact<false, true, mixed>(mu, nullptr, count, normals[t]);
      }
    }
  }
}

// Any interim prior, the same way: the prior's share of each exponent, (ln p0_n −
// min ln p0)·log₂e ≥ 0, is computed once per object for all θ of the group (in blocks, on
// the stack), the shift is log_norm − min ln p0, and a θ whose bounded sum falls below
// smallest_bounded_sum is redone with the exact shift.
template <bool mixed>
__attribute__((target("avx512f,avx512dq,fma"))) void accumulate_with_log_p0_group_avx512(
    const double* mu, const double* log_p0, std::size_t count, const detail::hyper_normal* normals,
    const char* valid, std::size_t thetas, detail::log_weight_accumulator* out) {
  constexpr auto accuracy =
      mixed ? detail::avx512::exp2_accuracy::mixed : detail::avx512::exp2_accuracy::full;
  constexpr double log2e = 1.4426950408889634074;
  const detail::avx512::value_range samples = detail::avx512::range_of(mu, count);
  const detail::avx512::value_range densities = detail::avx512::range_of(log_p0, count);
  const double lowest = densities.lowest;
  // ≥ every excess[n] below (rounded the same way: rounding is monotonic).
  const double largest_excess = (densities.highest - lowest) * log2e;
  // Per θ lane: Σe and Σe² over the blocks so far (added block by block, in block order).
  constexpr std::size_t lanes_per_call = 8;
  std::vector<double> totals(2 * ((thetas + lanes_per_call - 1) / lanes_per_call) * lanes_per_call,
                             0.0);
  alignas(64) double excess[block_size];
  for (std::size_t start = 0; start < count; start += block_size) {
    const std::size_t size = std::min(block_size, count - start);
    for (std::size_t n = 0; n < size; ++n) excess[n] = (log_p0[start + n] - lowest) * log2e;
    for (std::size_t first = 0; first < thetas; first += lanes_per_call) {
      alignas(64) double means[lanes_per_call], scales[lanes_per_call], sums[lanes_per_call],
          squares[lanes_per_call];
      for (std::size_t l = 0; l < lanes_per_call; ++l) {
        const std::size_t t = first + l;
        const bool used = t < thetas && valid[t];
        means[l] = used ? normals[t].mean : 0.0;
        scales[l] = used ? normals[t].log2_scale : 1.0;
      }
      detail::avx512::accumulate_bounded_eight<accuracy>(
          mu + start, excess, size, samples, largest_excess, means, scales, sums, squares);
      double* total = totals.data() + 2 * first;
      for (std::size_t l = 0; l < lanes_per_call; ++l) {
        total[l] += sums[l];
        total[lanes_per_call + l] += squares[l];
      }
    }
  }
  for (std::size_t t = 0; t < thetas; ++t) {
    if (!valid[t]) continue;
    const std::size_t first = t / lanes_per_call * lanes_per_call, l = t - first;
    const double sum = totals[2 * first + l], square = totals[2 * first + lanes_per_call + l];
    if (sum >= smallest_bounded_sum) {
      out[t].max = normals[t].log_norm - lowest;
      out[t].sum_exp = sum;
      out[t].sum_exp2 = square;
    } else {
      out[t] = accumulate_exact<true, true, mixed>(mu, log_p0, count, normals[t]);
    }
  }
}

#endif

// The sample loop of a call, picked once (the CPU's features are read once per process, so
// every thread of a run takes the same path). Without AVX-512 the mixed mode runs the
// double loops (more accurate than it promises).
accumulate_group_function pick_accumulate(bool with_log_p0, hyper_likelihood_precision precision) {
#if defined(ISMC_HAVE_AVX512_LOOPS)
  if (detail::avx512::available()) {
    if (precision == hyper_likelihood_precision::mixed) {
      return with_log_p0 ? accumulate_with_log_p0_group_avx512<true>
                         : accumulate_flat_group_avx512<true>;
    }
    return with_log_p0 ? accumulate_with_log_p0_group_avx512<false>
                       : accumulate_flat_group_avx512<false>;
  }
#endif
  (void)precision;
  return with_log_p0 ? accumulate_each<accumulate_with_log_p0> : accumulate_each<accumulate_flat>;
}

// ln L̂ and σ² at `batch` θ, samples already validated.
void evaluate_hyper_likelihood(const population_samples_view& samples, const double* thetas,
                               std::size_t batch, hyper_likelihood_value* out,
                               std::vector<double>* per_object_ess, const run_hooks& hooks,
                               hyper_likelihood_precision precision) {
  const std::size_t objects = samples.objects;
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
  const bool with_log_p0 = samples.log_p0 != nullptr;
  const accumulate_group_function accumulate = pick_accumulate(with_log_p0, precision);

  // A thread only for at least min_terms_per_thread terms each.
  const double terms = static_cast<double>(samples.size) * static_cast<double>(batch);
  const auto threads = static_cast<unsigned>(
      std::clamp(terms / min_terms_per_thread, 1.0,
                 static_cast<double>(detail::resolve_threads(hooks.threads))));
  detail::parallel_for(chunks * groups, threads, [&](std::size_t task) {
    hooks.check_interrupt();
    // A chunk's θ groups are consecutive tasks, so that its samples, read by each of them,
    // are still in the core's cache for the next.
    const std::size_t chunk = task / groups, group = task % groups;
    const std::size_t first_object = chunk * objects_per_chunk;
    const std::size_t last_object = std::min(objects, first_object + objects_per_chunk);
    const std::size_t first_theta = group * thetas_per_group;
    const std::size_t last_theta = std::min(batch, first_theta + thetas_per_group);
    // First every (object, θ) sum of the task, then their logarithms and variance terms,
    // so that those (divisions, a logarithm) run independently of one another rather than
    // each waiting behind its sample loop.
    detail::log_weight_accumulator sums[objects_per_chunk][thetas_per_group];
    for (std::size_t i = first_object; i < last_object; ++i) {
      const std::size_t begin = samples.offsets[i];
      const std::size_t count = samples.offsets[i + 1] - begin;
      const double* mu = samples.values + begin;
      const double* log_p0 = with_log_p0 ? samples.log_p0 + begin : nullptr;
      accumulate(mu, log_p0, count, normals.data() + first_theta, valid.data() + first_theta,
                 last_theta - first_theta, sums[i - first_object]);
    }
    // ln L̂_i = max_i + ln Σe_i − ln S_i: the shifts and ln S_i are summed, and the Σe_i of
    // the chunk multiplied (kept in range by frexp), so that a task takes one logarithm
    // per θ rather than two per (object, θ); with 100 samples an object the logarithms
    // would otherwise cost a third of the sample loop. Objects whose weights are all 0 (or
    // whose sums fall outside the product's range) add their ln L̂_i directly.
    double counts[objects_per_chunk], log_count[objects_per_chunk],
        inverse_count[objects_per_chunk];
    for (std::size_t i = first_object; i < last_object; ++i) {
      const std::size_t k = i - first_object;
      counts[k] = static_cast<double>(samples.offsets[i + 1] - samples.offsets[i]);
      log_count[k] = std::log(counts[k]);
      inverse_count[k] = 1.0 / counts[k];
    }
    double log_sum[thetas_per_group] = {}, variance_sum[thetas_per_group] = {};
    chunk_product products[thetas_per_group];
    for (std::size_t b = first_theta; b < last_theta; ++b) {
      if (!valid[b]) continue;
      const std::size_t g = b - first_theta;
      for (std::size_t i = first_object; i < last_object; ++i) {
        const std::size_t k = i - first_object;
        const detail::log_weight_accumulator& weights = sums[k][g];
        if (products[g].takes(weights)) {
          products[g].multiply(weights.sum_exp);
          log_sum[g] += weights.max - log_count[k];
          // 1/ESS_i − 1/S_i with 1/ESS_i = (Σe²/Σe)/Σe (no (Σe)², which can underflow).
          variance_sum[g] +=
              weights.sum_exp2 / weights.sum_exp / weights.sum_exp - inverse_count[k];
        } else {
          log_sum[g] += weights.log_mean(counts[k]);
          variance_sum[g] += detail::log_likelihood_variance_term(weights.ess(), counts[k]);
        }
        if (b == 0 && per_object_ess != nullptr) (*per_object_ess)[i] = weights.ess();
      }
    }
    for (std::size_t g = 0; g < thetas_per_group; ++g) log_sum[g] += products[g].log();
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
    out[b] = detail::finish_hyper_likelihood(log_likelihood, variance);
  }
}

}  // namespace

void hyper_log_likelihood(const population_samples& samples, const double* thetas,
                          std::size_t batch, hyper_likelihood_value* out,
                          std::vector<double>* per_object_ess, const run_hooks& hooks,
                          hyper_likelihood_precision precision) {
  validate(samples);
  evaluate_hyper_likelihood(view_of(samples), thetas, batch, out, per_object_ess, hooks, precision);
}

void hyper_log_likelihood(const population_samples_view& samples, const double* thetas,
                          std::size_t batch, hyper_likelihood_value* out,
                          std::vector<double>* per_object_ess, const run_hooks& hooks,
                          hyper_likelihood_precision precision) {
  validate(samples);
  evaluate_hyper_likelihood(samples, thetas, batch, out, per_object_ess, hooks, precision);
}

void hyper_log_likelihood(validated_t, const population_samples_view& samples, const double* thetas,
                          std::size_t batch, hyper_likelihood_value* out,
                          std::vector<double>* per_object_ess, const run_hooks& hooks,
                          hyper_likelihood_precision precision) {
  assert(detail::passes([&] { validate(samples); }));
  evaluate_hyper_likelihood(samples, thetas, batch, out, per_object_ess, hooks, precision);
}

hyper_likelihood_posterior::hyper_likelihood_posterior(population_samples samples,
                                                       double variance_cut,
                                                       hyper_likelihood_precision precision)
    : samples_(std::move(samples)), variance_cut_(variance_cut), precision_(precision) {
  validate(samples_);
  detail::check_variance_cut(variance_cut_);
}

hyper_likelihood_posterior::hyper_likelihood_posterior(validated_t, population_samples samples,
                                                       double variance_cut,
                                                       hyper_likelihood_precision precision)
    : samples_(std::move(samples)), variance_cut_(variance_cut), precision_(precision) {
  assert(detail::passes([&] {
    validate(samples_);
    detail::check_variance_cut(variance_cut_);
  }));
}

void hyper_likelihood_posterior::log_density(const double* thetas, std::size_t batch, double* out,
                                             const run_hooks& hooks) const {
  detail::hyper_posterior_log_density(
      thetas, batch, variance_cut_, out,
      [&](const double* inside, std::size_t count, hyper_likelihood_value* values) {
        evaluate_hyper_likelihood(view_of(samples_), inside, count, values, nullptr, hooks,
                                  precision_);
      });
}

}  // namespace ismc

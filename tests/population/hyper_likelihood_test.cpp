#include "ismc/population/hyper_likelihood.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/population/samples.hpp"
#include "population/hyper_likelihood_avx512.hpp"
#include "population/population_math.hpp"
#include "population/test_support.hpp"

namespace ismc {
namespace {

using testing::infinity;
using testing::mean_of;
using testing::nan;
using testing::pi;
using testing::ragged_samples;
using testing::variance_of;

// The estimator by its definition, in long double: per object the log weights, their
// maximum, Σ e and Σ e² with e = exp(ln w − max).
struct naive_result {
  long double log_likelihood = 0.0L;
  long double variance = 0.0L;
  std::vector<long double> ess;
};
naive_result naive_hyper_likelihood(const population_samples& samples, double theta_mu,
                                    double theta_sigma) {
  naive_result result;
  const long double m = theta_mu, s = theta_sigma;
  for (std::size_t i = 0; i < samples.objects(); ++i) {
    std::vector<long double> log_w;
    for (std::size_t k = samples.offsets[i]; k < samples.offsets[i + 1]; ++k) {
      const long double z = (static_cast<long double>(samples.values[k]) - m) / s;
      long double value =
          -0.5L * z * z - std::log(s) - 0.5L * std::log(2.0L * 3.14159265358979323846264338L);
      if (!samples.log_p0.empty()) value -= samples.log_p0[k];
      log_w.push_back(value);
    }
    const long double max = *std::max_element(log_w.begin(), log_w.end());
    long double sum = 0.0L, sum2 = 0.0L;
    for (long double value : log_w) {
      const long double e = std::exp(value - max);
      sum += e;
      sum2 += e * e;
    }
    const long double count = static_cast<long double>(log_w.size());
    result.log_likelihood += max + std::log(sum) - std::log(count);
    const long double ess = sum * sum / sum2;
    result.ess.push_back(ess);
    result.variance += 1.0L / ess - 1.0L / count;
  }
  return result;
}

void expect_relative(double value, long double reference, double tolerance,
                     const std::string& what) {
  const long double scale = std::max(std::fabs(reference), 1e-300L);
  EXPECT_LE(std::fabs(static_cast<long double>(value) - reference) / scale, tolerance)
      << what << ": " << value << " vs " << static_cast<double>(reference);
}

// --- the per-sample math -------------------------------------------------------------

// exp2_minus to a few ulps; exp_minus = exp2_minus(y log₂e) adds the rounding of y log₂e,
// a relative error of up to y · 2^−53 (harmless: a weight e^−y with y large is tiny).
TEST(PopulationMath, ExpMinusIsAccurateToAFewUlps) {
  double worst = 0.0, worst_natural = 0.0;
  for (int k = 0; k <= 200000; ++k) {
    const double t = 1000.0 * k / 200000.0 + 1e-7 * (k % 7);
    const double reference = std::exp2(-t);
    worst = std::max(worst, std::fabs(detail::exp2_minus(t) - reference) / reference);
    const double y = 700.0 * k / 200000.0;
    const double natural = std::exp(-y);
    worst_natural =
        std::max(worst_natural, std::fabs(detail::exp_minus(y) - natural) / natural / (1.0 + y));
  }
  EXPECT_LT(worst, 1e-15);
  EXPECT_LT(worst_natural, 1e-15);
  EXPECT_EQ(detail::exp2_minus(0.0), 1.0);
  EXPECT_EQ(detail::exp_minus(0.0), 1.0);
  // Below 2^−1021 the value only has to be negligible.
  for (double t : {1021.5, 1100.0, 1e300, infinity}) {
    EXPECT_GE(detail::exp2_minus(t), 0.0);
    EXPECT_LE(detail::exp2_minus(t), 0x1p-1021);
  }
}

#if defined(ISMC_HAVE_AVX512_LOOPS)
// Array wrappers of the AVX-512 loops (vector arguments cannot cross into code compiled
// without AVX-512).
__attribute__((target("avx512f,avx512dq,fma"))) void avx512_exp2_minus(const double* t, double* out,
                                                                       std::size_t count) {
  for (std::size_t n = 0; n + 8 <= count; n += 8) {
    _mm512_storeu_pd(out + n, detail::avx512::exp2_minus(_mm512_loadu_pd(t + n)));
  }
}
__attribute__((target("avx512f,avx512dq,fma"))) void avx512_exp_minus(const double* y, double* out,
                                                                      std::size_t count) {
  for (std::size_t n = 0; n + 8 <= count; n += 8) {
    _mm512_storeu_pd(out + n, detail::avx512::exp_minus(_mm512_loadu_pd(y + n)));
  }
}

// The table-driven 2^−t of the AVX-512 loops, to the same bounds as exp2_minus, against
// long double; the floor below 2^−1021 as documented.
TEST(PopulationMath, Avx512ExpMinusIsAccurateToAFewUlps) {
  if (!detail::avx512::available()) GTEST_SKIP() << "this CPU has no AVX-512F and DQ";
  constexpr std::size_t count = 200008;
  std::vector<double> t(count), y(count), two(count), natural(count);
  for (std::size_t k = 0; k < count; ++k) {
    t[k] = 1000.0 * static_cast<double>(k) / 200000.0 + 1e-7 * static_cast<double>(k % 7);
    y[k] = 700.0 * static_cast<double>(k) / 200000.0;
  }
  avx512_exp2_minus(t.data(), two.data(), count);
  avx512_exp_minus(y.data(), natural.data(), count);
  double worst = 0.0, worst_natural = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const long double reference = std::exp2(-static_cast<long double>(t[k]));
    worst = std::max(worst, static_cast<double>(std::fabs(two[k] - reference) / reference));
    const long double natural_reference = std::exp(-static_cast<long double>(y[k]));
    worst_natural =
        std::max(worst_natural, static_cast<double>(std::fabs(natural[k] - natural_reference) /
                                                    natural_reference / (1.0L + y[k])));
  }
  EXPECT_LT(worst, 4e-16);
  EXPECT_LT(worst_natural, 1e-15);
  EXPECT_EQ(two[0], 1.0);
  EXPECT_EQ(natural[0], 1.0);
  const double large[8] = {1021.0, 1021.5, 1100.0, 1e300, infinity, 1020.97, 0.5, 1.0 / 16.0};
  double floors[8];
  avx512_exp2_minus(large, floors, 8);
  for (int k = 0; k < 5; ++k) {
    EXPECT_GE(floors[k], 0.0);
    EXPECT_LE(floors[k], 0x1p-1021);
  }
  EXPECT_NEAR(floors[5], std::exp2(-1020.97), 4e-16 * std::exp2(-1020.97));
  EXPECT_NEAR(floors[6], std::exp2(-0.5), 4e-16);
  EXPECT_NEAR(floors[7], std::exp2(-1.0 / 16.0), 4e-16);
}

__attribute__((target("avx512f,avx512dq,fma"))) void avx512_flat_weights(
    const double* mu, double* out, std::size_t count, const detail::hyper_normal& theta) {
  const detail::avx512::exp2_table table = detail::avx512::load_exp2_table();
  for (std::size_t n = 0; n + 8 <= count; n += 8) {
    _mm512_storeu_pd(
        out + n, detail::avx512::flat_weights(_mm512_loadu_pd(mu + n), _mm512_set1_pd(theta.mean),
                                              _mm512_set1_pd(theta.log2_scale), table));
  }
}

// The eight-θ flat loop with θ in lane 3 and other θ in the other lanes (which must not
// matter): that lane's sums.
__attribute__((target("avx512f,avx512dq,fma"))) detail::log_weight_accumulator avx512_flat(
    const double* mu, std::size_t count, const detail::hyper_normal& theta) {
  alignas(64) double means[8], scales[8], sums[8], squares[8];
  for (int l = 0; l < 8; ++l) {
    means[l] = 0.25 * l;
    scales[l] = 0.5 + 0.1 * l;
  }
  means[3] = theta.mean;
  scales[3] = theta.log2_scale;
  detail::avx512::accumulate_flat_bounded_eight(mu, count, detail::avx512::range_of(mu, count),
                                                means, scales, sums, squares);
  detail::log_weight_accumulator result;
  result.max = theta.log_norm;
  result.sum_exp = sums[3];
  result.sum_exp2 = squares[3];
  return result;
}

// The fused flat-prior loop (every count of samples, so every tail) against the same sums
// in long double from the same u = (μ − θ_μ)·scale as the loop rounds it: what is left is
// the table-driven 2^−u² (about 1.5 ulp a term) and the order of the additions.
TEST(PopulationMath, Avx512FlatLoopMatchesLongDoubleSums) {
  if (!detail::avx512::available()) GTEST_SKIP() << "this CPU has no AVX-512F and DQ";
  std::mt19937_64 engine(11);
  std::normal_distribution<double> normal(0.3, 1.5);
  std::vector<double> mu(4003);
  for (double& value : mu) value = normal(engine);
  mu[5] = 0.1 + 1e6;  // u² far beyond 1021: the floor, negligible
  // Term by term, to a few ulps (the floor aside).
  {
    detail::hyper_normal theta;
    ASSERT_TRUE(detail::make_hyper_normal(0.1, 0.3, &theta));
    std::vector<double> e(4000);
    avx512_flat_weights(mu.data(), e.data(), e.size(), theta);
    double worst = 0.0;
    for (std::size_t n = 0; n < e.size(); ++n) {
      if (n == 5) {
        EXPECT_LE(e[n], 0x1p-1017);
        continue;
      }
      const long double u = (mu[n] - theta.mean) * theta.log2_scale;
      const long double reference = std::exp2(-u * u);
      worst = std::max(worst, static_cast<double>(std::fabs(e[n] - reference) / reference));
    }
    EXPECT_LT(worst, 4e-16);
  }
  for (const double theta_sigma : {0.05, 0.7, 1.9}) {
    detail::hyper_normal theta;
    ASSERT_TRUE(detail::make_hyper_normal(0.1, theta_sigma, &theta));
    for (std::size_t count = 1; count <= mu.size(); count += count < 40 ? 1 : 991) {
      const detail::log_weight_accumulator sums = avx512_flat(mu.data(), count, theta);
      long double sum = 0.0L, sum_squares = 0.0L;
      for (std::size_t n = 0; n < count; ++n) {
        const long double u = (mu[n] - theta.mean) * theta.log2_scale;
        const long double e = std::exp2(-u * u);
        sum += e;
        sum_squares += e * e;
      }
      EXPECT_EQ(sums.max, theta.log_norm);
      const double tolerance = 1e-15 + 2.0 * static_cast<double>(count) * 0x1p-53;
      EXPECT_NEAR(sums.sum_exp / static_cast<double>(sum), 1.0, tolerance)
          << "theta_sigma " << theta_sigma << " count " << count;
      EXPECT_NEAR(sums.sum_exp2 / static_cast<double>(sum_squares), 1.0, tolerance)
          << "theta_sigma " << theta_sigma << " count " << count;
    }
  }
}

__attribute__((target("avx512f,avx512dq,fma"))) void avx512_mixed_exp2_minus(const double* t,
                                                                             double* out,
                                                                             std::size_t count) {
  const detail::avx512::exp2_table table = detail::avx512::load_exp2_table();
  for (std::size_t n = 0; n + 8 <= count; n += 8) {
    _mm512_storeu_pd(out + n, detail::avx512::exp2_minus<detail::avx512::exp2_accuracy::mixed>(
                                  _mm512_loadu_pd(t + n), table));
  }
}

// The mixed mode's 2^−t, term by term against long double: within the stated bound
// (mixed_term_relative_error, what the bound on ln L̂ is built on) over the whole range,
// and no better than about single precision (it is the short polynomial that runs).
TEST(PopulationMath, Avx512MixedExpMinusIsWithinItsStatedBound) {
  if (!detail::avx512::available()) GTEST_SKIP() << "this CPU has no AVX-512F and DQ";
  constexpr std::size_t count = 400000;
  std::vector<double> t(count), two(count);
  for (std::size_t k = 0; k < count; ++k) {
    t[k] = 1020.0 * static_cast<double>(k) / static_cast<double>(count) +
           1e-7 * static_cast<double>(k % 13);
  }
  avx512_mixed_exp2_minus(t.data(), two.data(), count);
  double worst = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const long double reference = std::exp2(-static_cast<long double>(t[k]));
    worst = std::max(worst, static_cast<double>(std::fabs(two[k] - reference) / reference));
  }
  EXPECT_LE(worst, detail::avx512::mixed_term_relative_error);
  EXPECT_GT(worst, 1e-10);
}

__attribute__((target("avx512f,avx512dq,fma"))) detail::avx512::value_range avx512_range(
    const double* values, std::size_t count) {
  return detail::avx512::range_of(values, count);
}

// range_of against std::minmax_element for every count up to 100 (every tail), with the
// extremes anywhere and in the last, odd element.
TEST(PopulationMath, Avx512RangeOfFindsTheExtremes) {
  if (!detail::avx512::available()) GTEST_SKIP() << "this CPU has no AVX-512F and DQ";
  std::mt19937_64 engine(21);
  std::normal_distribution<double> normal(0.5, 3.0);
  std::vector<double> values(100);
  for (double& value : values) value = normal(engine);
  for (std::size_t count = 1; count <= values.size(); ++count) {
    std::vector<double> last_highest(values.begin(), values.begin() + count), last_lowest;
    last_lowest = last_highest;
    last_highest.back() = 1e3;
    last_lowest.back() = -1e3;
    for (const std::vector<double>* data : {&values, &last_highest, &last_lowest}) {
      const auto extremes = std::minmax_element(data->begin(), data->begin() + count);
      const detail::avx512::value_range range = avx512_range(data->data(), count);
      EXPECT_EQ(range.lowest, *extremes.first) << "count " << count;
      EXPECT_EQ(range.highest, *extremes.second) << "count " << count;
    }
  }
}

// The eight-lane loops given the range of the samples (or, for the interim prior, the
// largest excess) they may assume: lanes' sums then squares.
struct lane_sums {
  double sums[8];
  double squares[8];
};
__attribute__((target("avx512f,avx512dq,fma"))) lane_sums avx512_flat_lanes(
    const std::vector<double>& mu, detail::avx512::value_range range, const double* means,
    const double* scales) {
  lane_sums out;
  detail::avx512::accumulate_flat_bounded_eight(mu.data(), mu.size(), range, means, scales,
                                                out.sums, out.squares);
  return out;
}
__attribute__((target("avx512f,avx512dq,fma"))) lane_sums avx512_lanes_with_excess(
    const std::vector<double>& mu, const std::vector<double>& excess,
    detail::avx512::value_range range, double largest_excess, const double* means,
    const double* scales) {
  lane_sums out;
  detail::avx512::accumulate_bounded_eight(mu.data(), excess.data(), mu.size(), range,
                                           largest_excess, means, scales, out.sums, out.squares);
  return out;
}
__attribute__((target("avx512f,avx512dq,fma"))) bool avx512_flat_clamp_unneeded(
    detail::avx512::value_range range, const double* means, const double* scales) {
  return detail::avx512::flat_clamp_unneeded(range, _mm512_loadu_pd(means),
                                             _mm512_loadu_pd(scales));
}
__attribute__((target("avx512f,avx512dq,fma"))) bool avx512_clamp_with_excess_unneeded(
    detail::avx512::value_range range, double largest_excess, const double* means,
    const double* scales) {
  return detail::avx512::clamp_with_excess_unneeded(range, largest_excess, _mm512_loadu_pd(means),
                                                    _mm512_loadu_pd(scales));
}

bool same_bits(const lane_sums& a, const lane_sums& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The loops leave out their clamp only where it changes nothing: their sums with the
// samples' own range are, bit for bit, those of the clamped loop (forced by a range as wide
// as the doubles), on samples near every lane's θ (no clamp) and on samples just beyond
// the clamp in one lane (the clamp runs: that lane's sums are the floor's, 2^−1017.6 a term,
// where the unclamped loop would give 2^−a² < 2^−1024).
TEST(PopulationMath, Avx512LoopsLeaveOutTheClampOnlyWhereItChangesNothing) {
  if (!detail::avx512::available()) GTEST_SKIP() << "this CPU has no AVX-512F and DQ";
  constexpr double largest = 1.7976931348623157e308;
  const detail::avx512::value_range everything{-largest, largest};
  double means[8], scales[8];
  for (int l = 0; l < 8; ++l) {
    means[l] = 0.25 * l;
    scales[l] = 0.5 + 0.1 * l;
  }
  std::mt19937_64 engine(31);
  std::normal_distribution<double> normal(0.3, 1.5);
  std::vector<double> near(1003), excess(near.size());
  for (double& value : near) value = normal(engine);
  std::uniform_real_distribution<double> share(0.0, 3.0);
  for (double& value : excess) value = share(engine);
  const detail::avx512::value_range near_range = avx512_range(near.data(), near.size());
  ASSERT_TRUE(avx512_flat_clamp_unneeded(near_range, means, scales));
  EXPECT_FALSE(avx512_flat_clamp_unneeded(everything, means, scales));
  EXPECT_TRUE(same_bits(avx512_flat_lanes(near, near_range, means, scales),
                        avx512_flat_lanes(near, everything, means, scales)));
  ASSERT_TRUE(avx512_clamp_with_excess_unneeded(near_range, 3.0, means, scales));
  EXPECT_TRUE(
      same_bits(avx512_lanes_with_excess(near, excess, near_range, 3.0, means, scales),
                avx512_lanes_with_excess(near, excess, near_range, largest, means, scales)));

  // Every lane at θ_μ = 0, scale 1; every sample at |u| ∈ (31.9, 33].
  const double zero[8] = {}, one[8] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  std::vector<double> far(near.size());
  for (std::size_t n = 0; n < far.size(); ++n) {
    far[n] = (n % 2 == 0 ? 1.0 : -1.0) * (31.95 + static_cast<double>(n) / 1000.0);
  }
  const detail::avx512::value_range far_range = avx512_range(far.data(), far.size());
  EXPECT_FALSE(avx512_flat_clamp_unneeded(far_range, zero, one));
  const lane_sums far_sums = avx512_flat_lanes(far, far_range, zero, one);
  EXPECT_TRUE(same_bits(far_sums, avx512_flat_lanes(far, everything, zero, one)));
  EXPECT_GE(far_sums.sums[0], static_cast<double>(far.size()) * 0x1p-1018);
  // At |u| = 31.9 exactly the clamp changes nothing: left out.
  EXPECT_TRUE(avx512_flat_clamp_unneeded({-31.9, 31.9}, zero, one));
  EXPECT_FALSE(avx512_flat_clamp_unneeded({-31.9, 31.900000000000002}, zero, one));
  EXPECT_FALSE(avx512_flat_clamp_unneeded({-31.900000000000002, 31.9}, zero, one));
  // With the interim prior: u² + d ≤ 1021 decides (here |u| < 1 in every lane: d ≤ 1020).
  for (int l = 0; l < 8; ++l) {
    means[l] = 0.0;
    scales[l] = 1.0 / 33.0;
  }
  EXPECT_TRUE(avx512_clamp_with_excess_unneeded(far_range, 1019.9, means, scales));
  EXPECT_FALSE(avx512_clamp_with_excess_unneeded(far_range, 1020.5, means, scales));
  std::vector<double> large_excess(far.size());
  for (std::size_t n = 0; n < far.size(); ++n) {
    large_excess[n] = 1000.0 + 30.0 * static_cast<double>(n) / static_cast<double>(far.size());
  }
  const lane_sums with_excess =
      avx512_lanes_with_excess(far, large_excess, far_range, 1030.0, means, scales);
  EXPECT_TRUE(same_bits(
      with_excess, avx512_lanes_with_excess(far, large_excess, everything, 1030.0, means, scales)));
  EXPECT_GE(with_excess.sums[0], 0x1p-1021);
}
#endif

TEST(PopulationMath, AccumulatorMergesAsItAdds) {
  std::mt19937_64 engine(7);
  std::uniform_real_distribution<double> log_w(-800.0, 50.0);
  std::vector<double> values(300);
  for (double& value : values) value = log_w(engine);
  detail::log_weight_accumulator one_by_one, first_half, second_half;
  for (std::size_t n = 0; n < values.size(); ++n) {
    one_by_one.add(values[n]);
    (n < 150 ? first_half : second_half).add(values[n]);
  }
  one_by_one.add(-infinity);  // a zero weight
  first_half.merge(second_half);
  EXPECT_EQ(one_by_one.max, first_half.max);
  EXPECT_NEAR(one_by_one.sum_exp, first_half.sum_exp, 1e-14 * one_by_one.sum_exp);
  EXPECT_NEAR(one_by_one.sum_exp2, first_half.sum_exp2, 1e-14 * one_by_one.sum_exp2);
  const detail::log_weight_accumulator empty;
  EXPECT_EQ(empty.log_mean(3.0), -infinity);
  EXPECT_EQ(empty.ess(), 0.0);
  EXPECT_EQ(detail::log_likelihood_variance_term(0.0, 3.0), infinity);
  EXPECT_DOUBLE_EQ(detail::log_normal_density(1.0, 0.0, 2.0),
                   -0.125 - std::log(2.0) - 0.5 * std::log(2.0 * pi));
}

// --- the hyper-likelihood --------------------------------------------------------------

TEST(HyperLikelihood, MatchesALongDoubleEvaluationOnRaggedSamples) {
  const std::vector<std::size_t> sizes = {1, 3, 7, 20, 513, 1100, 2};
  // θ near the samples (the one-pass path) and far from them in units of θ_σ (the exact
  // shift takes over), with small and large θ_σ.
  const std::vector<double> thetas = {0.0,  1.0, 0.3,  0.4,  -1.0, 3.0,
                                      30.0, 0.5, -4.0, 0.05, 2.0,  0.001};
  const std::size_t batch = thetas.size() / 2;
  for (bool with_log_p0 : {false, true}) {
    SCOPED_TRACE(with_log_p0 ? "with log_p0" : "flat p0");
    const population_samples samples = ragged_samples(sizes, with_log_p0, 11);
    std::vector<hyper_likelihood_value> values(batch);
    std::vector<double> ess;
    hyper_log_likelihood(samples, thetas.data(), batch, values.data(), &ess);
    ASSERT_EQ(ess.size(), sizes.size());
    for (std::size_t b = 0; b < batch; ++b) {
      SCOPED_TRACE("theta " + std::to_string(b));
      const naive_result reference =
          naive_hyper_likelihood(samples, thetas[2 * b], thetas[2 * b + 1]);
      expect_relative(values[b].log_likelihood, reference.log_likelihood, 1e-12, "ln L");
      expect_relative(values[b].variance, reference.variance, 1e-12, "variance");
      if (b == 0) {
        for (std::size_t i = 0; i < sizes.size(); ++i) {
          expect_relative(ess[i], reference.ess[i], 1e-12, "ESS " + std::to_string(i));
        }
      }
    }
  }
}

// The opt-in mixed precision against the double result, to the bound that
// hyper_likelihood_precision states: |Δ ln L̂| ≤ I·ε and |Δσ²| ≤ 4.1·ε·Σ_i 1/ESS_i, with
// ε = 1.2e-9 a term (plus the double path's own rounding, 1e-12 relative here); through
// the free function and through make_hyper_likelihood's posterior, flat and not, with θ
// near the samples and far (the exact shift's loop).
TEST(HyperLikelihood, MixedPrecisionStaysWithinItsBoundOfTheDoubleResult) {
  constexpr double term_error = 1.2e-9;
  std::vector<std::size_t> sizes = {1, 3, 7, 20, 513, 1100, 2};
  for (std::size_t i = 0; i < 60; ++i) sizes.push_back(40 + 37 * i);
  const std::vector<double> thetas = {0.0,  1.0,  0.3, 0.4,   -1.0, 3.0,  30.0, 0.5,
                                      -4.0, 0.05, 2.0, 0.001, 1.5,  0.15, -0.3, 1.9};
  const std::size_t batch = thetas.size() / 2;
  const double objects = static_cast<double>(sizes.size());
  bool any_difference = false;
  for (bool with_log_p0 : {false, true}) {
    SCOPED_TRACE(with_log_p0 ? "with log_p0" : "flat p0");
    const population_samples samples = ragged_samples(sizes, with_log_p0, 23);
    double inverse_samples = 0.0;
    for (std::size_t size : sizes) inverse_samples += 1.0 / static_cast<double>(size);
    std::vector<hyper_likelihood_value> full(batch), mixed(batch);
    hyper_log_likelihood(samples, thetas.data(), batch, full.data());
    hyper_log_likelihood(samples, thetas.data(), batch, mixed.data(), nullptr, {},
                         hyper_likelihood_precision::mixed);
    const auto posterior = make_hyper_likelihood(samples, infinity, backend_kind::cpu,
                                                 hyper_likelihood_precision::mixed);
    for (std::size_t b = 0; b < batch; ++b) {
      SCOPED_TRACE("theta " + std::to_string(b));
      ASSERT_TRUE(std::isfinite(full[b].log_likelihood));
      const double log_bound = objects * term_error + 1e-12 * std::fabs(full[b].log_likelihood);
      EXPECT_NEAR(mixed[b].log_likelihood, full[b].log_likelihood, log_bound);
      // Σ_i 1/ESS_i = σ² + Σ_i 1/S_i.
      const double variance_bound =
          4.1 * term_error * (full[b].variance + inverse_samples) + 1e-12 * full[b].variance;
      EXPECT_NEAR(mixed[b].variance, full[b].variance, variance_bound);
      any_difference = any_difference || mixed[b].log_likelihood != full[b].log_likelihood;
      double density = 0.0;
      posterior->log_density(thetas.data() + 2 * b, 1, &density);
      if (thetas[2 * b] > -5.0 && thetas[2 * b] < 5.0 && thetas[2 * b + 1] < 2.0) {
        EXPECT_EQ(density, mixed[b].log_likelihood);  // the same loops, one θ at a time
      }
    }
  }
#if defined(ISMC_HAVE_AVX512_LOOPS)
  // Where the mixed loops exist, they are what ran (else both modes are the double loops).
  if (detail::avx512::available()) EXPECT_TRUE(any_difference);
#endif
}

// Interim densities spread over hundreds of e-folds (the bounded shift's prior share then
// reaches past the floor 2^−1021 for some samples, and for some θ the bounded sums fall
// below smallest_bounded_sum and the exact shift takes over): still the long-double value.
TEST(HyperLikelihood, WidelySpreadInterimDensitiesMatchALongDoubleEvaluation) {
  std::vector<std::size_t> sizes = {1, 2, 5, 33, 700};
  population_samples samples = ragged_samples(sizes, true, 5);
  std::mt19937_64 engine(9);
  std::uniform_real_distribution<double> log_density(-400.0, 400.0);
  for (double& value : samples.log_p0) value = log_density(engine);
  const std::vector<double> thetas = {0.0, 1.0, 0.5, 0.02, -3.0, 0.3, 4.0, 2.5, 40.0, 0.7};
  const std::size_t batch = thetas.size() / 2;
  for (const auto precision :
       {hyper_likelihood_precision::double_precision, hyper_likelihood_precision::mixed}) {
    std::vector<hyper_likelihood_value> values(batch);
    hyper_log_likelihood(samples, thetas.data(), batch, values.data(), nullptr, {}, precision);
    const double tolerance =
        precision == hyper_likelihood_precision::mixed ? 1.2e-9 * sizes.size() : 0.0;
    for (std::size_t b = 0; b < batch; ++b) {
      SCOPED_TRACE("theta " + std::to_string(b));
      const naive_result reference =
          naive_hyper_likelihood(samples, thetas[2 * b], thetas[2 * b + 1]);
      const double expected = static_cast<double>(reference.log_likelihood);
      EXPECT_NEAR(values[b].log_likelihood, expected, tolerance + 1e-12 * std::fabs(expected));
      const double variance = static_cast<double>(reference.variance);
      EXPECT_NEAR(values[b].variance, variance,
                  4.1 * tolerance * (variance + 5.0) + 1e-12 * std::fabs(variance));
    }
  }
}

TEST(HyperLikelihood, ABorrowedViewGivesTheOwnedSamplesValues) {
  const std::vector<std::size_t> sizes = {1, 3, 7, 20, 513, 1100, 2};
  const std::vector<double> thetas = {0.0, 1.0, 0.3, 0.4, -1.0, 3.0, 30.0, 0.5, 2.0, -1.0};
  const std::size_t batch = thetas.size() / 2;
  for (bool with_log_p0 : {false, true}) {
    SCOPED_TRACE(with_log_p0 ? "with log_p0" : "flat p0");
    const population_samples samples = ragged_samples(sizes, with_log_p0, 5);
    const population_samples_view view = view_of(samples);
    EXPECT_EQ(view.objects, sizes.size());
    EXPECT_EQ(view.log_p0 != nullptr, with_log_p0);
    std::vector<hyper_likelihood_value> owned(batch), borrowed(batch), unchecked(batch);
    std::vector<double> owned_ess, borrowed_ess;
    hyper_log_likelihood(samples, thetas.data(), batch, owned.data(), &owned_ess);
    hyper_log_likelihood(view, thetas.data(), batch, borrowed.data(), &borrowed_ess);
    hyper_log_likelihood(validated, view, thetas.data(), batch, unchecked.data());
    for (std::size_t b = 0; b < batch; ++b) {
      EXPECT_EQ(std::memcmp(&owned[b], &borrowed[b], sizeof owned[b]), 0) << "theta " << b;
      EXPECT_EQ(std::memcmp(&owned[b], &unchecked[b], sizeof owned[b]), 0) << "theta " << b;
    }
    EXPECT_EQ(owned_ess, borrowed_ess);
  }
}

TEST(HyperLikelihood, ABorrowedViewIsValidated) {
  population_samples samples = ragged_samples({2, 3}, false, 5);
  samples.values[3] = nan;
  const population_samples_view view = view_of(samples);
  std::vector<hyper_likelihood_value> values(1);
  const double theta[] = {0.0, 1.0};
  try {
    hyper_log_likelihood(view, theta, 1, values.data());
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "samples");
    EXPECT_EQ(e.message(), "object 1, sample 1: got nan, expected a finite value");
  }
  population_samples_view empty = view;
  empty.objects = 0;
  EXPECT_THROW(validate(empty), input_error);
}

TEST(HyperLikelihood, TinyThetaSigmaAndDistantSamplesStayFinite) {
  population_samples samples;
  samples.values = {10.0, 10.5, 11.0, 12.0, -9.0, -9.5};
  samples.offsets = {0, 4, 6};
  const double theta[2] = {0.0, 1e-3};  // ln w ≈ −5e7: every weight underflows in double
  hyper_likelihood_value value;
  std::vector<double> ess;
  hyper_log_likelihood(samples, theta, 1, &value, &ess);
  ASSERT_TRUE(std::isfinite(value.log_likelihood));
  ASSERT_TRUE(std::isfinite(value.variance));
  const naive_result reference = naive_hyper_likelihood(samples, theta[0], theta[1]);
  expect_relative(value.log_likelihood, reference.log_likelihood, 1e-12, "ln L");
  // The nearest sample dominates each object completely: ESS = 1.
  EXPECT_DOUBLE_EQ(ess[0], 1.0);
  EXPECT_DOUBLE_EQ(ess[1], 1.0);
  EXPECT_NEAR(value.variance, (1.0 - 0.25) + (1.0 - 0.5), 1e-15);
}

TEST(HyperLikelihood, InvalidThetaGivesMinusInfinityNotNaN) {
  const population_samples samples = ragged_samples({3, 4}, false, 12);
  const std::vector<double> thetas = {0.0, 0.0, 0.0,      -1.0, nan, 1.0,
                                      0.0, nan, infinity, 1.0,  0.0, infinity};
  std::vector<hyper_likelihood_value> values(6);
  std::vector<double> ess;
  hyper_log_likelihood(samples, thetas.data(), 6, values.data(), &ess);
  for (const hyper_likelihood_value& value : values) {
    EXPECT_EQ(value.log_likelihood, -infinity);
    EXPECT_EQ(value.variance, infinity);
  }
  EXPECT_EQ(ess, std::vector<double>(2, 0.0));
}

TEST(HyperLikelihood, VarianceAndEssMatchAHandComputation) {
  // One object, samples 0, 1, 2, θ = (0, 1): w_n = φ(μ_n).
  const double phi0 = 0.398942280401432678, phi1 = 0.241970724519143349,
               phi2 = 0.0539909665131880520;
  population_samples samples;
  samples.values = {0.0, 1.0, 2.0};
  samples.offsets = {0, 3};
  const double theta[2] = {0.0, 1.0};
  hyper_likelihood_value value;
  std::vector<double> ess;
  hyper_log_likelihood(samples, theta, 1, &value, &ess);
  const double sum = phi0 + phi1 + phi2, sum2 = phi0 * phi0 + phi1 * phi1 + phi2 * phi2;
  EXPECT_NEAR(value.log_likelihood, std::log(sum / 3.0), 1e-15);
  EXPECT_NEAR(ess[0], sum * sum / sum2, 1e-14);
  EXPECT_NEAR(value.variance, sum2 / (sum * sum) - 1.0 / 3.0, 1e-15);

  // With an interim prior p0 = (1/2, 1/4, 1/4): w_n = φ(μ_n) / p0_n.
  samples.log_p0 = {std::log(0.5), std::log(0.25), std::log(0.25)};
  hyper_log_likelihood(samples, theta, 1, &value, &ess);
  const double w0 = 2.0 * phi0, w1 = 4.0 * phi1, w2 = 4.0 * phi2;
  const double weighted = w0 + w1 + w2, weighted2 = w0 * w0 + w1 * w1 + w2 * w2;
  EXPECT_NEAR(value.log_likelihood, std::log(weighted / 3.0), 1e-15);
  EXPECT_NEAR(ess[0], weighted * weighted / weighted2, 1e-14);
  EXPECT_NEAR(value.variance, weighted2 / (weighted * weighted) - 1.0 / 3.0, 1e-15);
}

// Moments E[w^k] of w = N(μ; θ_μ, θ_σ²) over μ ~ N(x, α²):
// (2π θ_σ²)^(−k/2) √(2π θ_σ²/k) N(x; θ_μ, θ_σ²/k + α²).
double weight_moment(int k, double x, double theta_mu, double theta_sigma, double alpha) {
  const double variance = theta_sigma * theta_sigma / k + alpha * alpha;
  const double density =
      std::exp(-0.5 * (x - theta_mu) * (x - theta_mu) / variance) / std::sqrt(2 * pi * variance);
  const double sigma2 = theta_sigma * theta_sigma;
  return std::pow(2 * pi * sigma2, -0.5 * k) * std::sqrt(2 * pi * sigma2 / k) * density;
}

// The spec's statistics of ln L̂ with a flat p0, over fresh samples for fixed data x: with
// r_i = E[w²]/E[w]² − 1, ln L̂ − ln L has mean ≈ −Σ r_i/(2S) and variance ≈ Σ r_i/S (delta
// method; the next terms are O(r_i²/S²) per object, ~1e-2 in all here against standard
// errors of ~5e-2), and E[ESS_i] = S/(1 + r_i) + O(1). The O(1) term, from the same
// second-order expansion of (Σw)²/Σw², is included when comparing within sampling error
// (it moves the mean ESS by ~0.2, several of its standard errors); likewise for the
// reported σ² = Σ (1/ESS_i − 1/S). The expansion needs r_i ≪ S for every object: an
// outlying x_i (r_i grows like exp(x_i²/6) at θ_σ = α = 1) breaks it, so the data set is
// checked for max r_i/S < 0.1.
TEST(HyperLikelihood, EstimatorStatisticsMatchTheSpec) {
  population_setting setting;
  setting.objects = 200;
  setting.samples_per_object = 400;
  const double alpha = setting.alpha, theta_mu = setting.theta_mu,
               theta_sigma = setting.theta_sigma;
  const double samples_per_object = static_cast<double>(setting.samples_per_object);
  const std::vector<double> x = simulate_population(setting, 2024).x;

  // The exact ln L and each object's r_i and E[ESS_i] (to O(1)), σ²_i's expectation.
  double exact_log_likelihood = 0.0, r_sum = 0.0, expected_variance_estimate = 0.0;
  double expected_mean_ess = 0.0, first_order_mean_ess = 0.0, max_r = 0.0;
  const double variance = theta_sigma * theta_sigma + alpha * alpha;
  for (double xi : x) {
    exact_log_likelihood +=
        -0.5 * (xi - theta_mu) * (xi - theta_mu) / variance - 0.5 * std::log(2 * pi * variance);
    const double m1 = weight_moment(1, xi, theta_mu, theta_sigma, alpha);
    const double m2 = weight_moment(2, xi, theta_mu, theta_sigma, alpha);
    const double m3 = weight_moment(3, xi, theta_mu, theta_sigma, alpha);
    const double m4 = weight_moment(4, xi, theta_mu, theta_sigma, alpha);
    const double r = m2 / (m1 * m1) - 1.0;
    r_sum += r;
    max_r = std::max(max_r, r);
    // ESS/S = A²/B with A, B the means of w and w²: E ≈ f + [½f_AA Var A + f_AB Cov(A, B)
    // + ½f_BB Var B] at (m1, m2).
    const double ess_fraction =
        m1 * m1 / m2 + ((m2 - m1 * m1) / m2 - 2.0 * m1 * (m3 - m1 * m2) / (m2 * m2) +
                        m1 * m1 * (m4 - m2 * m2) / (m2 * m2 * m2)) /
                           samples_per_object;
    expected_mean_ess += samples_per_object * ess_fraction / static_cast<double>(x.size());
    first_order_mean_ess += samples_per_object / (1.0 + r) / static_cast<double>(x.size());
    // S/ESS = B/A²: E ≈ m2/m1² + [3 m2 Var A/m1⁴ − 2 Cov(A, B)/m1³].
    const double inverse_fraction =
        m2 / (m1 * m1) +
        (3.0 * m2 * (m2 - m1 * m1) / (m1 * m1 * m1 * m1) - 2.0 * (m3 - m1 * m2) / (m1 * m1 * m1)) /
            samples_per_object;
    expected_variance_estimate += (inverse_fraction - 1.0) / samples_per_object;
  }
  const double expected_variance = r_sum / samples_per_object;
  ASSERT_LT(max_r / samples_per_object, 0.1) << "the delta method needs r_i ≪ S";

  constexpr int repeats = 200;
  std::vector<double> errors, reported_variance, mean_ess;
  const double theta[2] = {theta_mu, theta_sigma};
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const population_samples samples =
        draw_flat_prior_samples(x, alpha, setting.samples_per_object, 5000 + repeat);
    hyper_likelihood_value value;
    std::vector<double> ess;
    hyper_log_likelihood(samples, theta, 1, &value, &ess);
    errors.push_back(value.log_likelihood - exact_log_likelihood);
    reported_variance.push_back(value.variance);
    mean_ess.push_back(mean_of(ess));
  }
  const double count = repeats;
  // Bias: −σ²/2, |z| < 4 on the standard error of the mean error.
  const double error_mean = mean_of(errors), error_variance = variance_of(errors);
  EXPECT_LT(std::fabs(error_mean + 0.5 * expected_variance),
            4.0 * std::sqrt(error_variance / count))
      << "mean error " << error_mean << ", expected " << -0.5 * expected_variance;
  // The bias is really there: −σ²/2 ≈ −0.25 is ~5 standard errors from 0.
  EXPECT_LT(error_mean, 0.0);
  // Variance: σ², |z| < 4 on the sample variance's standard error σ² √(2/(M − 1)) (the
  // error is a sum of 200 independent terms, close to normal).
  EXPECT_LT(std::fabs(error_variance - expected_variance),
            4.0 * expected_variance * std::sqrt(2.0 / (count - 1.0)))
      << "variance " << error_variance << ", expected " << expected_variance;
  // The reported σ² estimates σ²: its mean against E[σ²] to O(1/S²), |z| < 4.
  EXPECT_LT(std::fabs(mean_of(reported_variance) - expected_variance_estimate),
            4.0 * std::sqrt(variance_of(reported_variance) / count))
      << "reported " << mean_of(reported_variance) << ", expected " << expected_variance_estimate;
  // ESS: the mean over objects against S/(1 + r_i) with its O(1) term, |z| < 4; and the
  // first-order form alone within 1% (its O(1) term is ~0.1% here).
  EXPECT_LT(std::fabs(mean_of(mean_ess) - expected_mean_ess),
            4.0 * std::sqrt(variance_of(mean_ess) / count))
      << "mean ESS " << mean_of(mean_ess) << ", expected " << expected_mean_ess;
  EXPECT_LT(std::fabs(mean_of(mean_ess) / first_order_mean_ess - 1.0), 0.01);
  std::printf(
      "[ stats  ] σ² = %.4f (Σr/S), mean error %.4f ± %.4f, error variance %.4f, "
      "reported σ² %.4f ± %.4f (expected %.4f), mean ESS %.2f ± %.2f (expected %.2f, "
      "first order %.2f)\n",
      expected_variance, error_mean, std::sqrt(error_variance / count), error_variance,
      mean_of(reported_variance), std::sqrt(variance_of(reported_variance) / count),
      expected_variance_estimate, mean_of(mean_ess), std::sqrt(variance_of(mean_ess) / count),
      expected_mean_ess, first_order_mean_ess);
}

TEST(HyperLikelihood, BitIdenticalForAnyThreadCountAndBatch) {
  std::vector<std::size_t> sizes(100);
  for (std::size_t i = 0; i < sizes.size(); ++i) sizes[i] = 300 + 37 * (i % 11);
  std::mt19937_64 engine(13);
  std::uniform_real_distribution<double> mu(-1.0, 3.0), sigma(0.2, 3.0);
  std::vector<double> thetas;
  for (int b = 0; b < 40; ++b) {
    thetas.push_back(mu(engine));
    thetas.push_back(sigma(engine));
  }
  for (bool with_log_p0 : {false, true}) {
    const population_samples samples = ragged_samples(sizes, with_log_p0, 14);
    std::vector<hyper_likelihood_value> reference(40);
    std::vector<double> reference_ess;
    run_hooks hooks;
    hooks.threads = 1;
    hyper_log_likelihood(samples, thetas.data(), 40, reference.data(), &reference_ess, hooks);
    for (unsigned threads : {2u, 16u}) {
      hooks.threads = threads;
      std::vector<hyper_likelihood_value> values(40);
      std::vector<double> ess;
      hyper_log_likelihood(samples, thetas.data(), 40, values.data(), &ess, hooks);
      EXPECT_EQ(std::memcmp(values.data(), reference.data(), 40 * sizeof(values[0])), 0)
          << threads << " threads";
      EXPECT_EQ(ess, reference_ess);
    }
    // One θ alone gets the value it gets in the batch.
    hyper_likelihood_value alone;
    hyper_log_likelihood(samples, thetas.data() + 2 * 17, 1, &alone);
    EXPECT_EQ(alone.log_likelihood, reference[17].log_likelihood);
    EXPECT_EQ(alone.variance, reference[17].variance);
  }
}

TEST(HyperLikelihood, StopsWhenInterrupted) {
  const population_samples samples = ragged_samples({30, 40}, false, 17);
  const double theta[2] = {0.0, 1.0};
  std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  hyper_likelihood_value value;
  EXPECT_THROW(hyper_log_likelihood(samples, theta, 1, &value, nullptr, hooks), interrupted);
}

TEST(HyperLikelihoodPosterior, PriorsAndVarianceCut) {
  const population_samples samples = ragged_samples({50, 60, 70}, false, 15);
  const std::vector<double> thetas = {0.0, 1.0, -5.0, 1.0, 5.0,  1.0,  0.0,
                                      0.0, 0.0, 2.0,  4.9, 1.99, -4.9, 0.01};
  const std::size_t batch = thetas.size() / 2;
  std::vector<hyper_likelihood_value> values(batch);
  hyper_log_likelihood(samples, thetas.data(), batch, values.data());
  const std::vector<bool> inside = {true, false, false, false, false, true, true};

  const hyper_likelihood_posterior posterior(samples);
  EXPECT_EQ(posterior.dim(), 2u);
  EXPECT_EQ(posterior.names(), (std::vector<std::string>{"theta_mu", "theta_sigma"}));
  std::vector<double> log_density(batch);
  posterior.log_density(thetas.data(), batch, log_density.data());
  for (std::size_t b = 0; b < batch; ++b) {
    EXPECT_EQ(log_density[b], inside[b] ? values[b].log_likelihood : -infinity) << b;
  }
  // σ² above the cut: −∞; at or below: ln L̂.
  const double cut = values[0].variance;
  const hyper_likelihood_posterior with_cut(samples, cut);
  with_cut.log_density(thetas.data(), batch, log_density.data());
  for (std::size_t b = 0; b < batch; ++b) {
    const bool kept = inside[b] && values[b].variance <= cut;
    EXPECT_EQ(log_density[b], kept ? values[b].log_likelihood : -infinity) << b;
  }
  EXPECT_EQ(log_density[0], values[0].log_likelihood);
  EXPECT_EQ(log_density[6], -infinity);  // θ_σ = 0.01: σ² is huge
}

}  // namespace
}  // namespace ismc

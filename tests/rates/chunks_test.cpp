// A study in chunks: every chunk draws the random numbers of its targets' and proposals'
// indices in the whole study, so chunked rows equal the whole study's bit for bit, with and
// without common random numbers, for plain Monte Carlo and importance sampling.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/chunks.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc {
namespace {

// Bitwise equality of every number of two rows (NaN-safe, -0 vs 0 distinguished).
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_identical(const rate_row& chunked, const rate_row& whole, std::size_t j) {
  SCOPED_TRACE("target " + std::to_string(j));
  ASSERT_EQ(chunked.theta, whole.theta);
  EXPECT_TRUE(same_bits(chunked.estimate, whole.estimate));
  EXPECT_TRUE(same_bits(chunked.std_error, whole.std_error));
  EXPECT_TRUE(same_bits(chunked.ci_low, whole.ci_low));
  EXPECT_TRUE(same_bits(chunked.ci_high, whole.ci_high));
  EXPECT_TRUE(same_bits(chunked.upper_bound, whole.upper_bound));
  EXPECT_EQ(chunked.sims, whole.sims);
  EXPECT_EQ(chunked.method, whole.method);
  EXPECT_EQ(chunked.rejections, whole.rejections);
  EXPECT_EQ(chunked.exact.has_value(), whole.exact.has_value());
  EXPECT_EQ(chunked.ess.has_value(), whole.ess.has_value());
  if (chunked.ess && whole.ess) EXPECT_TRUE(same_bits(*chunked.ess, *whole.ess));
}

std::vector<double> grid(std::size_t points, double low, double high) {
  std::vector<double> targets(points);
  for (std::size_t j = 0; j < points; ++j) {
    targets[j] = low + (high - low) * static_cast<double>(j) / static_cast<double>(points - 1);
  }
  return targets;
}

TEST(Chunks, PlainChunksEqualTheWholeStudyWithAndWithoutCommonRandomNumbers) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::vector<double> targets = grid(13, -2.0, 2.0);
  auto cpu = make_cpu_backend();
  for (bool crn : {true, false}) {
    run_spec run;
    run.seed = 11;
    run.common_random_numbers = crn;
    plain_spec plain;
    plain.sims = 20000;
    const rates_result whole = estimate_plain(model, targets, run, plain, *cpu);
    for (std::size_t size : {1u, 4u, 13u}) {
      for (std::size_t first = 0; first < 13; first += size) {
        const std::size_t count = std::min<std::size_t>(size, 13 - first);
        const chunk_rows chunk = plain_chunk(model, targets, first, count, run, plain, *cpu);
        ASSERT_EQ(chunk.rows.size(), count);
        for (std::size_t j = 0; j < count; ++j) {
          expect_identical(chunk.rows[j], whole.rows[first + j], first + j);
        }
      }
    }
  }
}

TEST(Chunks, ImportanceChunksEqualTheWholeStudy) {
  const gaussian_test_model model(2, test_kind::two_sided, 2.5);
  std::vector<double> targets;
  for (double a : grid(4, -1.0, 1.5))
    for (double b : grid(3, -0.5, 0.5)) targets.insert(targets.end(), {a, b});
  auto cpu = make_cpu_backend();
  for (bool crn : {true, false}) {
    run_spec run;
    run.seed = 5;
    run.method = rate_method::importance;
    run.common_random_numbers = crn;
    importance_spec spec;
    spec.pilot_sims = 500;
    spec.clusters = 3;
    spec.sims_per_proposal = 400;
    const rates_result whole = estimate_importance(model, targets, run, spec, *cpu);
    const importance_plan plan = plan_importance(model, targets, run, spec, *cpu);
    ASSERT_FALSE(plan.plain_fallback);
    std::size_t without_spread = 0;
    for (std::size_t size : {1u, 5u}) {
      without_spread = 0;
      for (std::size_t first = 0; first < 12; first += size) {
        const std::size_t count = std::min<std::size_t>(size, 12 - first);
        const chunk_rows chunk =
            importance_chunk(model, targets, first, count, run, spec, plan, *cpu);
        without_spread += chunk.without_spread;
        for (std::size_t j = 0; j < count; ++j) {
          expect_identical(chunk.rows[j], whole.rows[first + j], first + j);
        }
      }
    }
    // The chunks' counts add up to the whole study's warning, when it has one.
    bool warned = without_spread == 0;
    for (const std::string& warning : whole.warnings)
      warned = warned || warning == without_spread_warning(without_spread, spec);
    EXPECT_TRUE(warned);
  }
}

TEST(Chunks, RefusesARangeBeyondTheTargets) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  const std::vector<double> targets = grid(5, -1.0, 1.0);
  auto cpu = make_cpu_backend();
  EXPECT_THROW(plain_chunk(model, targets, 3, 3, {}, {}, *cpu), usage_error);
  EXPECT_THROW(plain_chunk(model, targets, 0, 0, {}, {}, *cpu), usage_error);
  EXPECT_THROW(importance_chunk(model, targets, 0, 5, {}, {}, importance_plan{}, *cpu),
               usage_error);
}

}  // namespace
}  // namespace ismc

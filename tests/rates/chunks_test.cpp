// A study in chunks: every chunk draws the random numbers of its targets' and proposals'
// indices in the whole study, so chunked rows equal the whole study's bit for bit, with and
// without common random numbers, for plain Monte Carlo and importance sampling.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
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

// The parts of a spread pilot as threads of one process: each part's values meet in
// `slots` between barriers (pilot_exchange's calls are collective).
struct shared_slots {
  explicit shared_slots(std::size_t parts) : parts(parts), values(parts), counts(parts) {}
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex);
    const std::size_t generation = round;
    if (++arrived == parts) {
      arrived = 0;
      ++round;
      wake.notify_all();
    } else {
      wake.wait(lock, [&] { return round != generation; });
    }
  }
  std::size_t parts;
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::uint64_t>> counts;
  std::mutex mutex;
  std::condition_variable wake;
  std::size_t arrived = 0, round = 0;
};

class thread_exchange final : public pilot_exchange {
 public:
  thread_exchange(shared_slots& slots, std::size_t part) : slots_(slots), part_(part) {}
  bool root() const override { return part_ == 0; }
  std::uint64_t sum(std::uint64_t value) override {
    slots_.counts[part_] = {value};
    slots_.barrier();
    std::uint64_t total = 0;
    for (const auto& slot : slots_.counts) total += slot.at(0);
    slots_.barrier();
    return total;
  }
  std::vector<double> gather(const std::vector<double>& values) override {
    return gather_in(slots_.values, values);
  }
  std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& values) override {
    return gather_in(slots_.counts, values);
  }
  void broadcast(std::vector<double>& values) override {
    if (root()) slots_.values[0] = values;
    slots_.barrier();
    if (!root()) values = slots_.values[0];
    slots_.barrier();
  }

 private:
  template <class T>
  std::vector<T> gather_in(std::vector<std::vector<T>>& slots, const std::vector<T>& values) {
    slots[part_] = values;
    slots_.barrier();
    std::vector<T> all;
    if (root())
      for (const auto& slot : slots) all.insert(all.end(), slot.begin(), slot.end());
    slots_.barrier();
    return all;
  }
  shared_slots& slots_;
  std::size_t part_;
};

// plan_importance_part over the parts [bounds[p], bounds[p + 1]), each on its own thread
// and backend: the root's plan, and whether the other parts returned empty plans.
importance_plan spread_plan(const model& model, const std::vector<double>& targets,
                            const run_spec& run, const importance_spec& spec,
                            const std::vector<std::size_t>& bounds, bool* others_empty) {
  const std::size_t parts = bounds.size() - 1;
  shared_slots slots(parts);
  std::vector<importance_plan> plans(parts);
  std::vector<std::exception_ptr> failures(parts);
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < parts; ++p) {
    threads.emplace_back([&, p] {
      try {
        auto cpu = make_cpu_backend();
        thread_exchange exchange(slots, p);
        run_hooks hooks;
        hooks.threads = 1;
        plans[p] = plan_importance_part(model, targets, bounds[p], bounds[p + 1] - bounds[p], run,
                                        spec, *cpu, exchange, hooks);
      } catch (...) {
        failures[p] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  *others_empty = true;
  for (std::size_t p = 1; p < parts; ++p) {
    *others_empty = *others_empty && plans[p].details.pilot_rejections.empty() &&
                    plans[p].details.proposals.empty() && plans[p].warnings.empty();
  }
  return plans[0];
}

void expect_same_plan(const importance_plan& spread, const importance_plan& whole) {
  EXPECT_EQ(spread.plain_fallback, whole.plain_fallback);
  EXPECT_EQ(spread.warnings, whole.warnings);
  EXPECT_EQ(spread.cluster_usage, whole.cluster_usage);
  const importance_details& a = spread.details;
  const importance_details& b = whole.details;
  EXPECT_EQ(a.pilot_sims, b.pilot_sims);
  EXPECT_EQ(a.pilot_rejections, b.pilot_rejections);
  EXPECT_EQ(a.clusters, b.clusters);
  ASSERT_EQ(a.cluster_centres.size(), b.cluster_centres.size());
  for (std::size_t n = 0; n < a.cluster_centres.size(); ++n)
    EXPECT_TRUE(same_bits(a.cluster_centres[n], b.cluster_centres[n])) << n;
  EXPECT_EQ(a.cluster_sizes, b.cluster_sizes);
  ASSERT_EQ(a.proposals.size(), b.proposals.size());
  for (std::size_t n = 0; n < a.proposals.size(); ++n)
    EXPECT_TRUE(same_bits(a.proposals[n], b.proposals[n])) << n;
  EXPECT_EQ(a.weights.proposal, b.weights.proposal);
  EXPECT_EQ(a.weights.offsets, b.weights.offsets);
  ASSERT_EQ(a.weights.weight.size(), b.weights.weight.size());
  for (std::size_t n = 0; n < a.weights.weight.size(); ++n)
    EXPECT_TRUE(same_bits(a.weights.weight[n], b.weights.weight[n])) << n;
  EXPECT_EQ(a.weight_source, b.weight_source);
  EXPECT_EQ(a.sims_per_proposal, b.sims_per_proposal);
  EXPECT_TRUE(same_bits(a.sims_per_target, b.sims_per_target));
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

// The pilot's passes over consecutive ranges of targets, each with its first target's
// global index, give the pool (concatenated, in target order) and the counts of one pass
// over all of them.
TEST(Chunks, PilotPassesOverConsecutiveRangesEqualOnePass) {
  const gaussian_test_model model(2, test_kind::two_sided, 2.0);
  std::vector<double> targets;
  for (double a : grid(5, -1.0, 1.0))
    for (double b : grid(3, -0.5, 0.5)) targets.insert(targets.end(), {a, b});
  const std::size_t n = 15, dim = 2, split = 6;
  auto cpu = make_cpu_backend();
  const std::vector<double> centres = {-1.0, 0.0, 1.0, 0.5, 0.0, -1.5};  // 3 cluster points
  for (bool crn : {true, false}) {
    SCOPED_TRACE(crn ? "common random numbers" : "own streams");
    std::vector<double> pool_whole, pool_parts;
    std::vector<std::uint64_t> counts_whole(n), counts_parts(n);
    cpu->collect_rejections(model, targets.data(), n, 3000, 11, crn, 0.25, pool_whole,
                            counts_whole.data(), {});
    cpu->collect_rejections(model, targets.data(), split, 0, 3000, 11, crn, 0.25, pool_parts,
                            counts_parts.data(), {});
    cpu->collect_rejections(model, targets.data() + split * dim, n - split, split, 3000, 11, crn,
                            0.25, pool_parts, counts_parts.data() + split, {});
    ASSERT_GT(pool_whole.size(), 100u);
    EXPECT_EQ(counts_parts, counts_whole);
    ASSERT_EQ(pool_parts.size(), pool_whole.size());
    for (std::size_t k = 0; k < pool_whole.size(); ++k)
      ASSERT_TRUE(same_bits(pool_parts[k], pool_whole[k])) << k;

    std::vector<std::uint64_t> labels_whole(n * 3), labels_parts(n * 3);
    cpu->count_nearest_centre(model, targets.data(), n, 3000, 11, crn, centres.data(), 3,
                              labels_whole.data(), {});
    cpu->count_nearest_centre(model, targets.data(), split, 0, 3000, 11, crn, centres.data(), 3,
                              labels_parts.data(), {});
    cpu->count_nearest_centre(model, targets.data() + split * dim, n - split, split, 3000, 11, crn,
                              centres.data(), 3, labels_parts.data() + split * 3, {});
    EXPECT_EQ(labels_parts, labels_whole);
    // Each label count adds up to its target's rejections.
    for (std::size_t j = 0; j < n; ++j)
      EXPECT_EQ(labels_whole[3 * j] + labels_whole[3 * j + 1] + labels_whole[3 * j + 2],
                counts_whole[j]);
    // Without the global index, a later range draws another target's streams.
    std::vector<std::uint64_t> shifted(n - split);
    std::vector<double> shifted_pool;
    cpu->collect_rejections(model, targets.data() + split * dim, n - split, 3000, 11, false, 0.25,
                            shifted_pool, shifted.data(), {});
    if (!crn) {
      EXPECT_NE(std::vector<std::uint64_t>(counts_whole.begin() + split, counts_whole.end()),
                shifted);
    }
  }
}

// plan_importance spread over 2 and 3 parts (one of them empty) gives plan_importance's
// plan bit for bit: a pilot that finds rejections at once, one that doubles first, and one
// that falls back to plain Monte Carlo; with a small k-means subsample, so that the keep
// fractions (sized by the whole study's counts) and the second collecting pass matter.
TEST(Chunks, ThePilotSpreadOverPartsEqualsPlanImportance) {
  std::vector<double> targets;
  for (double a : grid(4, -1.0, 1.5))
    for (double b : grid(3, -0.5, 0.5)) targets.insert(targets.end(), {a, b});
  auto cpu = make_cpu_backend();
  struct setting {
    const char* name;
    double critical;
    std::uint64_t pilot_sims;
    std::size_t max_doublings;
    bool doubles;
    bool falls_back;
    std::size_t subsample;
  };
  for (const setting& set : {setting{"at once", 2.5, 500, 10, false, false, 200},
                             setting{"doubling", 4.2, 20, 10, true, false, 200},
                             setting{"plain fallback", 9.0, 20, 1, false, true, 200},
                             setting{"first pool kept", 0.8, 1000, 10, false, false, 5000}}) {
    SCOPED_TRACE(set.name);
    const gaussian_test_model model(2, test_kind::two_sided, set.critical);
    run_spec run;
    run.seed = 5;
    run.method = rate_method::importance;
    importance_spec spec;
    spec.pilot_sims = set.pilot_sims;
    spec.clusters = 3;
    spec.sims_per_proposal = 400;
    spec.max_pilot_doublings = set.max_doublings;
    spec.kmeans_subsample = set.subsample;
    const importance_plan whole = plan_importance(model, targets, run, spec, *cpu);
    EXPECT_EQ(whole.plain_fallback, set.falls_back);
    EXPECT_EQ(whole.details.pilot_sims > set.pilot_sims, set.doubles || set.falls_back);
    for (const std::vector<std::size_t>& bounds :
         {std::vector<std::size_t>{0, 7, 12}, std::vector<std::size_t>{0, 4, 4, 12},
          std::vector<std::size_t>{0, 1, 6, 12}}) {
      SCOPED_TRACE(std::to_string(bounds.size() - 1) + " parts");
      bool others_empty = false;
      const importance_plan spread = spread_plan(model, targets, run, spec, bounds, &others_empty);
      expect_same_plan(spread, whole);
      EXPECT_TRUE(others_empty);
    }
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
  shared_slots slots(1);
  thread_exchange one(slots, 0);
  EXPECT_THROW(plan_importance_part(model, targets, 3, 3, {}, {}, *cpu, one), usage_error);
  EXPECT_THROW(plan_importance_part(model, targets, 6, 0, {}, {}, *cpu, one), usage_error);
}

}  // namespace
}  // namespace ismc

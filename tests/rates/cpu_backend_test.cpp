// The CPU backend's pilot: the labelling pass counts nearest centres over the cluster points
// that the collecting pass kept, with exactly the counts of simulating the pilot again; any
// call that does not match the last collecting pass, and a pass over its budget, simulate.
#include "rates/cpu_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc::detail {
namespace {

// One pilot: a model, its targets (a range of a study's, from `first_target`) and centres.
struct pilot {
  const model* source;  // the model, by object
  std::vector<double> params;
  std::size_t first_target;
  std::uint64_t sims;
  std::uint64_t seed;
  bool common_random_numbers;
  std::vector<double> centres;  // model.cluster_size() values each

  std::size_t n_params() const { return params.size() / source->dim(); }
  std::size_t n_centres() const { return centres.size() / source->cluster_size(); }
};

// More simulations than one task holds (2^16), so that targets span several tasks.
constexpr std::uint64_t pilot_sims = 150000;

// 1-D one-sided z-test at 1.96, seven targets in [−1, 2].
std::vector<double> one_dimensional_targets() {
  std::vector<double> targets;
  for (int j = 0; j <= 6; ++j) targets.push_back(-1.0 + 0.5 * j);
  return targets;
}

// 2-D two-sided test at 2.0, a 5 × 3 grid over [−1, 1] × [−0.5, 0.5].
std::vector<double> two_dimensional_targets() {
  std::vector<double> targets;
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 3; ++b) targets.insert(targets.end(), {-1.0 + 0.5 * a, -0.5 + 0.5 * b});
  return targets;
}

std::vector<std::uint64_t> collect(cpu_backend& backend, const pilot& p, double keep_fraction,
                                   std::vector<double>* pool = nullptr) {
  std::vector<std::uint64_t> counts(p.n_params());
  std::vector<double> samples;
  backend.collect_rejections(*p.source, p.params.data(), p.n_params(), p.first_target, p.sims,
                             p.seed, p.common_random_numbers, keep_fraction, samples, counts.data(),
                             {});
  if (pool != nullptr) *pool = std::move(samples);
  return counts;
}

std::vector<std::uint64_t> label(cpu_backend& backend, const pilot& p) {
  std::vector<std::uint64_t> counts(p.n_params() * p.n_centres());
  backend.count_nearest_centre(*p.source, p.params.data(), p.n_params(), p.first_target, p.sims,
                               p.seed, p.common_random_numbers, p.centres.data(), p.n_centres(),
                               counts.data(), {});
  return counts;
}

// The simulating path's counts: a backend that never collected.
std::vector<std::uint64_t> simulated_labels(const pilot& p) {
  cpu_backend fresh;
  std::vector<std::uint64_t> counts = label(fresh, p);
  EXPECT_EQ(fresh.labellings_from_kept_points(), 0u);
  return counts;
}

// Bitwise equality of two pools.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

class PilotLabels : public ::testing::TestWithParam<std::size_t> {
 protected:
  // The test's model and pilot: 1-D for dimension 1, 2-D for dimension 2.
  PilotLabels()
      : model_(GetParam(), GetParam() == 1 ? test_kind::one_sided : test_kind::two_sided,
               GetParam() == 1 ? 1.96 : 2.0) {}

  pilot make(bool common_random_numbers) const {
    if (GetParam() == 1) {
      return {&model_,
              one_dimensional_targets(),
              4,
              pilot_sims,
              17,
              common_random_numbers,
              {1.9, 2.3, 2.8, 3.5}};
    }
    return {&model_,
            two_dimensional_targets(),
            4,
            pilot_sims,
            17,
            common_random_numbers,
            {-2.4, 0.0, 2.4, 0.0, 0.0, 2.4, 0.0, -2.4, 2.0, 2.0}};
  }

  gaussian_test_model model_;
};

// The labelling pass after the collecting pass labels the kept points (the counter says
// so) and gives exactly the counts of simulating again: every centre's count at every
// target, with and without common random numbers, for a range of targets that does not
// start at the study's first; each target's labels add up to its rejections.
TEST_P(PilotLabels, LabelsFromKeptPointsEqualTheSimulatedCounts) {
  for (bool crn : {true, false}) {
    SCOPED_TRACE(crn ? "common random numbers" : "own streams");
    const pilot p = make(crn);
    cpu_backend backend;
    const std::vector<std::uint64_t> rejections = collect(backend, p, 0.25);
    const std::vector<std::uint64_t> labels = label(backend, p);
    EXPECT_EQ(backend.labellings_from_kept_points(), 1u);
    const std::vector<std::uint64_t> expected = simulated_labels(p);
    EXPECT_EQ(labels, expected);
    std::size_t centres_used = 0;
    for (std::size_t c = 0; c < p.n_centres(); ++c) {
      std::uint64_t in_c = 0;
      for (std::size_t j = 0; j < p.n_params(); ++j) in_c += expected[j * p.n_centres() + c];
      centres_used += in_c > 0 ? 1 : 0;
    }
    EXPECT_GE(centres_used, 3u);  // a comparison that labels can fail
    for (std::size_t j = 0; j < p.n_params(); ++j) {
      std::uint64_t total = 0;
      for (std::size_t c = 0; c < p.n_centres(); ++c) total += labels[j * p.n_centres() + c];
      EXPECT_EQ(total, rejections[j]) << j;
    }
    // The points are used once: a second labelling simulates, to the same counts.
    EXPECT_EQ(label(backend, p), expected);
    EXPECT_EQ(backend.labellings_from_kept_points(), 1u);
  }
}

// Keeping every point changes neither the counts nor the pool of the collecting pass: a
// backend over its budget (which keeps none) gives the same bits.
TEST_P(PilotLabels, KeepingPointsLeavesTheCollectingPassAsItWas) {
  const pilot p = make(false);
  cpu_backend keeping, over_budget(0);
  std::vector<double> pool_keeping, pool_over;
  EXPECT_EQ(collect(keeping, p, 0.25, &pool_keeping), collect(over_budget, p, 0.25, &pool_over));
  EXPECT_GT(pool_keeping.size(), 100u);
  EXPECT_TRUE(same_bits(pool_keeping, pool_over));
}

// Only the last collecting pass counts, whatever its keep fraction (every rejection is kept
// regardless): a recollect at another fraction still serves the labelling, a collect at other
// parameters in between does not.
TEST_P(PilotLabels, OnlyTheLastCollectingPassIsLabelled) {
  const pilot p = make(true);
  const std::vector<std::uint64_t> expected = simulated_labels(p);
  pilot other = p;
  other.params[0] += 0.25;

  cpu_backend recollected;
  collect(recollected, p, 0.01);
  collect(recollected, p, 1.0);
  EXPECT_EQ(label(recollected, p), expected);
  EXPECT_EQ(recollected.labellings_from_kept_points(), 1u);

  cpu_backend after_other;
  collect(after_other, other, 0.25);
  collect(after_other, p, 0.25);
  EXPECT_EQ(label(after_other, p), expected);
  EXPECT_EQ(after_other.labellings_from_kept_points(), 1u);

  cpu_backend replaced;
  collect(replaced, p, 0.25);
  collect(replaced, other, 0.25);
  EXPECT_EQ(label(replaced, p), expected);
  EXPECT_EQ(replaced.labellings_from_kept_points(), 0u);
}

// A labelling call that differs from the collecting pass in any argument that decides the
// samples (the model object, a parameter value, the number of targets, the first target,
// the simulations, the seed, common random numbers) simulates, and gives that call's own
// counts.
TEST_P(PilotLabels, ADifferentCallSimulates) {
  const pilot p = make(false);
  const gaussian_test_model same_kind(model_.dim(), model_.kind(), model_.critical());
  std::vector<std::pair<std::string, pilot>> variants;
  auto vary = [&](const std::string& name, auto change) {
    pilot changed = p;
    change(changed);
    variants.emplace_back(name, changed);
  };
  vary("another model object", [&](pilot& q) { q.source = &same_kind; });
  vary("another parameter value", [](pilot& q) { q.params.back() -= 0.5; });
  vary("fewer targets", [&](pilot& q) { q.params.resize(q.params.size() - model_.dim()); });
  vary("another first target", [](pilot& q) { q.first_target = 0; });
  vary("twice the simulations", [](pilot& q) { q.sims *= 2; });
  vary("another seed", [](pilot& q) { q.seed += 1; });
  vary("common random numbers", [](pilot& q) { q.common_random_numbers = true; });
  for (const auto& [name, changed] : variants) {
    SCOPED_TRACE(name);
    cpu_backend backend;
    collect(backend, p, 0.25);
    const std::vector<std::uint64_t> labels = label(backend, changed);
    EXPECT_EQ(backend.labellings_from_kept_points(), 0u);
    const std::vector<std::uint64_t> expected = simulated_labels(changed);
    EXPECT_EQ(labels, expected);
    // The unchanged labelling would have matched: the counts do differ.
    if (changed.source == p.source) EXPECT_NE(expected, simulated_labels(p));
  }
}

// Over the budget, the collecting pass keeps nothing and the labelling pass simulates, to
// the same counts: a budget of a few points, and none at all.
TEST_P(PilotLabels, OverTheBudgetTheLabellingSimulates) {
  const pilot p = make(true);
  const std::vector<std::uint64_t> expected = simulated_labels(p);
  for (std::uint64_t budget : {std::uint64_t{0}, std::uint64_t{4096}}) {
    SCOPED_TRACE("budget " + std::to_string(budget) + " bytes");
    cpu_backend backend(budget);
    collect(backend, p, 0.25);
    EXPECT_EQ(label(backend, p), expected);
    EXPECT_EQ(backend.labellings_from_kept_points(), 0u);
  }
}

// An interrupted collecting pass leaves nothing to label, even at the arguments of the pass
// before it.
TEST_P(PilotLabels, AnInterruptedCollectLeavesNothingToLabel) {
  const pilot p = make(false);
  cpu_backend backend;
  collect(backend, p, 0.25);
  const std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  std::vector<std::uint64_t> counts(p.n_params());
  std::vector<double> samples;
  EXPECT_THROW(backend.collect_rejections(*p.source, p.params.data(), p.n_params(), p.first_target,
                                          p.sims, p.seed, p.common_random_numbers, 0.25, samples,
                                          counts.data(), hooks),
               interrupted);
  EXPECT_EQ(label(backend, p), simulated_labels(p));
  EXPECT_EQ(backend.labellings_from_kept_points(), 0u);
}

// A whole importance study labels its pilot from the kept points and gives the study of a
// backend that keeps none, bit for bit: the clusters' sizes, the weights and every row.
TEST(CpuBackend, AnImportanceStudyIsTheSameWithAndWithoutKeptPoints) {
  const gaussian_test_model model(1, test_kind::one_sided, 1.96);
  std::vector<double> targets;
  for (int j = 0; j <= 20; ++j) targets.push_back(-3.0 + 0.25 * j);
  run_spec run;
  run.seed = 9;
  run.method = rate_method::importance;
  importance_spec spec;
  spec.pilot_sims = 3000;
  spec.clusters = 4;
  spec.sims_per_proposal = 2000;
  cpu_backend keeping, over_budget(0);
  const rates_result kept = estimate_importance(model, targets, run, spec, keeping);
  const rates_result simulated = estimate_importance(model, targets, run, spec, over_budget);
  EXPECT_EQ(keeping.labellings_from_kept_points(), 1u);
  EXPECT_EQ(over_budget.labellings_from_kept_points(), 0u);
  ASSERT_TRUE(kept.importance && simulated.importance);
  EXPECT_EQ(kept.importance->clusters, 4u);
  EXPECT_EQ(kept.importance->cluster_sizes, simulated.importance->cluster_sizes);
  EXPECT_TRUE(same_bits(kept.importance->weights.weight, simulated.importance->weights.weight));
  ASSERT_EQ(kept.rows.size(), simulated.rows.size());
  for (std::size_t j = 0; j < kept.rows.size(); ++j) {
    SCOPED_TRACE("target " + std::to_string(j));
    const std::vector<double> a = {kept.rows[j].estimate, kept.rows[j].std_error,
                                   kept.rows[j].ci_low, kept.rows[j].ci_high,
                                   kept.rows[j].upper_bound};
    const std::vector<double> b = {simulated.rows[j].estimate, simulated.rows[j].std_error,
                                   simulated.rows[j].ci_low, simulated.rows[j].ci_high,
                                   simulated.rows[j].upper_bound};
    EXPECT_TRUE(same_bits(a, b));
    EXPECT_EQ(kept.rows[j].rejections, simulated.rows[j].rejections);
  }
}

INSTANTIATE_TEST_SUITE_P(CpuBackend, PilotLabels, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::to_string(info.param) + "D";
                         });

}  // namespace
}  // namespace ismc::detail

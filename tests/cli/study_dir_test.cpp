// A study directory's parts: the resolved study.toml reads back to the same study, rows and
// plans round-trip through the log bit for bit, and the log refuses a file that is not one.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cli/mpi_rates.hpp"
#include "cli/results_log.hpp"
#include "cli/study_dir.hpp"
#include "ismc/core/error.hpp"
#include "ismc/io/study_file.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/chunks.hpp"
#include "support/test_files.hpp"

namespace ismc::cli {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(StudyDir, ResolvedStudyReadsBackToTheSameStudy) {
  for (const char* name : {"ztest_1d.toml", "ztest_1d_importance.toml", "ttest.toml",
                           "binomial_count.toml", "binomial_two_arm.toml"}) {
    SCOPED_TRACE(name);
    rates_study study = io::load_study(std::string(ISMC_EXAMPLES_DIR) + "/" + name);
    study.run.confidence = 0.1 + 0.2;  // a value whose shortest text has 17 digits
    study.run.chunk_targets = 7;
    const std::string text = resolved_study_toml(study);
    const rates_study again = io::parse_study(text, "study.toml");
    EXPECT_EQ(resolved_study_toml(again), text);
    EXPECT_TRUE(same_bits(again.run.confidence, study.run.confidence));
    EXPECT_EQ(again.run.chunk_targets, 7u);
    EXPECT_EQ(again.model.family, study.model.family);
    EXPECT_EQ(grid_targets(again.grid, again.model.dim), grid_targets(study.grid, study.model.dim));
    EXPECT_EQ(text_hash(text), text_hash(resolved_study_toml(again)));
  }
}

TEST(StudyDir, HashTellsStudiesApart) {
  rates_study study;
  study.grid.lower = {0.0};
  study.grid.upper = {1.0};
  study.grid.points = {3};
  const std::string first = text_hash(resolved_study_toml(study));
  study.run.seed += 1;
  EXPECT_NE(text_hash(resolved_study_toml(study)), first);
  EXPECT_EQ(text_hash(""), "cbf29ce484222325");   // FNV-1a's offset basis
  EXPECT_EQ(text_hash("a"), "af63dc4c8601ec8c");  // the published FNV-1a 64 of "a"
}

TEST(StudyDir, RowsRoundTripBitForBit) {
  rate_row plain;
  plain.theta = {-0.0, 1.0 / 3.0};
  plain.estimate = 0.125;
  plain.std_error = std::numeric_limits<double>::denorm_min();
  plain.ci_low = 0.1;
  plain.ci_high = 0.2;
  plain.upper_bound = 0.19;
  plain.sims = 1ull << 40;
  plain.rejections = 12345;
  plain.exact = 0.1234567890123;
  rate_row importance = plain;
  importance.method = rate_method::importance;
  importance.exact.reset();
  importance.ess = 17.5;
  importance.ess_per_sim = 0.001;
  const std::vector<rate_row> rows = unpack_rows(pack_rows({plain, importance}), 2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(same_bits(rows[0].theta[0], -0.0));
  EXPECT_TRUE(same_bits(rows[0].theta[1], 1.0 / 3.0));
  EXPECT_TRUE(same_bits(rows[0].std_error, plain.std_error));
  EXPECT_EQ(rows[0].sims, plain.sims);
  EXPECT_EQ(rows[0].rejections, plain.rejections);
  EXPECT_EQ(rows[0].exact, plain.exact);
  EXPECT_FALSE(rows[0].ess.has_value());
  EXPECT_EQ(rows[1].method, rate_method::importance);
  EXPECT_FALSE(rows[1].exact.has_value());
  EXPECT_EQ(rows[1].ess, 17.5);
  EXPECT_EQ(rows[1].ess_per_sim, 0.001);
  EXPECT_THROW(unpack_rows(pack_rows({plain}).substr(1), 2), runtime_failure);
}

TEST(StudyDir, PlanRoundTripsThroughJsonToTheSameRows) {
  const std::unique_ptr<model> model =
      make_model({"gaussian", 1, 0, {}}, {test_kind::one_sided, 1.96});
  std::vector<double> targets;
  for (int j = 0; j < 9; ++j) targets.push_back(-1.0 + 0.375 * j);
  run_spec run;
  run.method = rate_method::importance;
  importance_spec spec;
  spec.pilot_sims = 400;
  spec.clusters = 3;
  spec.sims_per_proposal = 300;
  auto cpu = make_cpu_backend();
  const importance_plan plan = plan_importance(*model, targets, run, spec, *cpu);
  const importance_plan again = plan_from_json(plan_json(plan, 1), targets, 1, "log");
  EXPECT_EQ(again.details.proposals, plan.details.proposals);
  EXPECT_EQ(again.details.weights.weight, plan.details.weights.weight);
  EXPECT_EQ(again.cluster_usage, plan.cluster_usage);
  const chunk_rows original = importance_chunk(*model, targets, 2, 5, run, spec, plan, *cpu);
  const chunk_rows read = importance_chunk(*model, targets, 2, 5, run, spec, again, *cpu);
  ASSERT_EQ(read.rows.size(), 5u);
  for (std::size_t j = 0; j < 5; ++j) {
    EXPECT_TRUE(same_bits(read.rows[j].estimate, original.rows[j].estimate));
    EXPECT_TRUE(same_bits(read.rows[j].std_error, original.rows[j].std_error));
  }
}

TEST(StudyDir, LogKeepsChunksAndRefusesOtherFiles) {
  testing::temp_dir dir;
  const std::string path = dir.file("results.sqlite");
  {
    results_log log = results_log::create(path, {{"study_hash", "abc"}, {"targets", "4"}});
    logged_chunk chunk;
    chunk.index = 1;
    chunk.first = 2;
    chunk.count = 2;
    chunk.has_exact = true;
    rate_row row;
    row.theta = {0.5};
    row.estimate = 0.25;
    chunk.rows = {row, row};
    log.append(chunk);
    log.write_plan("{}");
    EXPECT_THROW(log.append(chunk), runtime_failure);  // a chunk is logged once
  }
  const results_log log = results_log::open(path, false);
  EXPECT_EQ(log.fact("study_hash"), "abc");
  EXPECT_THROW(log.fact("missing"), input_error);
  ASSERT_EQ(log.chunks().size(), 1u);
  EXPECT_EQ(log.chunks()[0].first, 2u);
  EXPECT_TRUE(log.chunks()[0].has_exact);
  EXPECT_EQ(log.read_rows(1, 1).size(), 2u);
  EXPECT_EQ(log.plan(), std::optional<std::string>("{}"));
  testing::write_text(dir.file("other"), std::string(4096, 'x'));
  EXPECT_THROW(results_log::open(dir.file("other"), false), input_error);
  EXPECT_THROW(results_log::create(path, {}), runtime_failure);  // never over a log
}

// Rank r of a node uses GPU (node-local rank mod devices): from CUDA_VISIBLE_DEVICES's list
// when it is set, else from the devices the driver lists; no choice with one device or none.
TEST(StudyDir, RankDeviceIsLocalRankModDevices) {
  // Unset: the driver's ordinals.
  EXPECT_EQ(rank_visible_devices(0, nullptr, 4), "0");
  EXPECT_EQ(rank_visible_devices(3, nullptr, 4), "3");
  EXPECT_EQ(rank_visible_devices(5, nullptr, 4), "1");
  EXPECT_EQ(rank_visible_devices(2, nullptr, 2), "0");
  EXPECT_EQ(rank_visible_devices(2, nullptr, 1), std::nullopt);
  EXPECT_EQ(rank_visible_devices(2, nullptr, 0), std::nullopt);
  // Set: its entries (ordinals or UUIDs), in its order, whatever the driver lists.
  EXPECT_EQ(rank_visible_devices(0, "2,3", 8), "2");
  EXPECT_EQ(rank_visible_devices(1, "2,3", 8), "3");
  EXPECT_EQ(rank_visible_devices(2, "2,3", 8), "2");
  EXPECT_EQ(rank_visible_devices(4, "GPU-a,GPU-b,GPU-c", 0), "GPU-b");
  EXPECT_EQ(rank_visible_devices(1, "5", 8), std::nullopt);  // one device: all ranks share it
  EXPECT_EQ(rank_visible_devices(1, "", 8), std::nullopt);   // none visible: CPU
}

}  // namespace
}  // namespace ismc::cli

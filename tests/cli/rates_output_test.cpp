// The CSV, the JSON report and the table: columns, round-tripping numbers, files written
// atomically.

#include "cli/rates_output.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"

namespace ismc::cli {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

rate_row plain_row(std::vector<double> theta, double estimate) {
  rate_row row;
  row.theta = std::move(theta);
  row.estimate = estimate;
  row.std_error = 0.125;
  row.ci_low = 0.0625;
  row.ci_high = 0.5;
  row.upper_bound = 0.4375;
  row.sims = 1000;
  row.rejections = 250;
  row.method = rate_method::plain;
  return row;
}

rates_study small_study() {
  rates_study study;
  study.model.dim = 2;
  study.grid.lower = {0.0, 10.0};
  study.grid.upper = {1.0, 11.0};
  study.grid.points = {2, 3};
  return study;
}

TEST(RatesOutput, CsvColumnsForPlainRows) {
  const std::vector<rate_row> rows = {plain_row({-1.0, 0.5}, 0.25), plain_row({0.0, 0.5}, 0.75)};
  const std::vector<std::string> lines = lines_of(csv_text(rows, 2));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "theta_0,theta_1,estimate,std_error,ci_low,ci_high,upper_bound,sims,method");
  EXPECT_EQ(lines[1], "-1,0.5,0.25,0.125,0.0625,0.5,0.4375,1000,plain");
  EXPECT_EQ(lines[2], "0,0.5,0.75,0.125,0.0625,0.5,0.4375,1000,plain");
}

TEST(RatesOutput, CsvAddsExactAndEssColumnsWhenAnyRowHasThem) {
  std::vector<rate_row> rows = {plain_row({0.0}, 0.25), plain_row({1.0}, 0.5)};
  rows[0].exact = 0.2;
  rows[1].method = rate_method::importance;
  rows[1].ess = 1500.5;
  rows[1].ess_per_sim = 1.5;
  const std::vector<std::string> lines = lines_of(csv_text(rows, 1));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(
      lines[0],
      "theta_0,estimate,std_error,ci_low,ci_high,upper_bound,sims,method,exact,ess,ess_per_sim");
  EXPECT_EQ(lines[1], "0,0.25,0.125,0.0625,0.5,0.4375,1000,plain,0.2,,");
  EXPECT_EQ(lines[2], "1,0.5,0.125,0.0625,0.5,0.4375,1000,importance,,1500.5,1.5");
}

TEST(RatesOutput, WriteCsvLeavesOnlyTheFile) {
  testing::temp_dir dir;
  const std::string path = dir.file("rates.csv");
  const std::vector<rate_row> rows = {plain_row({0.0}, 0.25)};
  write_csv(path, rows, 1);
  EXPECT_EQ(testing::read_text(path), csv_text(rows, 1));
  EXPECT_EQ(dir.entries(), std::set<std::string>{"rates.csv"});
  // Overwriting replaces the whole file.
  write_csv(path, {plain_row({0.0}, 0.5), plain_row({1.0}, 0.5)}, 1);
  EXPECT_EQ(lines_of(testing::read_text(path)).size(), 3u);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"rates.csv"});
}

TEST(RatesOutput, FailedWriteNamesThePathAndLeavesNothing) {
  testing::temp_dir dir;
  const std::string path = dir.file("no_such_dir/rates.csv");
  try {
    write_csv(path, {plain_row({0.0}, 0.25)}, 1);
    ADD_FAILURE() << "no error";
  } catch (const runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.entries().empty());
  // Renaming onto a directory fails after the temporary file was written: it is removed.
  const std::string directory = dir.file("taken");
  std::filesystem::create_directory(directory);
  EXPECT_THROW(write_json(directory, small_study(), rates_result{}, run_info{}), runtime_failure);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"taken"});
}

TEST(RatesOutput, StudyJsonHasEveryResolvedFieldAndTheTargets) {
  const nlohmann::json json = to_json(small_study());
  EXPECT_EQ(json["model"]["family"], "gaussian");
  EXPECT_EQ(json["model"]["dim"], 2);
  EXPECT_EQ(json["test"]["kind"], "one_sided");
  EXPECT_EQ(json["test"]["critical"], 1.96);
  EXPECT_EQ(json["grid"]["points"], nlohmann::json({2, 3}));
  EXPECT_EQ(json["grid"]["targets"],
            nlohmann::json(
                {{0.0, 10.0}, {0.0, 10.5}, {0.0, 11.0}, {1.0, 10.0}, {1.0, 10.5}, {1.0, 11.0}}));
  EXPECT_EQ(json["run"]["method"], "plain");
  EXPECT_EQ(json["run"]["seed"], 42);
  EXPECT_EQ(json["run"]["confidence"], 0.99);
  EXPECT_EQ(json["run"]["common_random_numbers"], true);
  EXPECT_EQ(json["plain"]["sims"], 100000);
  const importance_spec defaults;
  EXPECT_EQ(json["importance"]["pilot_sims"], defaults.pilot_sims);
  EXPECT_EQ(json["importance"]["clusters"], defaults.clusters);
  EXPECT_EQ(json["importance"]["self_weight"], defaults.self_weight);
  EXPECT_EQ(json["importance"]["sims_per_proposal"], defaults.sims_per_proposal);
  EXPECT_EQ(json["importance"]["kmeans_restarts"], defaults.kmeans_restarts);
  EXPECT_EQ(json["importance"]["kmeans_max_iterations"], defaults.kmeans_max_iterations);
  EXPECT_EQ(json["importance"]["kmeans_subsample"], defaults.kmeans_subsample);
  EXPECT_EQ(json["importance"]["max_pilot_doublings"], defaults.max_pilot_doublings);

  rates_study listed = small_study();
  listed.grid = grid_spec{};
  listed.grid.thetas = {{1.0, 2.0}, {-1.0, 0.0}};
  const nlohmann::json listed_json = to_json(listed);
  EXPECT_EQ(listed_json["grid"]["thetas"], listed_json["grid"]["targets"]);
  EXPECT_FALSE(listed_json["grid"].contains("lower"));
}

TEST(RatesOutput, ReportJsonRoundTrips) {
  rates_result result;
  result.rows = {plain_row({0.0, 10.0}, 1.0 / 3.0)};
  result.rows[0].exact = 0.3;
  result.warnings = {"something to know"};
  result.backend = "cpu";
  run_info info;
  info.seed = 7;
  info.backend = "cpu";
  info.wall_seconds = 1.5;
  testing::temp_dir dir;
  const std::string path = dir.file("rates.json");
  write_json(path, small_study(), result, info);
  const nlohmann::json json = nlohmann::json::parse(testing::read_text(path));
  EXPECT_EQ(json["ismc_version"], ismc::version);
  EXPECT_EQ(json["seed"], 7);
  EXPECT_EQ(json["backend"], "cpu");
  EXPECT_EQ(json["wall_seconds"], 1.5);
  EXPECT_EQ(json["study"], to_json(small_study()));
  ASSERT_EQ(json["rows"].size(), 1u);
  EXPECT_EQ(json["rows"][0]["estimate"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(json["rows"][0]["theta"], nlohmann::json({0.0, 10.0}));
  EXPECT_EQ(json["rows"][0]["exact"], 0.3);
  EXPECT_EQ(json["rows"][0]["method"], "plain");
  EXPECT_EQ(json["rows"][0]["rejections"], 250);
  EXPECT_FALSE(json["rows"][0].contains("ess"));
  EXPECT_EQ(json["warnings"], nlohmann::json({"something to know"}));
  EXPECT_EQ(json["stages"], nlohmann::json::object());
  EXPECT_EQ(dir.entries(), std::set<std::string>{"rates.json"});
}

TEST(RatesOutput, TableIsAligned) {
  std::vector<rate_row> rows = {plain_row({-2.0}, 6e-05), plain_row({0.4}, 0.123456789)};
  std::string table = format_table(rows, 1);
  std::vector<std::string> lines = lines_of(table);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].size(), lines[1].size());
  EXPECT_EQ(lines[1].size(), lines[2].size());
  EXPECT_NE(lines[0].find("theta_0"), std::string::npos);
  EXPECT_EQ(lines[0].find("exact"), std::string::npos);
  EXPECT_NE(lines[2].find("0.123457"), std::string::npos);

  rows[1].exact = 0.125;
  lines = lines_of(format_table(rows, 1));
  EXPECT_NE(lines[0].find("exact"), std::string::npos);
  EXPECT_NE(lines[1].find(" -"), std::string::npos);  // the row without an exact rate
  EXPECT_EQ(lines[0].size(), lines[2].size());
}

// An importance run's JSON says how it chose its proposals: one per target and one per
// cluster, cluster sizes that add up to the pilot rejections, weights summing to 1.
TEST(RatesOutput, ReportRecordsWhereEachStageRan) {
  // What a CUDA run of a model without a device form records: every stage on the host.
  rates_result result;
  result.rows = {plain_row({0.0, 10.0}, 0.25)};
  result.backend = "cuda";
  result.stages = stage_records(
      "cuda", false,
      {rates_stage::pilot, rates_stage::kmeans, rates_stage::labelling, rates_stage::four_index});
  EXPECT_EQ(
      report_json(small_study(), result, run_info{})["stages"],
      nlohmann::json(
          {{"pilot", "cpu"}, {"kmeans", "cpu"}, {"labelling", "cpu"}, {"four_index", "cpu"}}));
  // A plain run on the CPU, end to end.
  rates_study study = small_study();
  study.run.method = rate_method::plain;
  study.plain.sims = 1000;
  auto cpu = make_cpu_backend();
  EXPECT_EQ(report_json(study, run_rates(study, *cpu), run_info{})["stages"],
            nlohmann::json({{"plain", "cpu"}}));
}

TEST(RatesOutput, ImportanceReportHoldsProposalsWeightsAndClusters) {
  rates_study study;
  study.run.method = rate_method::importance;
  study.grid.lower = {-3.0};
  study.grid.upper = {1.0};
  study.grid.points = {5};
  auto cpu = make_cpu_backend();
  const rates_result result = run_rates(study, *cpu);
  ASSERT_TRUE(result.importance.has_value());
  const nlohmann::json report = report_json(study, result, run_info{});
  const nlohmann::json& importance = report.at("importance");
  const std::size_t clusters = importance.at("clusters").get<std::size_t>();
  EXPECT_EQ(clusters, 5u);
  EXPECT_EQ(importance.at("proposals").size(), 5u + clusters);
  EXPECT_EQ(importance.at("proposals")[5].at("kind"), "cluster");
  std::uint64_t pilot_total = 0, cluster_total = 0;
  for (const auto& target : importance.at("weights")) {
    pilot_total += target.at("pilot_rejections").get<std::uint64_t>();
    double total = 0.0;
    for (const auto& entry : target.at("entries")) total += entry.at("weight").get<double>();
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
  for (const auto& size : importance.at("cluster_sizes"))
    cluster_total += size.get<std::uint64_t>();
  EXPECT_EQ(pilot_total, cluster_total);
  // θ = −3 (rate 1.6e-4) sees no pilot rejection and borrows its weights from a neighbour.
  EXPECT_EQ(importance.at("weights")[0].at("pilot_rejections"), 0u);
  EXPECT_NE(importance.at("weights")[0].at("weight_source"), 0u);
  EXPECT_FALSE(report.at("warnings").empty());
}

}  // namespace
}  // namespace ismc::cli

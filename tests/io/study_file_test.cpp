// Reading study files: every default, every kind of bad input with its field and line.

#include "ismc/io/study_file.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/error_messages.hpp"
#include "support/test_files.hpp"
#include "ismc/core/error.hpp"

namespace ismc::io {
namespace {

// A minimal valid study: lines 1-9 (line numbers matter to the tests below).
const std::string minimal =
    "[model]\n"               // 1
    "dim = 1\n"               // 2
    "[test]\n"                // 3
    "kind = \"one_sided\"\n"  // 4
    "critical = 1.96\n"       // 5
    "[grid]\n"                // 6
    "lower = [-2.0]\n"        // 7
    "upper = [2.0]\n"         // 8
    "points = [5]\n";         // 9

// Expects parsing `text` to fail naming `field` at `line`, with `fragment` in the message.
void expect_input_error(const std::string& text, const std::string& field, long line,
                        const std::string& fragment) {
  testing::expect_input_error(
      [](const std::string& t, const std::string& name) { return parse_study(t, name); }, text,
      field, line, fragment);
}

TEST(StudyFile, MinimalStudyGetsEveryDefault) {
  const rates_study study = parse_study(minimal, "study.toml");
  const rates_study defaults;
  EXPECT_EQ(study.model.family, "gaussian");
  EXPECT_EQ(study.model.dim, 1u);
  EXPECT_EQ(study.test.kind, test_kind::one_sided);
  EXPECT_EQ(study.test.critical, 1.96);
  EXPECT_EQ(study.grid.lower, std::vector<double>{-2.0});
  EXPECT_EQ(study.grid.upper, std::vector<double>{2.0});
  EXPECT_EQ(study.grid.points, std::vector<std::size_t>{5});
  EXPECT_TRUE(study.grid.thetas.empty());
  EXPECT_EQ(study.run.method, defaults.run.method);
  EXPECT_EQ(study.run.seed, defaults.run.seed);
  EXPECT_EQ(study.run.confidence, defaults.run.confidence);
  EXPECT_EQ(study.run.common_random_numbers, defaults.run.common_random_numbers);
  EXPECT_EQ(study.plain.sims, defaults.plain.sims);
  EXPECT_EQ(study.importance.pilot_sims, defaults.importance.pilot_sims);
  EXPECT_EQ(study.importance.clusters, defaults.importance.clusters);
  EXPECT_EQ(study.importance.self_weight, defaults.importance.self_weight);
  EXPECT_EQ(study.importance.sims_per_proposal, defaults.importance.sims_per_proposal);
  EXPECT_EQ(study.importance.kmeans_restarts, defaults.importance.kmeans_restarts);
  EXPECT_EQ(study.importance.kmeans_max_iterations, defaults.importance.kmeans_max_iterations);
  EXPECT_EQ(study.importance.kmeans_subsample, defaults.importance.kmeans_subsample);
  EXPECT_EQ(study.importance.max_pilot_doublings, defaults.importance.max_pilot_doublings);
}

TEST(StudyFile, EveryKeyIsRead) {
  const std::string text =
      "[model]\nfamily = \"gaussian\"\ndim = 2\n"
      "[test]\nkind = \"norm\"\ncritical = 9\n"  // an integer where a float is expected
      "[grid]\nthetas = [[0.0, 1.0], [2, 3.5]]\n"
      "[run]\nmethod = \"importance\"\nseed = 7\nconfidence = 0.95\ncommon_random_numbers = false\n"
      "[plain]\nsims = 1234\n"
      "[importance]\npilot_sims = 11\nclusters = 3\nself_weight = 0.5\nsims_per_proposal = 13\n"
      "kmeans_restarts = 2\nkmeans_max_iterations = 17\nkmeans_subsample = 19\n"
      "max_pilot_doublings = 0\n";
  const rates_study study = parse_study(text, "study.toml");
  EXPECT_EQ(study.model.dim, 2u);
  EXPECT_EQ(study.test.kind, test_kind::norm);
  EXPECT_EQ(study.test.critical, 9.0);
  ASSERT_EQ(study.grid.thetas.size(), 2u);
  EXPECT_EQ(study.grid.thetas[1], (std::vector<double>{2.0, 3.5}));
  EXPECT_EQ(study.run.method, rate_method::importance);
  EXPECT_EQ(study.run.seed, 7u);
  EXPECT_EQ(study.run.confidence, 0.95);
  EXPECT_FALSE(study.run.common_random_numbers);
  EXPECT_EQ(study.plain.sims, 1234u);
  EXPECT_EQ(study.importance.pilot_sims, 11u);
  EXPECT_EQ(study.importance.clusters, 3u);
  EXPECT_EQ(study.importance.self_weight, 0.5);
  EXPECT_EQ(study.importance.sims_per_proposal, 13u);
  EXPECT_EQ(study.importance.kmeans_restarts, 2u);
  EXPECT_EQ(study.importance.kmeans_max_iterations, 17u);
  EXPECT_EQ(study.importance.kmeans_subsample, 19u);
  EXPECT_EQ(study.importance.max_pilot_doublings, 0u);
}

TEST(StudyFile, ExamplesLoad) {
  const rates_study plain = load_study(std::string(ISMC_EXAMPLES_DIR) + "/ztest_1d.toml");
  EXPECT_EQ(plain.run.method, rate_method::plain);
  EXPECT_EQ(plain.test.critical, 1.96);
  EXPECT_EQ(plain.grid.points, std::vector<std::size_t>{11});
  EXPECT_EQ(plain.plain.sims, 100000u);
  EXPECT_EQ(plain.run.seed, 42u);
  EXPECT_EQ(plain.importance.clusters, 5u);
  const rates_study importance =
      load_study(std::string(ISMC_EXAMPLES_DIR) + "/ztest_1d_importance.toml");
  EXPECT_EQ(importance.run.method, rate_method::importance);
  EXPECT_EQ(importance.importance.pilot_sims, 1000u);
  EXPECT_EQ(importance.importance.self_weight, 0.01);
}

TEST(StudyFile, UnusedMethodSectionIsAllowedButCheckedForTypos) {
  EXPECT_NO_THROW(parse_study(minimal + "[importance]\nclusters = 4\n", "study.toml"));
  expect_input_error(minimal + "[importance]\nclusterz = 4\n", "importance.clusterz", 11,
                     "did you mean 'clusters'?");
}

TEST(StudyFile, MissingFields) {
  expect_input_error("[model]\ndim = 1\n[test]\nkind = \"one_sided\"\n[grid]\nthetas = [[0.0]]\n",
                     "test.critical", 3, "missing");
  expect_input_error("[model]\ndim = 1\n[test]\ncritical = 2.0\n[grid]\nthetas = [[0.0]]\n",
                     "test.kind", 3, "missing");
  expect_input_error("[test]\nkind = \"one_sided\"\ncritical = 2.0\n[grid]\nthetas = [[0.0]]\n",
                     "model.dim", 0, "missing");
  expect_input_error("[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 2.0\n[grid]\n",
                     "grid", 6, "missing");
  expect_input_error("[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 2.0\n", "grid", 0,
                     "missing");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 2.0\n"
      "[grid]\nlower = [0.0]\nupper = [1.0]\n",
      "grid.points", 6, "missing");
}

TEST(StudyFile, WrongTypes) {
  expect_input_error(minimal + "[plain]\nsims = \"many\"\n", "plain.sims", 11,
                     "got \"many\" (a string), expected an integer > 0");
  expect_input_error(minimal + "[plain]\nsims = 1e5\n", "plain.sims", 11, "(a float)");
  expect_input_error(minimal + "[plain]\nsims = 100.0\n", "plain.sims", 11, "got 100.0 (a float)");
  expect_input_error(minimal + "[run]\ncommon_random_numbers = 1\n", "run.common_random_numbers",
                     11, "expected true or false");
  expect_input_error(minimal + "[run]\nconfidence = \"0.99\"\n", "run.confidence", 11,
                     "expected a number");
  expect_input_error(minimal + "[run]\nmethod = 1\n", "run.method", 11, "got 1 (an integer)");
  expect_input_error(minimal + "[run]\nseed = -1\n", "run.seed", 11,
                     "got -1, expected an integer >= 0");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = -2.0\nupper = [2.0]\npoints = [3]\n",
      "grid.lower", 7, "expected an array of numbers");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [\"a\"]\nupper = [2.0]\npoints = [3]\n",
      "grid.lower[0]", 7, "expected a number");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [0.0]\nupper = [2.0]\npoints = [2.5]\n",
      "grid.points[0]", 9, "expected an integer > 0");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nthetas = [0.0, 1.0]\n",
      "grid.thetas[0]", 7, "expected a target");
  expect_input_error("plain = 5\n" + minimal, "plain", 1, "expected a section [plain]");
}

TEST(StudyFile, NonPositiveSims) {
  expect_input_error(minimal + "[plain]\nsims = -5\n", "plain.sims", 11,
                     "got -5, expected an integer > 0");
  expect_input_error(minimal + "[plain]\nsims = 0\n", "plain.sims", 11,
                     "got 0, expected an integer > 0");
  expect_input_error(minimal + "[importance]\npilot_sims = 0\n", "importance.pilot_sims", 11,
                     "expected an integer > 0");
  expect_input_error(minimal + "[importance]\nsims_per_proposal = 1\n",
                     "importance.sims_per_proposal", 11, "expected an integer > 1");
  expect_input_error(minimal + "[importance]\nclusters = 0\n", "importance.clusters", 11,
                     "expected an integer > 0");
}

TEST(StudyFile, OutOfRangeValues) {
  expect_input_error(minimal + "[run]\nconfidence = 1.0\n", "run.confidence", 11,
                     "got 1, expected a number strictly between 0 and 1");
  expect_input_error(minimal + "[importance]\nself_weight = 0.0\n", "importance.self_weight", 11,
                     "expected a number in (0, 1]");
  expect_input_error(minimal + "[importance]\nself_weight = 1.5\n", "importance.self_weight", 11,
                     "expected a number in (0, 1]");
  expect_input_error(
      "[model]\ndim = 0\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nthetas = [[0.0]]\n",
      "model.dim", 2, "expected an integer in [1, 64]");
  expect_input_error(
      "[model]\nfamily = \"poisson\"\ndim = 1\n[test]\nkind = \"one_sided\"\n"
      "critical = 1.0\n[grid]\nthetas = [[0.0]]\n",
      "model.family", 2, "expected \"gaussian\"");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [0.0]\nupper = [2.0]\npoints = [0]\n",
      "grid.points", 9, "got points[0] = 0, expected an integer > 0");
}

TEST(StudyFile, UnknownTestKindAndMethod) {
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"one-sided\"\ncritical = 1.0\n"
      "[grid]\nthetas = [[0.0]]\n",
      "test.kind", 4, "did you mean 'one_sided'?");
  expect_input_error(
      "[model]\ndim = 1\n[test]\nkind = \"wald\"\ncritical = 1.0\n"
      "[grid]\nthetas = [[0.0]]\n",
      "test.kind", 4, "got \"wald\", expected one of one_sided, two_sided, sum, max, norm");
  expect_input_error(minimal + "[run]\nmethod = \"mcmc\"\n", "run.method", 11,
                     "got \"mcmc\", expected one of plain, importance");
}

TEST(StudyFile, GridOfTheWrongLength) {
  const std::string head = "[model]\ndim = 2\n[test]\nkind = \"sum\"\ncritical = 1.0\n[grid]\n";
  expect_input_error(head + "lower = [0.0]\nupper = [1.0, 1.0]\npoints = [2, 2]\n", "grid.lower", 7,
                     "got 1 value, expected 2");
  expect_input_error(head + "lower = [0.0, 0.0]\nupper = [1.0, 1.0, 1.0]\npoints = [2, 2]\n",
                     "grid.upper", 8, "got 3 values, expected 2");
  expect_input_error(head + "lower = [0.0, 0.0]\nupper = [1.0, 1.0]\npoints = [2]\n", "grid.points",
                     9, "got 1 value, expected 2");
  expect_input_error(head + "thetas = [[0.0, 1.0],\n  [1.0]]\n", "grid.thetas[1]", 8,
                     "got 1 value, expected 2");
  expect_input_error(head +
                         "lower = [0.0, 0.0]\nupper = [1.0, 1.0]\npoints = [2, 2]\n"
                         "thetas = [[0.0, 1.0]]\n",
                     "grid.thetas", 10, "not both");
}

TEST(StudyFile, LowerAboveUpper) {
  const std::string head = "[model]\ndim = 2\n[test]\nkind = \"sum\"\ncritical = 1.0\n[grid]\n";
  expect_input_error(head + "lower = [0.0, 3.0]\nupper = [1.0, 2.0]\npoints = [2, 2]\n",
                     "grid.lower", 7, "lower[1] = 3 > upper[1] = 2");
  // Equal bounds are a degenerate but valid coordinate.
  EXPECT_NO_THROW(parse_study(head + "lower = [0.0, 2.0]\nupper = [1.0, 2.0]\npoints = [2, 1]\n",
                              "study.toml"));
}

TEST(StudyFile, NonFiniteNumbers) {
  const std::string head = "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\n";
  expect_input_error(head + "critical = inf\n[grid]\nthetas = [[0.0]]\n", "test.critical", 5,
                     "got inf, expected a finite number");
  expect_input_error(head + "critical = nan\n[grid]\nthetas = [[0.0]]\n", "test.critical", 5,
                     "got nan, expected a finite number");
  expect_input_error(head + "critical = 1.0\n[grid]\nlower = [-inf]\nupper = [1.0]\npoints = [2]\n",
                     "grid.lower[0]", 7, "got -inf");
  expect_input_error(head + "critical = 1.0\n[grid]\nthetas = [[nan]]\n", "grid.thetas[0][0]", 7,
                     "got nan");
  expect_input_error(minimal + "[run]\nconfidence = nan\n", "run.confidence", 11, "finite");
}

TEST(StudyFile, UnknownKeysAndSections) {
  expect_input_error(minimal + "[plain]\nsim = 5\n", "plain.sim", 11, "did you mean 'sims'?");
  expect_input_error(minimal + "[plane]\nsims = 5\n", "plane", 10,
                     "unknown section [plane]; expected one of model, test, grid, run, plain, "
                     "importance, tiles, null, validate, calibrate (did you mean 'plain'?)");
  expect_input_error("seed = 3\n" + minimal, "seed", 1, "outside any section");
  expect_input_error(minimal + "[run.extra]\nseed = 3\n", "run.extra", 10, "unknown key in [run]");
  expect_input_error(minimal + "[[run]]\nseed = 3\n", "run", 10, "expected a section [run]");
  expect_input_error(
      "[model]\ndim = 1\nDim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nthetas = [[0.0]]\n",
      "model.Dim", 3, "unknown key in [model]");
}

TEST(StudyFile, SyntaxError) {
  expect_input_error(minimal + "[plain]\nsims = 5 5\n", "", 11, "TOML syntax error");
  expect_input_error(minimal + "[plain]\nsims = 5\nsims = 6\n", "", 12, "TOML syntax error");
  expect_input_error("[model\ndim = 1\n", "", 1, "TOML syntax error");
}

TEST(StudyFile, UnreadableFile) {
  testing::temp_dir dir;
  const std::string missing = dir.file("missing.toml");
  try {
    load_study(missing);
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), missing);
    EXPECT_EQ(e.field(), "");
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_study(dir.path().string()), input_error);
}

TEST(StudyFile, LoadStudyNamesTheFile) {
  testing::temp_dir dir;
  const std::string path = dir.file("bad.toml");
  testing::write_text(path, minimal + "[plain]\nsims = -5\n");
  try {
    load_study(path);
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ":11: field 'plain.sims': got -5, expected an integer > 0");
  }
}

}  // namespace
}  // namespace ismc::io

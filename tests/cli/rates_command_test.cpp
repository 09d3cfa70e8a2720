// The `ismc` command line run in-process: exit codes, messages and the files it leaves.

#include "cli/cli_runner.hpp"
#include "cli/commands.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_files.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/devices.hpp"

namespace ismc::cli {
namespace {

using testing::cli_result;
using testing::lines_of;
const auto run = testing::run_ismc;

// The model, test and grid of a small valid study: 5 targets (lines 1-9).
const std::string base_study =
    "[model]\n"               // 1
    "dim = 1\n"               // 2
    "[test]\n"                // 3
    "kind = \"one_sided\"\n"  // 4
    "critical = 1.0\n"        // 5
    "[grid]\n"                // 6
    "lower = [-1.0]\n"        // 7
    "upper = [1.0]\n"         // 8
    "points = [5]\n";         // 9

// The small valid study at 1000 simulations per target.
const std::string good_study = base_study + "[plain]\nsims = 1000\n";

// Runs `ismc rates` on `study_text` with --out and --json; expects exit code 2, an error
// naming `field` at line `line`, and no file but the study left in the directory.
void expect_rejected(const std::string& study_text, const std::string& field, long line) {
  SCOPED_TRACE("field " + field);
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, study_text);
  const cli_result result = run({"rates", study, "--out", dir.file("rates.csv"), "--json",
                                 dir.file("rates.json"), "--quiet"});
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_EQ(result.err.rfind("ismc: error: ", 0), 0u) << result.err;
  EXPECT_NE(result.err.find(study + ":" + std::to_string(line) + ": "), std::string::npos)
      << result.err;
  if (!field.empty()) {
    EXPECT_NE(result.err.find("field '" + field + "'"), std::string::npos) << result.err;
  }
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
}

TEST(RatesCommand, MissingField) {
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\n"
      "[grid]\nlower = [-1.0]\nupper = [1.0]\npoints = [5]\n",
      "test.critical", 3);
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [-1.0]\nupper = [1.0]\n",
      "grid.points", 6);
}

TEST(RatesCommand, WrongType) {
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = \"1.96\"\n"
      "[grid]\nlower = [-1.0]\nupper = [1.0]\npoints = [5]\n",
      "test.critical", 5);
  expect_rejected(base_study + "[plain]\nsims = 1e3\n", "plain.sims", 11);
}

TEST(RatesCommand, NonPositiveSims) {
  expect_rejected(base_study + "[plain]\nsims = -5\n", "plain.sims", 11);
  expect_rejected(base_study + "[plain]\nsims = 0\n", "plain.sims", 11);
}

TEST(RatesCommand, UnknownTestKind) {
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one-sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [-1.0]\nupper = [1.0]\npoints = [5]\n",
      "test.kind", 4);
}

TEST(RatesCommand, TTestBadInput) {
  const std::string test = "[test]\nkind = \"t\"\ncritical = 2.0\n";  // lines 4-6
  const std::string grid = "[grid]\nthetas = [[0.0, 1.0]]\n";         // lines 7-8
  // observations < 2, not an integer, missing.
  expect_rejected("[model]\nfamily = \"normal_unknown_variance\"\nobservations = 1\n" + test + grid,
                  "model.observations", 3);
  expect_rejected(
      "[model]\nfamily = \"normal_unknown_variance\"\nobservations = 2.5\n" + test + grid,
      "model.observations", 3);
  expect_rejected("[model]\nfamily = \"normal_unknown_variance\"\n\n" + test + grid,
                  "model.observations", 1);
  // σ ≤ 0, in a list and in a Cartesian grid.
  expect_rejected("[model]\nfamily = \"normal_unknown_variance\"\nobservations = 5\n" + test +
                      "[grid]\nthetas = [[0.0, 1.0],\n [0.0, -1.0]]\n",
                  "grid.thetas[1]", 9);
  expect_rejected("[model]\nfamily = \"normal_unknown_variance\"\nobservations = 5\n" + test +
                      "[grid]\nlower = [0.0, 0.0]\nupper = [1.0, 1.0]\npoints = [2, 2]\n",
                  "grid.lower", 8);
  // A Gaussian test with this family, the t-test with the Gaussian family, dim ≠ 2.
  expect_rejected(
      "[model]\nfamily = \"normal_unknown_variance\"\nobservations = 5\n"
      "[test]\nkind = \"one_sided\"\ncritical = 2.0\n" +
          grid,
      "test.kind", 5);
  expect_rejected("[model]\ndim = 1\n\n" + test + "[grid]\nthetas = [[0.0]]\n", "test.kind", 5);
  expect_rejected(
      "[model]\nfamily = \"normal_unknown_variance\"\nobservations = 5\ndim = 3\n"
      "[test]\nkind = \"t\"\ncritical = 2.0\n[grid]\nthetas = [[0.0, 1.0, 2.0]]\n",
      "model.dim", 4);
}

TEST(RatesCommand, BinomialBadInput) {
  const std::string test = "[test]\nkind = \"count\"\ncritical = 3\n";  // lines 4-6
  const std::string grid = "[grid]\nthetas = [[0.0, 0.0]]\n";           // lines 7-8
  // trials ≤ 0, not an integer, more than 8 arms, missing.
  expect_rejected("[model]\nfamily = \"binomial\"\ntrials = [10,\n 0]\n" + test + grid,
                  "model.trials[1]", 4);
  expect_rejected("[model]\nfamily = \"binomial\"\ntrials = [10, 2.5]\n" + test + grid,
                  "model.trials[1]", 3);
  expect_rejected("[model]\nfamily = \"binomial\"\ntrials = [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + test +
                      "[grid]\nthetas = [[0, 0, 0, 0, 0, 0, 0, 0, 0]]\n",
                  "model.trials", 3);
  expect_rejected("[model]\nfamily = \"binomial\"\n\n" + test + grid, "model.trials", 1);
  // dim other than the arms, a Gaussian test, a non-finite θ.
  expect_rejected(
      "[model]\nfamily = \"binomial\"\ntrials = [10, 20]\ndim = 1\n[test]\n"
      "kind = \"count\"\ncritical = 3\n[grid]\nthetas = [[0.0]]\n",
      "model.dim", 4);
  expect_rejected(
      "[model]\nfamily = \"binomial\"\ntrials = [10, 20]\n[test]\n"
      "kind = \"max\"\ncritical = 3\n" +
          grid,
      "test.kind", 5);
  expect_rejected("[model]\nfamily = \"binomial\"\ntrials = [10, 20]\n" + test +
                      "[grid]\nthetas = [[0.0, inf]]\n",
                  "grid.thetas[0][1]", 8);
  // The two-arm tests with one arm; a posterior critical outside (0, 1).
  expect_rejected(
      "[model]\nfamily = \"binomial\"\ntrials = [10]\n[test]\n"
      "kind = \"difference\"\ncritical = 1.96\n[grid]\nthetas = [[0.0]]\n",
      "test.kind", 5);
  expect_rejected(
      "[model]\nfamily = \"binomial\"\ntrials = [10, 10]\n[test]\n"
      "kind = \"posterior\"\ncritical = 1.0\n" +
          grid,
      "test.critical", 6);
}

TEST(RatesCommand, GridOfTheWrongLength) {
  const std::string head =
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n[grid]\n";
  expect_rejected(head + "lower = [-1.0, 0.0]\nupper = [1.0]\npoints = [5]\n", "grid.lower", 7);
  expect_rejected(head + "lower = [-1.0]\nupper = []\npoints = [5]\n", "grid.upper", 8);
  expect_rejected(head + "lower = [-1.0]\nupper = [1.0]\npoints = [5, 5]\n", "grid.points", 9);
}

TEST(RatesCommand, LowerAboveUpper) {
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [1.0]\nupper = [-1.0]\npoints = [5]\n",
      "grid.lower", 7);
}

TEST(RatesCommand, NonFiniteNumbers) {
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = inf\n"
      "[grid]\nlower = [-1.0]\nupper = [1.0]\npoints = [5]\n",
      "test.critical", 5);
  expect_rejected(
      "[model]\ndim = 1\n[test]\nkind = \"one_sided\"\ncritical = 1.0\n"
      "[grid]\nlower = [-1.0]\nupper = [nan]\npoints = [5]\n",
      "grid.upper[0]", 8);
}

TEST(RatesCommand, UnknownKeyAndSection) {
  expect_rejected(base_study + "[plain]\nsim = 1000\n", "plain.sim", 11);
  expect_rejected(base_study + "[plane]\nsims = 1000\n", "plane", 10);
}

TEST(RatesCommand, TomlSyntaxError) {
  expect_rejected(base_study + "[plain]\nsims = = 1000\n", "", 11);
}

TEST(RatesCommand, MissingStudyFile) {
  testing::temp_dir dir;
  const cli_result result = run({"rates", dir.file("nope.toml"), "--out", dir.file("rates.csv")});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("nope.toml"), std::string::npos) << result.err;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(RatesCommand, BadFlagsExitWithTwo) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study);
  EXPECT_EQ(run({}).code, 2);
  EXPECT_EQ(run({"rates"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--no-such-flag"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--backend", "gpu"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--seed", "-3"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--seed", "x"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--seed", "18446744073709551616"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--threads", "-1"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--threads", "5000"}).code, 2);
  EXPECT_EQ(run({"rates", study, "--out", dir.file("missing_dir/rates.csv")}).code, 2);
  EXPECT_EQ(run({"rates", study, "--out", dir.path().string()}).code, 2);
  EXPECT_EQ(run({"rates", study, "--out", dir.file("a"), "--json", dir.file("a")}).code, 2);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
}

// An output that is the study file, or the other output spelled another way (./a, a link),
// is refused before any work: the study stays as it was and nothing is written.
TEST(RatesCommand, OutputsThatAreInputsOrEachOtherAreRefused) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study);
  const std::string dotted = (dir.path() / "." / "study.toml").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"rates", study, "--out", study, "--quiet"},
        std::vector<std::string>{"rates", study, "--json", dotted, "--quiet"}}) {
    const cli_result result = run(args);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find("expected a file other than the study file '" + study +
                              "', which it would overwrite"),
              std::string::npos)
        << result.err;
  }
  const cli_result both = run({"rates", study, "--out", dir.file("o.csv"), "--json",
                               (dir.path() / "." / "o.csv").string(), "--quiet"});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.err.find("--json: got '"), std::string::npos) << both.err;
  EXPECT_NE(both.err.find("expected a file other than --out '" + dir.file("o.csv") + "'"),
            std::string::npos)
      << both.err;
  std::filesystem::create_symlink(study, dir.file("link.toml"));
  EXPECT_EQ(run({"rates", study, "--out", dir.file("link.toml"), "--quiet"}).code, 2);
  EXPECT_EQ(testing::read_text(study), good_study);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"study.toml", "link.toml"}));
}

TEST(RatesCommand, VersionAndDevices) {
  const cli_result version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, std::string("ismc ") + ismc::version + "\n");
  const cli_result devices = run({"devices"});
  EXPECT_EQ(devices.code, 0) << devices.err;
  EXPECT_NE(devices.out.find("CPU: " + std::to_string(cpu_threads())), std::string::npos)
      << devices.out;
  EXPECT_NE(devices.out.find("CUDA: "), std::string::npos) << devices.out;
  EXPECT_EQ(run({"--help"}).code, 0);
  EXPECT_EQ(run({"rates", "--help"}).code, 0);
}

TEST(RatesCommand, GoodStudyWritesCsvJsonAndTable) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study);
  const std::string csv = dir.file("rates.csv");
  const std::string json_path = dir.file("rates.json");
  const cli_result result = run({"rates", study, "--out", csv, "--json", json_path, "--quiet"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"study.toml", "rates.csv", "rates.json"}));

  const std::vector<std::string> lines = lines_of(testing::read_text(csv));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "theta_0,estimate,std_error,ci_low,ci_high,upper_bound,sims,method,exact");
  const char* thetas[] = {"-1,", "-0.5,", "0,", "0.5,", "1,"};
  for (int j = 0; j < 5; ++j) {
    EXPECT_EQ(lines[1 + j].rfind(thetas[j], 0), 0u) << lines[1 + j];
    EXPECT_NE(lines[1 + j].find(",1000,plain,"), std::string::npos) << lines[1 + j];
  }

  const nlohmann::json json = nlohmann::json::parse(testing::read_text(json_path));
  EXPECT_EQ(json["ismc_version"], ismc::version);
  EXPECT_EQ(json["seed"], 42);  // the default: no [run] section
  EXPECT_EQ(json["backend"], "cpu");
  EXPECT_GE(json["wall_seconds"].get<double>(), 0.0);
  EXPECT_EQ(json["study"]["run"]["method"], "plain");
  EXPECT_EQ(json["study"]["run"]["confidence"], 0.99);
  EXPECT_EQ(json["study"]["run"]["common_random_numbers"], true);
  EXPECT_EQ(json["study"]["model"]["family"], "gaussian");
  EXPECT_EQ(json["study"]["plain"]["sims"], 1000);
  EXPECT_EQ(json["study"]["importance"]["clusters"], 5);
  EXPECT_EQ(json["study"]["importance"]["self_weight"], 0.01);
  EXPECT_EQ(json["study"]["grid"]["targets"],
            nlohmann::json({{-1.0}, {-0.5}, {0.0}, {0.5}, {1.0}}));
  ASSERT_EQ(json["rows"].size(), 5u);
  for (const auto& row : json["rows"]) {
    EXPECT_EQ(row["sims"], 1000);
    const double estimate = row["estimate"].get<double>();
    EXPECT_EQ(estimate, row["rejections"].get<double>() / 1000.0);
    EXPECT_LE(row["ci_low"].get<double>(), estimate);
    EXPECT_GE(row["ci_high"].get<double>(), estimate);
    EXPECT_TRUE(row.contains("exact"));
  }
  EXPECT_TRUE(json["warnings"].is_array());

  // The table on stdout: a summary line, the header and one line per target.
  const std::vector<std::string> table = lines_of(result.out);
  ASSERT_EQ(table.size(), 7u) << result.out;
  EXPECT_NE(table[1].find("theta_0"), std::string::npos);
}

TEST(RatesCommand, NoOutputFlagsWriteNoFiles) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study);
  const cli_result result = run({"rates", study, "--quiet"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
}

TEST(RatesCommand, TwoDimensionalGridInGridOrder) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study,
                      "[model]\ndim = 2\n[test]\nkind = \"max\"\ncritical = 2.0\n"
                      "[grid]\nlower = [0.0, 10.0]\nupper = [1.0, 11.0]\npoints = [2, 3]\n"
                      "[plain]\nsims = 1000\n");
  const std::string csv = dir.file("rates.csv");
  ASSERT_EQ(run({"rates", study, "--out", csv, "--quiet"}).code, 0);
  const std::vector<std::string> lines = lines_of(testing::read_text(csv));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0].rfind("theta_0,theta_1,estimate,", 0), 0u) << lines[0];
  // The last coordinate varies fastest.
  const char* thetas[] = {"0,10,", "0,10.5,", "0,11,", "1,10,", "1,10.5,", "1,11,"};
  for (int j = 0; j < 6; ++j) EXPECT_EQ(lines[1 + j].rfind(thetas[j], 0), 0u) << lines[1 + j];
}

TEST(RatesCommand, SeedFlagOverridesTheFile) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study + "[run]\nseed = 5\ncommon_random_numbers = false\n");
  const auto csv_for = [&](const std::vector<std::string>& flags, const std::string& name) {
    std::vector<std::string> args = {"rates", study, "--out", dir.file(name), "--quiet"};
    args.insert(args.end(), flags.begin(), flags.end());
    EXPECT_EQ(run(args).code, 0);
    return testing::read_text(dir.file(name));
  };
  const std::string from_file = csv_for({}, "file.csv");
  const std::string seed_5 = csv_for({"--seed", "5"}, "seed5.csv");
  const std::string seed_6 = csv_for({"--seed", "6"}, "seed6.csv");
  const std::string seed_6_again = csv_for({"--seed", "6", "--threads", "1"}, "seed6_again.csv");
  EXPECT_EQ(from_file, seed_5);
  EXPECT_NE(seed_5, seed_6);
  EXPECT_EQ(seed_6, seed_6_again);

  const std::string json_path = dir.file("rates.json");
  ASSERT_EQ(run({"rates", study, "--json", json_path, "--seed", "6", "--quiet"}).code, 0);
  const nlohmann::json json = nlohmann::json::parse(testing::read_text(json_path));
  EXPECT_EQ(json["seed"], 6);
  EXPECT_EQ(json["study"]["run"]["seed"], 6);
}

TEST(RatesCommand, CudaBackendWithoutCudaFailsWithOne) {
  if (list_cuda_devices().compiled) GTEST_SKIP() << "this build has CUDA";
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  testing::write_text(study, good_study);
  const cli_result result = run({"rates", study, "--backend", "cuda", "--out", dir.file("r.csv")});
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.err.rfind("ismc: error: ", 0), 0u) << result.err;
  EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
}

TEST(RatesCommand, InterruptStopsTheRunAndWritesNothing) {
  testing::temp_dir dir;
  const std::string study = dir.file("study.toml");
  // Far more work than the test allows: only the interrupt can end it in time.
  testing::write_text(study, base_study + "[plain]\nsims = 2000000000\n");
  std::thread signaller([] {
    // Raise only once the command's handler is installed: the default action would kill
    // the test.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      struct sigaction current {};
      sigaction(SIGINT, nullptr, &current);
      if (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::raise(SIGINT);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  const cli_result result = run({"rates", study, "--out", dir.file("rates.csv"), "--json",
                                 dir.file("rates.json"), "--quiet"});
  signaller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result.code, 130) << result.err;
  EXPECT_EQ(result.err, "ismc: interrupted: nothing was written\n");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
  // The previous disposition is back.
  struct sigaction current {};
  sigaction(SIGINT, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace ismc::cli

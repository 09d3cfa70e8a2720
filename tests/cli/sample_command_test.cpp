// `ismc sample` and `ismc summary` run in-process: the Stan CSV files they leave, the
// summary they print, and bad input refused with exit code 2 and no file.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "support/test_files.hpp"
#include "ismc/samplers/stan_csv.hpp"

namespace ismc::cli {
namespace {

using testing::cli_result;
using testing::lines_of;
const auto run = testing::run_ismc;

const std::string schools_json =
    "{\"J\": 8, \"y\": [28, 8, -3, 7, -1, 1, 18, 12], \"sigma\": [15, 10, 16, 11, 9, 11, 10, 18]}";

TEST(SampleCommand, WritesOneStanCsvPerChainAndTheSummary) {
  testing::temp_dir dir;
  testing::write_text(dir.file("schools.json"), schools_json);
  const std::string out_dir = dir.file("out");
  const cli_result result = run(
      {"sample", "eight_schools_noncentered", "--data", dir.file("schools.json"), "--chains", "3",
       "--warmup", "300", "--draws", "200", "--seed", "11", "--output-dir", out_dir, "--quiet"});
  ASSERT_EQ(result.code, 0) << result.err;
  testing::temp_dir unused;
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir)) {
    files.insert(entry.path().filename().string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"eight_schools_noncentered-1.csv",
                                          "eight_schools_noncentered-2.csv",
                                          "eight_schools_noncentered-3.csv"}));
  const stan_csv chain = read_stan_csv_file(out_dir + "/eight_schools_noncentered-2.csv");
  EXPECT_EQ(chain.draws.size(), 200u);
  EXPECT_EQ(chain.columns[7], "mu");
  EXPECT_EQ(chain.columns[8], "tau");
  EXPECT_EQ(chain.columns[9], "nu.1");
  EXPECT_EQ(chain.columns.back(), "theta.8");
  EXPECT_EQ(chain.config.at("id"), "2");
  EXPECT_EQ(chain.config.at("seed"), "11");
  EXPECT_EQ(chain.config.at("num_samples"), "200");
  EXPECT_EQ(chain.inverse_metric.size(), 10u);
  EXPECT_GT(chain.stepsize, 0.0);
  EXPECT_NE(result.out.find("ESS_bulk"), std::string::npos);
  EXPECT_NE(result.out.find("theta.8"), std::string::npos);

  // `ismc summary` on the files prints the same table.
  const cli_result summary = run({"summary", out_dir + "/eight_schools_noncentered-1.csv",
                                  out_dir + "/eight_schools_noncentered-2.csv",
                                  out_dir + "/eight_schools_noncentered-3.csv"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  const std::string table = result.out.substr(result.out.find("Inference for"));
  EXPECT_EQ(summary.out, table);
}

TEST(SampleCommand, SameSeedSameFiles) {
  testing::temp_dir dir;
  testing::write_text(dir.file("schools.json"), schools_json);
  for (const char* sub : {"a", "b"}) {
    const cli_result result =
        run({"sample", "eight_schools_centered", "--data", dir.file("schools.json"), "--chains",
             "2", "--warmup", "100", "--draws", "50", "--seed", "5", "--threads",
             sub[0] == 'a' ? "1" : "2", "--output-dir", dir.file(sub), "--quiet"});
    ASSERT_EQ(result.code, 0) << result.err;
  }
  for (const char* name : {"/eight_schools_centered-1.csv", "/eight_schools_centered-2.csv"}) {
    const stan_csv a = read_stan_csv_file(dir.file("a") + name);
    const stan_csv b = read_stan_csv_file(dir.file("b") + name);
    EXPECT_EQ(a.draws, b.draws) << name;
  }
}

struct bad_case {
  std::string what;
  std::string data;
  std::vector<std::string> extra;
  std::string expected_in_message;
};

TEST(SampleCommand, BadInputExitsWithTwoAndWritesNothing) {
  const std::vector<bad_case> cases = {
      {"unknown model", schools_json, {}, "no_such_model"},
      {"missing field", "{\"J\": 8, \"y\": [28, 8, -3, 7, -1, 1, 18, 12]}", {}, "sigma"},
      {"wrong length",
       "{\"J\": 8, \"y\": [28, 8, -3], \"sigma\": [15, 10, 16, 11, 9, 11, 10, 18]}",
       {},
       "y"},
      {"non-positive sigma",
       "{\"J\": 8, \"y\": [28, 8, -3, 7, -1, 1, 18, 12], \"sigma\": [15, 10, 0, 11, 9, 11, 10, "
       "18]}",
       {},
       "sigma"},
      {"zero chains",
       schools_json,
       {"--chains", "0"},
       "NUTS setting chains: got 0, expected an integer >= 1"},
      {"zero thin",
       schools_json,
       {"--thin", "0"},
       "NUTS setting thin: got 0, expected an integer >= 1"},
      {"zero draws", schools_json, {"--draws", "0"}, "--draws"},
      {"negative chains", schools_json, {"--chains", "-1"}, "chains"},
      {"bad delta",
       schools_json,
       {"--adapt-delta", "1.5"},
       "NUTS setting adapt_delta: got 1.5, expected a number in (0, 1)"},
      {"not json", "{J: 8", {}, "JSON"},
  };
  for (const bad_case& c : cases) {
    SCOPED_TRACE(c.what);
    testing::temp_dir dir;
    testing::write_text(dir.file("data.json"), c.data);
    std::vector<std::string> args = {
        "sample",
        c.what == "unknown model" ? "no_such_model" : "eight_schools_centered",
        "--data",
        dir.file("data.json"),
        "--output-dir",
        dir.file("out"),
        "--quiet",
        "--warmup",
        "10",
        "--draws",
        "10"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const cli_result result = run(args);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find(c.expected_in_message), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out")) &&
                 !std::filesystem::is_empty(dir.file("out")));
  }
}

// A chain's file that would be the data file (the data named like chain 2's output, in the
// output folder) is refused before sampling; the data stays as it was.
TEST(SampleCommand, ChainFileThatIsTheDataIsRefused) {
  testing::temp_dir dir;
  const std::string data = dir.file("eight_schools_centered-2.csv");
  testing::write_text(data, schools_json);
  const cli_result result =
      run({"sample", "eight_schools_centered", "--data", data, "--output-dir", dir.path().string(),
           "--quiet", "--warmup", "10", "--draws", "10"});
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_NE(result.err.find("chain 2's file: got '"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("expected a file other than the --data file '" + data +
                            "', which it would overwrite"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(testing::read_text(data), schools_json);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"eight_schools_centered-2.csv"});
}

TEST(SummaryCommand, SummarizesAFileWrittenByStan) {
  const cli_result result =
      run({"summary", std::string(ISMC_TEST_DATA_DIR) + "/stan_csv/rstan_eight_schools.csv"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_NE(result.out.find("1 chain, 50 draws"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("theta.8"), std::string::npos);
}

// One file named twice (the second time through ./) would count its chains twice; a walker
// column holding nan would merge every walker into one chain. Both are refused, naming the
// file or the column and the value.
TEST(SummaryCommand, TheSameFileTwiceAndNonIntegerWalkersAreRefused) {
  const std::string stan = std::string(ISMC_TEST_DATA_DIR) + "/stan_csv/rstan_eight_schools.csv";
  const std::string again = std::string(ISMC_TEST_DATA_DIR) + "/stan_csv/./rstan_eight_schools.csv";
  const cli_result twice = run({"summary", stan, again});
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.err.find("files: got '" + again + "', expected each file once ('" + stan +
                           "' is the same file)"),
            std::string::npos)
      << twice.err;

  testing::temp_dir dir;
  testing::write_text(dir.file("walkers.csv"), "walker,step,theta\n0,1,0.5\nnan,1,0.7\n");
  const cli_result walkers = run({"summary", dir.file("walkers.csv")});
  EXPECT_EQ(walkers.code, 2);
  EXPECT_NE(walkers.err.find(dir.file("walkers.csv") +
                             ": field 'walker': draw 2: got nan, expected an integer >= 0"),
            std::string::npos)
      << walkers.err;
}

// Draws that are nan or infinite are not passed over silently: the problems name the column
// and the count.
TEST(SummaryCommand, NonFiniteDrawsAreReported) {
  testing::temp_dir dir;
  std::string text = "lp__,theta,tau\n";
  for (int i = 0; i < 40; ++i) {
    text += std::to_string(-i % 7) + "," + (i == 3 ? std::string("nan") : std::to_string(i % 5)) +
            "," + (i == 5 || i == 9 ? std::string("inf") : std::to_string(i % 3)) + "\n";
  }
  testing::write_text(dir.file("chain.csv"), text);
  const cli_result result = run({"summary", dir.file("chain.csv")});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_NE(result.out.find("The following columns have draws that are nan or infinite:\n"
                            "  theta: 1 of 40\n  tau: 2 of 40\n"),
            std::string::npos)
      << result.out;
}

TEST(SummaryCommand, MissingFileExitsWithTwo) {
  const cli_result result = run({"summary", "/nonexistent/chain.csv"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("/nonexistent/chain.csv"), std::string::npos);
}

}  // namespace
}  // namespace ismc::cli

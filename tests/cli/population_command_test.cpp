// `ismc population` run in-process: the files it writes, and bad input refused with exit
// code 2, a message naming the problem, and no file.
#include <gtest/gtest.h>

#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "support/test_files.hpp"
#include "ismc/core/devices.hpp"

namespace ismc::cli {
namespace {

using testing::cli_result;
using testing::lines_of;
const auto run = testing::run_ismc;

const std::string small_study =
    "[data]\nsimulate = true\nobjects = 60\nsamples_per_object = 200\n"
    "[ensemble]\nwalkers = 8\nsteps = 300\nburn = 100\n"
    "[nuts]\nchains = 2\nwarmup = 200\ndraws = 200\n";

TEST(PopulationCommand, WritesTheSummaryObservationsAndDraws) {
  testing::temp_dir dir;
  testing::write_text(dir.file("study.toml"), small_study);
  const cli_result result =
      run({"population", dir.file("study.toml"), "--out-dir", dir.file("out"), "--quiet"});
  ASSERT_EQ(result.code, 0) << result.err;
  const auto summary = lines_of(testing::read_text(dir.file("out/summary.csv")));
  ASSERT_EQ(summary.size(), 7u);
  EXPECT_EQ(summary[0], "method,parameter,mean,sd,q05,q50,q95,exact_mean,exact_sd");
  EXPECT_EQ(summary[1].rfind("point,theta_mu,", 0), 0u);
  EXPECT_EQ(summary[4].rfind("importance,theta_sigma,", 0), 0u);
  EXPECT_EQ(summary[6].rfind("nuts,theta_sigma,", 0), 0u);
  const auto observations = lines_of(testing::read_text(dir.file("out/observations.csv")));
  ASSERT_EQ(observations.size(), 61u);
  EXPECT_EQ(observations[0], "x");
  const auto walkers = lines_of(testing::read_text(dir.file("out/importance_draws.csv")));
  EXPECT_EQ(walkers[0], "walker,step,lp__,theta_mu,theta_sigma");
  EXPECT_EQ(walkers.size(), 1u + 8u * 200u);
  const auto nuts = lines_of(testing::read_text(dir.file("out/nuts_draws.csv")));
  EXPECT_EQ(nuts[0], "chain,draw,lp__,theta_mu,theta_sigma");
  EXPECT_EQ(nuts.size(), 1u + 2u * 200u);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out", "study.toml"}));

  // `ismc summary` reads the walkers' file: one chain per walker.
  const cli_result summary_run = run({"summary", dir.file("out/importance_draws.csv")});
  ASSERT_EQ(summary_run.code, 0) << summary_run.err;
  EXPECT_NE(summary_run.out.find("8 chains, 1600 draws"), std::string::npos) << summary_run.out;
  EXPECT_NE(summary_run.out.find("theta_sigma"), std::string::npos);
}

// A chain too short to estimate its autocorrelation time (one step kept after burn) is
// said so in words, not as "tau = -nan".
TEST(PopulationCommand, AChainTooShortForItsAutocorrelationTimeIsSaidInWords) {
  testing::temp_dir dir;
  testing::write_text(dir.file("study.toml"),
                      "[data]\nsimulate = true\nobjects = 60\nsamples_per_object = 200\n"
                      "[methods]\npoint = false\nnuts = false\n"
                      "[ensemble]\nwalkers = 8\nsteps = 2\nburn = 1\n");
  const cli_result result =
      run({"population", dir.file("study.toml"), "--out-dir", dir.file("out"), "--quiet"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.err.find("nan"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("the autocorrelation time cannot be estimated"), std::string::npos)
      << result.err;
}

TEST(PopulationCommand, ReadsUserSamplesAndObservations) {
  testing::temp_dir dir;
  std::string samples = "object,value\n";
  std::string x = "x\n";
  for (int i = 0; i < 20; ++i) {
    x += std::to_string(0.1 * i - 1.0) + "\n";
    for (int n = 0; n < 5 + i % 3; ++n)
      samples +=
          "obj" + std::to_string(i) + "," + std::to_string(0.1 * i - 1.0 + 0.2 * (n - 2)) + "\n";
  }
  testing::write_text(dir.file("samples.csv"), samples);
  testing::write_text(dir.file("x.csv"), x);
  testing::write_text(dir.file("study.toml"),
                      "[data]\nsamples = \"" + dir.file("samples.csv") + "\"\nx = \"" +
                          dir.file("x.csv") +
                          "\"\nalpha = 1.0\n[ensemble]\nwalkers = 8\nsteps = 200\nburn = 50\n"
                          "[nuts]\nchains = 1\nwarmup = 100\ndraws = 100\n");
  const cli_result result =
      run({"population", dir.file("study.toml"), "--out-dir", dir.file("out"), "--quiet"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(lines_of(testing::read_text(dir.file("out/observations.csv"))).size(), 21u);
}

// An observations file named like an output in --out-dir (x in summary.csv) is refused
// before anything runs; it stays as it was.
TEST(PopulationCommand, OutputThatIsAnInputIsRefused) {
  testing::temp_dir dir;
  const std::string samples = "object,value\n1,0.5\n1,0.7\n2,1.5\n2,1.2\n3,0.1\n3,0.2\n";
  const std::string x = "x\n0.6\n1.3\n0.1\n";
  testing::write_text(dir.file("samples.csv"), samples);
  testing::write_text(dir.file("summary.csv"), x);
  testing::write_text(dir.file("study.toml"), "[data]\nsamples = \"" + dir.file("samples.csv") +
                                                  "\"\nx = \"" + dir.file("summary.csv") +
                                                  "\"\nalpha = 1.0\n");
  const cli_result result =
      run({"population", dir.file("study.toml"), "--out-dir", dir.path().string(), "--quiet"});
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_NE(result.err.find("--out-dir's summary.csv: got '"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("expected a file other than the [data] x file '" +
                            dir.file("summary.csv") + "', which it would overwrite"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(testing::read_text(dir.file("summary.csv")), x);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"samples.csv", "summary.csv", "study.toml"}));
}

struct bad_case {
  std::string what;
  std::string study;    // the study's text; $S and $X name the samples and x files
  std::string samples;  // samples.csv
  std::string x;        // x.csv
  std::string expected;
};

TEST(PopulationCommand, BadInputExitsWithTwoAndWritesNothing) {
  const std::string read = "[data]\nsamples = \"$S\"\nx = \"$X\"\nalpha = 1.0\n";
  const std::string good_samples = "object,value\n1,0.5\n1,0.7\n2,1.5\n2,1.2\n3,0.1\n3,0.2\n";
  const std::vector<bad_case> cases = {
      {"x count differs from the objects", read, good_samples, "x\n0.6\n1.3\n",
       "2 observations for 3 objects"},
      {"a NaN sample", read, "object,value\n1,0.5\n1,nan\n2,1.5\n3,0.1\n", "x\n0\n1\n2\n", "value"},
      {"non-positive interim density", read, "object,value,log_p0\n1,0.5,0\n2,1.5,-inf\n3,0.1,0\n",
       "x\n0\n1\n2\n", "log_p0"},
      {"too few walkers", small_study + "", "", "", "ensemble.walkers"},
      {"unknown key", "[data]\nsimulate = true\nobjectz = 10\n", "", "", "data.objectz"},
      {"burn not below steps", "[ensemble]\nsteps = 100\nburn = 100\n", "", "", "ensemble.burn"},
      {"nuts without observations", "[data]\nsamples = \"$S\"\nalpha = 1.0\n", good_samples, "",
       "data.x"},
  };
  for (bad_case c : cases) {
    SCOPED_TRACE(c.what);
    testing::temp_dir dir;
    if (c.what == "too few walkers")
      c.study.replace(c.study.find("walkers = 8"), 11, "walkers = 2");
    for (const auto& [key, name] :
         {std::pair<std::string, std::string>{"$S", "samples.csv"}, {"$X", "x.csv"}}) {
      const auto at = c.study.find(key);
      if (at != std::string::npos) c.study.replace(at, 2, dir.file(name));
    }
    testing::write_text(dir.file("study.toml"), c.study);
    if (!c.samples.empty()) testing::write_text(dir.file("samples.csv"), c.samples);
    if (!c.x.empty()) testing::write_text(dir.file("x.csv"), c.x);
    const cli_result result =
        run({"population", dir.file("study.toml"), "--out-dir", dir.file("out"), "--quiet"});
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out")));
  }
}

// --backend cuda where no device can be had: exit 1 before any sampling, nothing written,
// whichever method needs the device (the hyper-likelihood, NUTS's gradient).
TEST(PopulationCommand, CudaBackendWithoutADeviceFailsWithOneBeforeSampling) {
  if (!list_cuda_devices().devices.empty()) GTEST_SKIP() << "a CUDA device is present";
  for (const std::string methods : {"point = false\nimportance = true\nnuts = false\n",
                                    "point = false\nimportance = false\nnuts = true\n"}) {
    SCOPED_TRACE(methods);
    testing::temp_dir dir;
    testing::write_text(dir.file("study.toml"), small_study + "[methods]\n" + methods);
    const cli_result result = run({"population", dir.file("study.toml"), "--out-dir",
                                   dir.file("out"), "--backend", "cuda", "--quiet"});
    EXPECT_EQ(result.code, 1) << result.err;
    EXPECT_NE(result.err.find("backend 'cuda'"), std::string::npos) << result.err;
    EXPECT_EQ(dir.entries(), std::set<std::string>{"study.toml"});
  }
}

}  // namespace
}  // namespace ismc::cli

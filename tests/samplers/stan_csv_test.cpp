// Stan CSV: what we write parses back to the same numbers, and CmdStan's layout reads.
#include "ismc/samplers/stan_csv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

TEST(StanCsv, WrittenDrawsParseBackToTheSameNumbers) {
  stan_csv_header header;
  header.model = "toy";
  header.data_file = "toy.json";
  header.init = "2";
  header.output_file = "toy-1.csv";
  header.config.warmup = 10;
  header.config.draws = 3;
  header.config.seed = 99;
  header.config.chain = 2;
  std::ostringstream text;
  {
    stan_csv_writer writer(text, header, {"mu", "theta.1"});
    nuts_draw info{-1.5, 0.9, 0.25, 3, 7, false, 2.5};
    writer.adaptation(0.123456789012345, {1.5, 1e-300});
    const double draws[3][2] = {{0.1, -2.0 / 3.0}, {1e-17, 123456789.125}, {-0.0, std::nan("")}};
    for (int d = 0; d < 3; ++d) {
      info.lp = -1.0 - d;
      info.divergent = d == 1;
      writer.draw(info, draws[d], false);
    }
    writer.timing(0.5, 0.25);
  }
  std::istringstream in(text.str());
  const stan_csv csv = read_stan_csv(in, "toy-1.csv");
  ASSERT_EQ(csv.columns.size(), 9u);
  EXPECT_EQ(csv.columns[0], "lp__");
  EXPECT_EQ(csv.columns[6], "energy__");
  EXPECT_EQ(csv.columns[8], "theta.1");
  EXPECT_EQ(csv.config.at("num_samples"), "3");
  EXPECT_EQ(csv.config.at("num_warmup"), "10");
  EXPECT_EQ(csv.config.at("save_warmup"), "0");
  EXPECT_EQ(csv.config.at("thin"), "1");
  EXPECT_EQ(csv.config.at("seed"), "99");
  EXPECT_EQ(csv.config.at("id"), "2");
  EXPECT_EQ(csv.stepsize, 0.123456789012345);
  ASSERT_EQ(csv.inverse_metric.size(), 2u);
  EXPECT_EQ(csv.inverse_metric[1], 1e-300);
  ASSERT_EQ(csv.draws.size(), 3u);
  EXPECT_EQ(csv.draws[1][7], 1e-17);
  EXPECT_EQ(csv.draws[1][8], 123456789.125);
  EXPECT_EQ(csv.draws[0][8], -2.0 / 3.0);
  EXPECT_EQ(csv.draws[1][5], 1.0);
  EXPECT_EQ(csv.draws[1][0], -2.0);
  EXPECT_EQ(csv.draws[1][3], 3.0);
  EXPECT_EQ(csv.draws[1][4], 7.0);
  EXPECT_TRUE(std::isnan(csv.draws[2][8]));
  EXPECT_EQ(csv.warmup_seconds, 0.5);
  EXPECT_EQ(csv.sampling_seconds, 0.25);
}

TEST(StanCsv, ReadsCmdStansLayout) {
  const stan_csv csv =
      read_stan_csv_file(std::string(ISMC_TEST_DATA_DIR) + "/stan_csv/cmdstan_layout.csv");
  EXPECT_EQ(csv.config.at("model"), "bernoulli_model");
  EXPECT_EQ(csv.config.at("max_depth"), "10");
  EXPECT_EQ(csv.config.at("metric"), "diag_e");
  EXPECT_EQ(csv.draws.size(), 5u);
  EXPECT_DOUBLE_EQ(csv.stepsize, 0.93);
  EXPECT_EQ(csv.values("theta")[4], 0.67);
  EXPECT_EQ(csv.values("divergent__")[4], 1.0);
  EXPECT_DOUBLE_EQ(csv.sampling_seconds, 0.011);
  EXPECT_THROW(csv.column("nope"), input_error);
}

// A file written by Stan itself (rstan 2.21, sample_file =, 100 warmup draws saved before
// the adaptation block, then 50 draws; see tests/data/stan_csv/README.md).
TEST(StanCsv, ReadsAFileWrittenByStan) {
  const stan_csv csv =
      read_stan_csv_file(std::string(ISMC_TEST_DATA_DIR) + "/stan_csv/rstan_eight_schools.csv");
  EXPECT_EQ(csv.warmup_draws.size(), 100u);
  EXPECT_EQ(csv.draws.size(), 50u);
  EXPECT_EQ(csv.config.at("seed"), "20240601");
  EXPECT_EQ(csv.inverse_metric.size(), 10u);
  EXPECT_DOUBLE_EQ(csv.stepsize, 0.498706);
  EXPECT_EQ(csv.columns.back(), "theta.8");
  EXPECT_DOUBLE_EQ(csv.sampling_seconds, 0.001094);
}

TEST(StanCsv, MalformedInputNamesTheLine) {
  std::istringstream ragged("lp__,theta\n1,2\n3\n");
  try {
    read_stan_csv(ragged, "bad.csv");
    FAIL() << "expected input_error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 3);
  }
  std::istringstream words("lp__,theta\n1,abc\n");
  EXPECT_THROW(read_stan_csv(words, "bad.csv"), input_error);
  std::istringstream empty("# only comments\n");
  EXPECT_THROW(read_stan_csv(empty, "bad.csv"), input_error);
}

// A column named twice would be summarized as the first one twice; a file cut inside its
// last number would be read with that number cut. Both are errors naming the line.
TEST(StanCsv, DuplicateColumnsAndAFileCutShortAreRefused) {
  std::istringstream twice("lp__,theta,theta\n1,2,3\n");
  try {
    read_stan_csv(twice, "bad.csv");
    FAIL() << "expected input_error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.field(), "theta");
    EXPECT_EQ(e.message(),
              "got the column name twice (columns 2 and 3), expected each column once");
  }
  std::istringstream cut("lp__,theta\n1,2\n3,4.12");
  try {
    read_stan_csv(cut, "bad.csv");
    FAIL() << "expected input_error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.message(),
              "got a last line without a line end (a file cut short), expected every draw ending "
              "with a line end");
  }
  std::istringstream whole("lp__,theta\n1,2\n3,4.12\n");
  EXPECT_EQ(read_stan_csv(whole, "good.csv").draws.size(), 2u);
}

}  // namespace
}  // namespace ismc

// Reading population study files and their data: every default, every key, every kind of
// bad input with its file, line, field, value and what was expected.

#include "ismc/io/population_study_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/error_messages.hpp"
#include "support/test_files.hpp"
#include "ismc/core/error.hpp"

namespace ismc::io {
namespace {

// Expects parsing `text` to fail naming `field` at `line`, with `fragment` in the message.
void expect_input_error(const std::string& text, const std::string& field, long line,
                        const std::string& fragment) {
  testing::expect_input_error(
      [](const std::string& t, const std::string& name) { return parse_population_study(t, name); },
      text, field, line, fragment);
}

TEST(PopulationStudyFile, EmptyFileGetsEveryDefault) {
  const population_study study = parse_population_study("", "study.toml");
  const population_study defaults;
  EXPECT_TRUE(study.simulate);
  EXPECT_EQ(study.setting.objects, defaults.setting.objects);
  EXPECT_EQ(study.setting.theta_mu, defaults.setting.theta_mu);
  EXPECT_EQ(study.setting.theta_sigma, defaults.setting.theta_sigma);
  EXPECT_EQ(study.setting.alpha, defaults.setting.alpha);
  EXPECT_EQ(study.setting.samples_per_object, defaults.setting.samples_per_object);
  EXPECT_TRUE(study.samples_path.empty());
  EXPECT_TRUE(study.x_path.empty());
  EXPECT_FALSE(study.alpha_given);
  EXPECT_EQ(study.seed, 42u);
  EXPECT_TRUE(study.point && study.importance && study.nuts);
  EXPECT_EQ(study.walkers, 32u);
  EXPECT_EQ(study.steps, 2000u);
  EXPECT_EQ(study.burn, 500u);
  EXPECT_EQ(study.chains, 4u);
  EXPECT_EQ(study.warmup, 1000u);
  EXPECT_EQ(study.draws, 1000u);
  EXPECT_TRUE(std::isinf(study.variance_cut));
  EXPECT_EQ(study.precision, hyper_likelihood_precision::double_precision);
}

TEST(PopulationStudyFile, EveryKeyIsRead) {
  const population_study study = parse_population_study(
      "[data]\nsimulate = true\nobjects = 50\ntheta_mu = 0.5\ntheta_sigma = 2\nalpha = 0.25\n"
      "samples_per_object = 30\n"
      "[run]\nseed = 9\n"
      "[methods]\npoint = false\nimportance = true\nnuts = false\n"
      "[ensemble]\nwalkers = 10\nsteps = 40\nburn = 7\n"
      "[nuts]\nchains = 3\nwarmup = 0\ndraws = 11\n"
      "[likelihood]\nvariance_cut = 1.5\nprecision = \"mixed\"\n",
      "study.toml");
  EXPECT_TRUE(study.simulate);
  EXPECT_EQ(study.setting.objects, 50u);
  EXPECT_EQ(study.setting.theta_mu, 0.5);
  EXPECT_EQ(study.setting.theta_sigma, 2.0);  // an integer where a float is expected
  EXPECT_EQ(study.setting.alpha, 0.25);
  EXPECT_TRUE(study.alpha_given);
  EXPECT_EQ(study.setting.samples_per_object, 30u);
  EXPECT_EQ(study.seed, 9u);
  EXPECT_FALSE(study.point);
  EXPECT_TRUE(study.importance);
  EXPECT_FALSE(study.nuts);
  EXPECT_EQ(study.walkers, 10u);
  EXPECT_EQ(study.steps, 40u);
  EXPECT_EQ(study.burn, 7u);
  EXPECT_EQ(study.chains, 3u);
  EXPECT_EQ(study.warmup, 0u);
  EXPECT_EQ(study.draws, 11u);
  EXPECT_EQ(study.variance_cut, 1.5);
  EXPECT_EQ(study.precision, hyper_likelihood_precision::mixed);
  EXPECT_EQ(parse_population_study("[likelihood]\nprecision = \"double\"\n", "s.toml").precision,
            hyper_likelihood_precision::double_precision);
}

TEST(PopulationStudyFile, ASamplesFileMeansNoSimulation) {
  const population_study study = parse_population_study(
      "[data]\nsamples = \"s.csv\"\nx = \"x.csv\"\nalpha = 1.0\n", "study.toml");
  EXPECT_FALSE(study.simulate);
  EXPECT_EQ(study.samples_path, "s.csv");
  EXPECT_EQ(study.x_path, "x.csv");
  EXPECT_TRUE(study.alpha_given);
}

TEST(PopulationStudyFile, TheExampleStudyReads) {
  const population_study study =
      load_population_study(std::string(ISMC_EXAMPLES_DIR) + "/population.toml");
  EXPECT_TRUE(study.simulate);
  EXPECT_EQ(study.setting.objects, 1000u);
  EXPECT_EQ(study.seed, 42u);
}

TEST(PopulationStudyFile, BadFieldsNameTheFieldTheLineAndWhatWasExpected) {
  // The syntax, sections and keys.
  expect_input_error("[datax]\n", "datax", 1, "unknown section [datax]; expected one of data");
  expect_input_error("[data]\nobjectz = 10\n", "data.objectz", 2, "did you mean 'objects'?");
  expect_input_error("seed = 1\n", "seed", 1, "a key outside any section");
  // Types and ranges of single values.
  expect_input_error("[data]\nsimulate = 3\n", "data.simulate", 2,
                     "got 3 (an integer), expected true or false");
  expect_input_error("[data]\nobjects = 2.5\n", "data.objects", 2,
                     "got 2.5 (a float), expected an integer > 0");
  expect_input_error("[data]\nobjects = 1\n", "data.objects", 2, "got 1, expected at least 2");
  expect_input_error("[data]\ntheta_sigma = -1\n", "data.theta_sigma", 2,
                     "got -1, expected a number > 0");
  expect_input_error("[data]\nalpha = 0\n", "data.alpha", 2, "got 0, expected a number > 0");
  expect_input_error("[data]\ntheta_mu = nan\n", "data.theta_mu", 2,
                     "got nan, expected a finite number");
  expect_input_error("[data]\nsamples_per_object = 0\n", "data.samples_per_object", 2,
                     "got 0, expected an integer > 0");
  expect_input_error("[data]\nsamples = 3\n", "data.samples", 2,
                     "got 3 (an integer), expected a file path");
  expect_input_error("[run]\nseed = -1\n", "run.seed", 2, "got -1, expected an integer >= 0");
  expect_input_error("[ensemble]\nwalkers = 5\n", "ensemble.walkers", 2,
                     "got 5, expected an even integer >= 4");
  expect_input_error("[ensemble]\nsteps = 100\nburn = 100\n", "ensemble.burn", 3,
                     "got 100, expected fewer than steps (100)");
  expect_input_error("[nuts]\nchains = 0\n", "nuts.chains", 2, "got 0, expected an integer > 0");
  expect_input_error("[nuts]\ndraws = 0\n", "nuts.draws", 2, "got 0, expected an integer > 0");
  expect_input_error("[likelihood]\nvariance_cut = -1.5\n", "likelihood.variance_cut", 2,
                     "got -1.5, expected a number > 0");
  expect_input_error("[likelihood]\nprecision = \"single\"\n", "likelihood.precision", 2,
                     "got \"single\", expected one of double, mixed");
  expect_input_error("[likelihood]\nprecision = 32\n", "likelihood.precision", 2,
                     "got 32 (an integer), expected \"double\" or \"mixed\"");
  expect_input_error("[methods]\npoint = false\nimportance = false\nnuts = false\n", "methods", 1,
                     "every method is off");
  // Where the data come from: the line of the setting that asks for a missing field.
  expect_input_error("[data]\nsimulate = true\nsamples = \"s.csv\"\n", "data.samples", 3,
                     "given with simulate = true; expected one or the other");
  expect_input_error("[data]\n\nsimulate = false\n", "data.samples", 3,
                     "missing; with simulate = false, expected samples = \"FILE.csv\"");
  expect_input_error("[data]\nsamples = \"s.csv\"\nobjects = 3\n", "data.objects", 3,
                     "only for simulated data; the samples come from data.samples");
  expect_input_error("[data]\nsamples = \"s.csv\"\nalpha = 1\n[methods]\nnuts = true\n", "data.x",
                     5, "missing; nuts = true needs the observations x = \"FILE\" (and alpha)");
  expect_input_error("[data]\nsamples = \"s.csv\"\nx = \"x.csv\"\n", "data.alpha", 1,
                     "missing; the observations' noise alpha is needed with x");
  expect_input_error("[data]\nsamples = \"s.csv\"\nalpha = -2\n", "data.alpha", 3,
                     "got -2, expected a number > 0");
}

TEST(PopulationStudyFile, SyntaxErrorsNameTheLine) {
  try {
    parse_population_study("[data]\nobjects = = 3\n", "study.toml");
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(std::string(e.what()).find("TOML syntax error"), std::string::npos) << e.what();
  }
}

// Relative data paths are the study file's neighbours, wherever the program runs; absolute
// ones stay as written; parse (no file) keeps them as written.
TEST(PopulationStudyFile, RelativeDataPathsAreTakenFromTheStudysFolder) {
  testing::temp_dir dir;
  std::filesystem::create_directories(dir.file("study"));
  testing::write_text(dir.file("study/s.csv"), "object,value\n1,0.5\n2,1.5\n3,0.1\n");
  const std::string absolute_x = dir.file("x.csv");
  testing::write_text(absolute_x, "x\n0\n1\n2\n");
  const std::string text = "[data]\nsamples = \"s.csv\"\nx = \"" + absolute_x + "\"\nalpha = 1.0\n";
  testing::write_text(dir.file("study/study.toml"), text);
  const population_study study = load_population_study(dir.file("study/study.toml"));
  EXPECT_EQ(study.samples_path, (std::filesystem::path(dir.file("study")) / "s.csv").string());
  EXPECT_EQ(study.x_path, absolute_x);
  EXPECT_EQ(read_population_data(study).samples.values, (std::vector<double>{0.5, 1.5, 0.1}));
  EXPECT_EQ(parse_population_study(text, "study.toml").samples_path, "s.csv");
}

TEST(PopulationData, SamplesAndObservationsAreReadInOrderOfFirstAppearance) {
  testing::temp_dir dir;
  testing::write_text(dir.file("s.csv"), "value,object,log_p0\n0.5,b,-1\n\n1.5,a,-2\n0.7, b ,-3\n");
  testing::write_text(dir.file("x.csv"), "x\n0.6\n1.4\n");
  population_study study;
  study.simulate = false;
  study.samples_path = dir.file("s.csv");
  study.x_path = dir.file("x.csv");
  const population_data data = read_population_data(study);
  EXPECT_EQ(data.samples.offsets, (std::vector<std::size_t>{0, 2, 3}));  // b, then a
  EXPECT_EQ(data.samples.values, (std::vector<double>{0.5, 0.7, 1.5}));
  EXPECT_EQ(data.samples.log_p0, (std::vector<double>{-1, -3, -2}));
  EXPECT_EQ(data.x, (std::vector<double>{0.6, 1.4}));

  // Without x, no observations; a simulated study reads nothing.
  study.x_path.clear();
  EXPECT_TRUE(read_population_data(study).x.empty());
  study.simulate = true;
  EXPECT_TRUE(read_population_data(study).samples.values.empty());
}

// Expects reading the data of a study to fail naming `file`, `line` and `field`.
void expect_data_error(const population_study& study, const std::string& file, long line,
                       const std::string& field, const std::string& fragment) {
  try {
    read_population_data(study);
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PopulationData, BadDataNameTheFileTheLineAndTheField) {
  testing::temp_dir dir;
  population_study study;
  study.simulate = false;
  study.samples_path = dir.file("s.csv");
  const std::string samples = study.samples_path;
  const auto with_samples = [&](const std::string& text) {
    testing::write_text(samples, text);
    return study;
  };
  expect_data_error(with_samples(""), samples, 1, "",
                    "empty file; expected a header object,value[,log_p0]");
  expect_data_error(with_samples("id,value\n1,2\n"), samples, 1, "",
                    "expected the columns object,value");
  expect_data_error(with_samples("object,value\n1,0.5\n1\n"), samples, 3, "",
                    "got a row of 1 fields, expected 2 (the header's fields)");
  expect_data_error(with_samples("object,value\n1,abc\n"), samples, 2, "value",
                    "got 'abc', expected a number");
  expect_data_error(with_samples("object,value\n1,0.5\n1,nan\n"), samples, 3, "value",
                    "got nan, expected a finite sample");
  expect_data_error(with_samples("object,value,log_p0\n1,0.5,-inf\n"), samples, 2, "log_p0",
                    "got -inf, expected the finite log of a positive interim density");
  expect_data_error(with_samples("object,value\n"), samples, 1, "", "no samples");

  // The observations: their header, their values, one per object.
  testing::write_text(samples, "object,value\n1,0.5\n2,1.5\n3,0.1\n");
  study.x_path = dir.file("x.csv");
  const std::string x = study.x_path;
  testing::write_text(x, "y\n1\n2\n3\n");
  expect_data_error(study, x, 1, "", "expected the header x");
  testing::write_text(x, "x\n1\ninf\n3\n");
  expect_data_error(study, x, 3, "x", "got inf, expected a finite number");
  testing::write_text(x, "x\n0.6\n1.3\n");
  expect_data_error(study, x, 0, "x", "2 observations for 3 objects in " + samples);

  study.samples_path = dir.file("missing.csv");
  expect_data_error(study, study.samples_path, 0, "", "cannot open the samples file (CSV)");
}

}  // namespace
}  // namespace ismc::io

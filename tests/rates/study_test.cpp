// Studies as values: grid order, validation naming the field, the model a study builds.

#include "ismc/rates/study.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

rates_study valid_study() {
  rates_study study;
  study.model.dim = 2;
  study.grid.lower = {0.0, 10.0};
  study.grid.upper = {1.0, 11.0};
  study.grid.points = {2, 3};
  return study;
}

// Expects validate() to reject `study` naming `field`, with `fragment` in the message.
void expect_invalid(const rates_study& study, const std::string& field,
                    const std::string& fragment) {
  try {
    validate(study);
    ADD_FAILURE() << "no error for " << field;
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_EQ(e.file(), "");
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Study, MethodNames) {
  EXPECT_EQ(to_string(rate_method::plain), "plain");
  EXPECT_EQ(to_string(rate_method::importance), "importance");
}

TEST(Study, CartesianGridLastCoordinateFastest) {
  const rates_study study = valid_study();
  EXPECT_EQ(grid_targets(study.grid, 2), (std::vector<double>{0.0, 10.0, 0.0, 10.5, 0.0, 11.0, 1.0,
                                                              10.0, 1.0, 10.5, 1.0, 11.0}));
}

TEST(Study, GridMatchesNumpyLinspace) {
  grid_spec grid;
  grid.lower = {-2.0};
  grid.upper = {2.0};
  grid.points = {11};
  const std::vector<double> targets = grid_targets(grid, 1);
  ASSERT_EQ(targets.size(), 11u);
  // numpy.linspace(-2, 2, 11): start + k * step, the last value exactly the end point.
  for (std::size_t k = 0; k < 10; ++k) EXPECT_EQ(targets[k], -2.0 + static_cast<double>(k) * 0.4);
  EXPECT_EQ(targets[3], -0.7999999999999998);
  EXPECT_EQ(targets[10], 2.0);
}

TEST(Study, SinglePointIsLower) {
  grid_spec grid;
  grid.lower = {3.0, -1.0};
  grid.upper = {5.0, 1.0};
  grid.points = {1, 2};
  EXPECT_EQ(grid_targets(grid, 2), (std::vector<double>{3.0, -1.0, 3.0, 1.0}));
}

TEST(Study, ExplicitThetasAsListed) {
  grid_spec grid;
  grid.thetas = {{2.0, 1.0}, {-1.0, 0.5}, {2.0, 1.0}};
  EXPECT_EQ(grid_targets(grid, 2), (std::vector<double>{2.0, 1.0, -1.0, 0.5, 2.0, 1.0}));
  EXPECT_THROW(grid_targets(grid, 3), input_error);
}

TEST(Study, ValidStudiesPass) {
  EXPECT_NO_THROW(validate(valid_study()));
  rates_study listed;
  listed.grid.thetas = {{0.0}};
  EXPECT_NO_THROW(validate(listed));
}

TEST(Study, ValidateNamesTheField) {
  const double inf = std::numeric_limits<double>::infinity();
  rates_study study = valid_study();
  study.model.family = "poisson";
  expect_invalid(study, "model.family", "got \"poisson\", expected \"gaussian\"");
  study = valid_study();
  study.model.dim = 0;
  expect_invalid(study, "model.dim", "expected an integer in [1, 64]");
  study.model.dim = 65;
  expect_invalid(study, "model.dim", "got 65");
  study = valid_study();
  study.test.critical = std::nan("");
  expect_invalid(study, "test.critical", "expected a finite number");
  study = valid_study();
  study.grid.upper = {1.0};
  expect_invalid(study, "grid.upper", "got 1 value, expected 2");
  study = valid_study();
  study.grid.lower = {0.0, 12.0};
  expect_invalid(study, "grid.lower", "expected lower <= upper");
  study = valid_study();
  study.grid.lower = {-inf, 10.0};
  expect_invalid(study, "grid.lower", "got -inf");
  study = valid_study();
  study.grid.points = {2, 0};
  expect_invalid(study, "grid.points", "expected an integer > 0");
  study = valid_study();
  study.grid.points = {100000, 100000};
  expect_invalid(study, "grid.points", "at most 1e8");
  study = valid_study();
  study.grid = grid_spec{};
  expect_invalid(study, "grid", "missing");
  study = valid_study();
  study.grid.thetas = {{0.0, 0.0}};
  expect_invalid(study, "grid.thetas", "not both");
  study = valid_study();
  study.grid = grid_spec{};
  study.grid.thetas = {{0.0, 0.0}, {1.0, inf}};
  expect_invalid(study, "grid.thetas[1]", "finite");
  study = valid_study();
  study.run.confidence = 0.0;
  expect_invalid(study, "run.confidence", "strictly between 0 and 1");
  study = valid_study();
  study.plain.sims = 0;
  expect_invalid(study, "plain.sims", "got 0, expected an integer > 0");
  study = valid_study();
  study.importance.pilot_sims = 0;
  expect_invalid(study, "importance.pilot_sims", "expected an integer > 0");
  study = valid_study();
  study.importance.clusters = 0;
  expect_invalid(study, "importance.clusters", "expected an integer > 0");
  study = valid_study();
  study.importance.self_weight = 0.0;
  expect_invalid(study, "importance.self_weight", "(0, 1]");
  study.importance.self_weight = 1.0;  // plain Monte Carlo in disguise, but valid
  EXPECT_NO_THROW(validate(study));
  study = valid_study();
  study.importance.sims_per_proposal = 1;
  expect_invalid(study, "importance.sims_per_proposal", "expected an integer > 1");
  study = valid_study();
  study.importance.kmeans_restarts = 0;
  expect_invalid(study, "importance.kmeans_restarts", "expected an integer > 0");
  study = valid_study();
  study.importance.clusters = 6;
  study.importance.kmeans_subsample = 5;  // was found by k-means, after the pilot
  expect_invalid(study, "importance.kmeans_subsample", "got 5, expected at least clusters = 6");
  // The one memory limit (core/memory.hpp): 2^63 simulations need 2^47 count slots a target.
  study = valid_study();
  study.plain.sims = 9223372036854775807ull;
  expect_invalid(study, "plain.sims", "expected a size that fits in memory: this needs");
  study = valid_study();
  study.run.method = rate_method::importance;
  study.importance.sims_per_proposal = 9223372036854775807ull;
  expect_invalid(study, "importance.sims_per_proposal", "a size that fits in memory");
  // Counts beyond the random-stream layout (core/streams.hpp) are refused with that reason.
  study = valid_study();
  study.importance.clusters = 2147483648ull + 1;
  expect_invalid(study, "importance.clusters", "got 2147483649, expected at most 2147483648");
  study = valid_study();  // 6 targets: their own proposals and the clusters' share 2^31 streams
  study.importance.clusters = 2147483648ull - 5;
  study.importance.kmeans_subsample = study.importance.clusters;
  expect_invalid(study, "importance.clusters",
                 "expected at most 2147483642 = 2^31 - 6 targets (the random-stream layout");
  study = valid_study();
  study.importance.kmeans_restarts = 4294967296ull;
  expect_invalid(study, "importance.kmeans_restarts",
                 "got 4294967296, expected at most 4294967295 (one random stream each)");
  study = valid_study();
  study.importance.kmeans_max_iterations = 0;
  expect_invalid(study, "importance.kmeans_max_iterations", "expected an integer > 0");
  study = valid_study();
  study.importance.kmeans_subsample = 0;
  expect_invalid(study, "importance.kmeans_subsample", "expected an integer > 0");
  study = valid_study();
  study.importance.max_pilot_doublings = 63;
  expect_invalid(study, "importance.max_pilot_doublings", "2^63");
}

TEST(Study, MakeModel) {
  const auto model = make_model(model_spec{"gaussian", 3}, test_spec{test_kind::sum, 1.5});
  EXPECT_EQ(model->dim(), 3u);
  EXPECT_EQ(model->name(), "gaussian/sum");
  const double theta[] = {0.0, 0.0, 0.0};
  // Σx/√3 ~ N(0, 1) at θ = 0: the rate is 1 − Φ(1.5).
  EXPECT_NEAR(*model->exact_rate(theta), 0.5 * std::erfc(1.5 / std::sqrt(2.0)), 1e-15);
  EXPECT_THROW(make_model(model_spec{"poisson", 1}, test_spec{}), input_error);
}

// The memory limit in a study directory (memory_scope::chunked) counts the rows of one
// chunk and what every target keeps (its θ, an importance study's plan), not every row.
TEST(Study, StudyDirectoryChecksMemoryPerChunk) {
  const char* before = std::getenv("ISMC_MEMORY_LIMIT");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("ISMC_MEMORY_LIMIT", "8G", 1);
  rates_study study;
  study.model.dim = 1;
  study.grid.lower = {-3.0};
  study.grid.upper = {3.0};
  study.grid.points = {100000000};
  study.plain.sims = 100;
  // 1e8 rows of 448 bytes: 41.7 GiB held whole, refused (today's --out).
  expect_invalid(study, "grid.points", "this needs 41.7 GiB, over the limit of 8 GiB");
  // Chunked: 16 bytes a target (763 MiB) and 10^4 rows; runs.
  EXPECT_NO_THROW(validate(study, memory_scope::chunked));
  // A chunk of every target holds every row again.
  study.run.chunk_targets = 100000000;
  try {
    validate(study, memory_scope::chunked);
    ADD_FAILURE() << "no error for a chunk of 1e8 targets";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "grid.points");
    EXPECT_NE(std::string(e.what()).find("in a study directory (every target's parameters held, "
                                         "the rows of a chunk of 1e+08 targets), expected a size "
                                         "that fits in memory: this needs 43.2 GiB"),
              std::string::npos)
        << e.what();
  }
  // Importance keeps every target's plan: 16 + 70 + 80 * 6 = 566 bytes a target, 52.7 GiB.
  study.run.chunk_targets = 10000;
  study.run.method = rate_method::importance;
  try {
    validate(study, memory_scope::chunked);
    ADD_FAILURE() << "no error for an importance study of 1e8 targets";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "grid.points");
    EXPECT_NE(std::string(e.what()).find("parameters and importance plan held"), std::string::npos)
        << e.what();
  }
  study.grid.points = {10000000};  // 1e7: 5.3 GiB of plan, under 8 GiB
  EXPECT_NO_THROW(validate(study, memory_scope::chunked));
  if (saved.empty()) {
    ::unsetenv("ISMC_MEMORY_LIMIT");
  } else {
    ::setenv("ISMC_MEMORY_LIMIT", saved.c_str(), 1);
  }
}

}  // namespace
}  // namespace ismc

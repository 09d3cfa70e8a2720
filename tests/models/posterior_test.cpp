#include "ismc/models/posterior.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

stan_data eight_schools_data() {
  stan_data data;
  data["J"] = data_value{{8.0}, {}, true};
  data["y"] = data_value{{28, 8, -3, 7, -1, 1, 18, 12}, {8}, true};
  data["sigma"] = data_value{{15, 10, 16, 11, 9, 11, 10, 18}, {8}, true};
  return data;
}

const std::vector<std::string> eight_schools_models = {"eight_schools_centered",
                                                       "eight_schools_noncentered"};

TEST(Posterior, ListsTheModelsItKnows) {
  std::vector<std::string> expected = eight_schools_models;
  expected.push_back("partial_pooling");
  EXPECT_EQ(posterior_model_names(), expected);
}

TEST(Posterior, BuildsEachEightSchoolsModelUnderItsName) {
  for (const std::string& name : eight_schools_models) {
    const auto model = make_posterior(name, eight_schools_data());
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->name(), name);
    EXPECT_EQ(model->dim(), 10u);
  }
}

TEST(Posterior, UnknownModelIsAUsageErrorThatListsTheKnownNames) {
  try {
    make_posterior("eight_schools", eight_schools_data());
    FAIL() << "no exception";
  } catch (const input_error&) {
    FAIL() << "an unknown model is a usage error, not an input error";
  } catch (const usage_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'eight_schools'"), std::string::npos) << message;
    for (const std::string& name : eight_schools_models) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

// The partial-pooling model from Stan JSON data: N, x[N], alpha > 0.
TEST(Posterior, BuildsPartialPoolingFromItsData) {
  stan_data data;
  data["N"] = data_value{{3.0}, {}, true};
  data["x"] = data_value{{0.5, -1.0, 2.0}, {3}, false};
  data["alpha"] = data_value{{1.0}, {}, true};
  const auto model = make_posterior("partial_pooling", data);
  EXPECT_EQ(model->dim(), 5u);
  EXPECT_EQ(model->output_names().back(), "mu.3");
  data["alpha"] = data_value{{0.0}, {}, true};
  try {
    make_posterior("partial_pooling", data);
    FAIL() << "alpha = 0 accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "alpha");
  }
  data["alpha"] = data_value{{1.0}, {}, true};
  data["x"] = data_value{{0.5, -1.0}, {2}, false};
  try {
    make_posterior("partial_pooling", data);
    FAIL() << "x of the wrong length accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "x");
  }
}

TEST(Posterior, AcceptsRealValuedYExtraFieldsAndOtherSchoolCounts) {
  stan_data data;
  data["J"] = data_value{{2.0}, {}, true};
  data["y"] = data_value{{1.5, -2.25}, {2}, false};
  data["sigma"] = data_value{{0.5, 3.0}, {2}, false};
  data["unused"] = data_value{{1.0}, {}, false};  // Stan ignores extra data, so do we
  for (const std::string& name : eight_schools_models) {
    const auto model = make_posterior(name, data);
    EXPECT_EQ(model->dim(), 4u);
    const double q[] = {0.1, -0.3, 0.2, -0.4};
    EXPECT_TRUE(std::isfinite(model->log_density(q, nullptr)));
  }
}

// A model that keeps the interface's default `unconstrain`.
class no_init_model final : public posterior_model {
 public:
  std::string name() const override { return "no_init"; }
  std::size_t dim() const override { return 1; }
  double log_density(const double* q, double* gradient) const override {
    if (gradient != nullptr) gradient[0] = -q[0];
    return -0.5 * q[0] * q[0];
  }
  std::vector<std::string> output_names() const override { return {"x"}; }
  void write_outputs(const double* q, double* out) const override { out[0] = q[0]; }
};

TEST(Posterior, DefaultUnconstrainRefusesWithAUsageError) {
  const no_init_model model;
  stan_data init;
  init["x"] = data_value{{1.0}, {}, false};
  double q = 0.0;
  try {
    model.unconstrain(init, &q);
    FAIL() << "no exception";
  } catch (const input_error&) {
    FAIL() << "refusing is a usage error, not an input error";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_init"), std::string::npos) << e.what();
  }
}

struct bad_data_case {
  const char* what;
  std::function<void(stan_data&)> spoil;
  const char* field;  ///< the field the input_error must name
};

const double nan = std::numeric_limits<double>::quiet_NaN();
const double inf = std::numeric_limits<double>::infinity();

const std::vector<bad_data_case> bad_data_cases = {
    {"J missing", [](stan_data& d) { d.erase("J"); }, "J"},
    {"J zero",
     [](stan_data& d) {
       d["J"] = data_value{{0.0}, {}, true};
     },
     "J"},
    {"J negative",
     [](stan_data& d) {
       d["J"] = data_value{{-3.0}, {}, true};
     },
     "J"},
    {"J fractional",
     [](stan_data& d) {
       d["J"] = data_value{{2.5}, {}, false};
     },
     "J"},
    {"J written as a real",
     [](stan_data& d) {
       d["J"] = data_value{{8.0}, {}, false};
     },
     "J"},
    {"J an array",
     [](stan_data& d) {
       d["J"] = data_value{{8.0}, {1}, true};
     },
     "J"},
    {"J huge",
     [](stan_data& d) {
       d["J"] = data_value{{1e300}, {}, true};
     },
     "J"},
    {"y missing", [](stan_data& d) { d.erase("y"); }, "y"},
    {"sigma missing", [](stan_data& d) { d.erase("sigma"); }, "sigma"},
    {"y too short",
     [](stan_data& d) {
       d["y"] = data_value{{1, 2, 3, 4, 5, 6, 7}, {7}, true};
     },
     "y"},
    {"sigma too long",
     [](stan_data& d) {
       d["sigma"] = data_value{{1, 1, 1, 1, 1, 1, 1, 1, 1}, {9}, true};
     },
     "sigma"},
    {"y a scalar",
     [](stan_data& d) {
       d["y"] = data_value{{1.0}, {}, true};
     },
     "y"},
    {"y two-dimensional",
     [](stan_data& d) {
       d["y"] = data_value{{1, 2, 3, 4, 5, 6, 7, 8}, {2, 4}, true};
     },
     "y"},
    {"J disagrees with y",
     [](stan_data& d) {
       d["J"] = data_value{{7.0}, {}, true};
     },
     "y"},
    {"y NaN", [](stan_data& d) { d["y"].values[3] = nan; }, "y[4]"},
    {"y infinite", [](stan_data& d) { d["y"].values[0] = -inf; }, "y[1]"},
    {"sigma infinite", [](stan_data& d) { d["sigma"].values[1] = inf; }, "sigma[2]"},
    {"sigma zero", [](stan_data& d) { d["sigma"].values[2] = 0.0; }, "sigma[3]"},
    {"sigma negative", [](stan_data& d) { d["sigma"].values[7] = -1.0; }, "sigma[8]"},
};

TEST(Posterior, BadDataIsAnInputErrorNamingTheField) {
  for (const std::string& name : eight_schools_models) {
    for (const bad_data_case& bad : bad_data_cases) {
      stan_data data = eight_schools_data();
      bad.spoil(data);
      try {
        make_posterior(name, data);
        ADD_FAILURE() << name << ", " << bad.what << ": no exception";
      } catch (const input_error& e) {
        EXPECT_EQ(e.field(), bad.field) << name << ", " << bad.what;
        EXPECT_EQ(e.file(), "");
        EXPECT_EQ(e.line(), 0);
        const std::string message = e.what();
        EXPECT_NE(message.find(std::string("'") + bad.field + "'"), std::string::npos)
            << name << ", " << bad.what << ": " << message;
      }
    }
  }
}

}  // namespace
}  // namespace ismc

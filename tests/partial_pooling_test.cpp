#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ismc/error.hpp"
#include "ismc/population.hpp"
#include "ismc/posterior.hpp"

namespace ismc {
namespace {

constexpr double pi = 3.14159265358979323846;

const std::vector<double> five_x = {0.3, -1.2, 2.5, 0.9, -0.4};
constexpr double five_alpha = 0.8;

double logistic(double q) { return 1.0 / (1.0 + std::exp(-q)); }

// The fully normalized log joint density ln p(x, q) on the unconstrained scale, written
// out term by term: uniform priors 1/10 and 1/2, the transforms' Jacobians
// 10 s(a)(1 − s(a)) and 2 s(b)(1 − s(b)), and the normal densities.
double normalized_log_joint(const std::vector<double>& x, double alpha, const double* q) {
  const double s_a = logistic(q[0]), s_b = logistic(q[1]);
  const double theta_mu = -5.0 + 10.0 * s_a, theta_sigma = 2.0 * s_b;
  double lp = std::log(1.0 / 10.0) + std::log(1.0 / 2.0);
  lp += std::log(10.0 * s_a * (1.0 - s_a)) + std::log(2.0 * s_b * (1.0 - s_b));
  const auto log_normal = [](double value, double mean, double sd) {
    const double z = (value - mean) / sd;
    return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2.0 * pi);
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    lp += log_normal(q[2 + i], theta_mu, theta_sigma) + log_normal(x[i], q[2 + i], alpha);
  }
  return lp;
}

std::vector<std::vector<double>> random_points(std::size_t dim, int count, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> points;
  for (int k = 0; k < count; ++k) {
    std::vector<double> q(dim);
    q[0] = 1.5 * normal(engine);  // θ_μ over most of (−5, 5)
    q[1] = 1.5 * normal(engine);  // θ_σ over most of (0, 2)
    for (std::size_t i = 2; i < dim; ++i) q[i] = 2.0 * normal(engine);
    points.push_back(q);
  }
  return points;
}

TEST(PartialPooling, NamesDimensionAndOutputs) {
  const auto model = make_partial_pooling(five_x, five_alpha);
  EXPECT_EQ(model->name(), "partial_pooling");
  EXPECT_EQ(model->dim(), 7u);
  EXPECT_EQ(model->output_names(), (std::vector<std::string>{"theta_mu", "theta_sigma", "mu.1",
                                                             "mu.2", "mu.3", "mu.4", "mu.5"}));
  const std::vector<double> q = {0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0};
  std::vector<double> out(7);
  model->write_outputs(q.data(), out.data());
  EXPECT_DOUBLE_EQ(out[0], 0.0);  // −5 + 10 · ½
  EXPECT_DOUBLE_EQ(out[1], 1.0);  // 2 · ½
  for (std::size_t i = 2; i < 7; ++i) EXPECT_EQ(out[i], q[i]);
  const std::vector<double> far = {-40.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  model->write_outputs(far.data(), out.data());
  EXPECT_GE(out[0], -5.0);
  EXPECT_LE(out[1], 2.0);
}

// ln p(x, q) up to the constant the model documents: lp = ln p(x, q) + ln 20 + n ln 2π +
// n ln α (Stan's lp__ for the same program).
TEST(PartialPooling, LogDensityIsTheNormalizedJointUpToTheDocumentedConstant) {
  const auto model = make_partial_pooling(five_x, five_alpha);
  const double n = static_cast<double>(five_x.size());
  const double constant = std::log(20.0) + n * std::log(2.0 * pi) + n * std::log(five_alpha);
  for (const std::vector<double>& q : random_points(model->dim(), 50, 21)) {
    const double expected = normalized_log_joint(five_x, five_alpha, q.data()) + constant;
    EXPECT_NEAR(model->log_density(q.data(), nullptr), expected, 1e-11 * std::fabs(expected));
  }
}

TEST(PartialPooling, GradientMatchesCentralDifferences) {
  const auto model = make_partial_pooling(five_x, five_alpha);
  const std::size_t dim = model->dim();
  for (const std::vector<double>& point : random_points(dim, 30, 22)) {
    std::vector<double> gradient(dim);
    const double lp = model->log_density(point.data(), gradient.data());
    EXPECT_DOUBLE_EQ(lp, model->log_density(point.data(), nullptr));
    for (std::size_t d = 0; d < dim; ++d) {
      // Richardson-extrapolated central differences: error O(h⁴), ~1e-10 here.
      const auto central = [&](double h) {
        std::vector<double> q = point;
        q[d] = point[d] + h;
        const double up = model->log_density(q.data(), nullptr);
        q[d] = point[d] - h;
        const double down = model->log_density(q.data(), nullptr);
        return (up - down) / (2.0 * h);
      };
      const double h = 1e-3;
      const double numeric = (4.0 * central(h / 2.0) - central(h)) / 3.0;
      EXPECT_NEAR(gradient[d], numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
          << "coordinate " << d;
    }
  }
}

TEST(PartialPooling, ThreadSafeConstCalls) {
  population_setting setting;
  setting.objects = 200;
  setting.samples_per_object = 1;
  const auto model = make_partial_pooling(simulate_population(setting, 3).x, 1.0);
  const auto points = random_points(model->dim(), 16, 23);
  std::vector<double> serial(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    serial[k] = model->log_density(points[k].data(), nullptr);
  }
  std::vector<double> threaded(points.size());
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < points.size(); ++k) {
    threads.emplace_back([&, k] {
      std::vector<double> gradient(model->dim());
      threaded[k] = model->log_density(points[k].data(), gradient.data());
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(serial, threaded);
}

TEST(PartialPooling, ExtremeCoordinatesGiveFiniteOrMinusInfinity) {
  const auto model = make_partial_pooling(five_x, five_alpha);
  for (double a : {-800.0, 0.0, 800.0}) {
    for (double b : {-800.0, 0.0, 800.0}) {
      const std::vector<double> q = {a, b, 0.0, 0.0, 0.0, 0.0, 0.0};
      const double lp = model->log_density(q.data(), nullptr);
      EXPECT_FALSE(std::isnan(lp)) << a << " " << b;
      EXPECT_LT(lp, std::numeric_limits<double>::infinity());
    }
  }
}

TEST(PartialPooling, UnconstrainReadsInitialValues) {
  const auto model = make_partial_pooling(five_x, five_alpha);
  stan_data init;
  init["theta_mu"] = data_value{{1.5}, {}, false};
  init["theta_sigma"] = data_value{{0.5}, {}, false};
  init["mu"] = data_value{{1.0, 2.0, 3.0, 4.0, 5.0}, {5}, true};
  std::vector<double> q(7), out(7);
  model->unconstrain(init, q.data());
  model->write_outputs(q.data(), out.data());
  EXPECT_NEAR(out[0], 1.5, 1e-14);
  EXPECT_NEAR(out[1], 0.5, 1e-15);
  EXPECT_EQ(out[6], 5.0);
  init["theta_sigma"] = data_value{{2.5}, {}, false};
  try {
    model->unconstrain(init, q.data());
    ADD_FAILURE() << "no error for theta_sigma = 2.5";
  } catch (const input_error& error) {
    EXPECT_EQ(error.field(), "theta_sigma");
  }
}

TEST(PartialPooling, RejectsBadData) {
  try {
    make_partial_pooling({0.1, std::nan("")}, 1.0);
    ADD_FAILURE() << "no error for a NaN x";
  } catch (const input_error& error) {
    EXPECT_EQ(error.field(), "x[2]");
  }
  try {
    make_partial_pooling({0.1}, -1.0);
    ADD_FAILURE() << "no error for α < 0";
  } catch (const input_error& error) {
    EXPECT_EQ(error.field(), "alpha");
  }
  EXPECT_THROW(make_partial_pooling({}, 1.0), input_error);
}

}  // namespace
}  // namespace ismc

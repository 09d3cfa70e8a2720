#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/samples.hpp"
#include "models/partial_pooling_backend.hpp"
#include "models/partial_pooling_math.hpp"
#include "models/population_priors.hpp"
#include "ismc/models/posterior.hpp"

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


// The batched density with its gradient (make_partial_pooling_density) on the CPU
// ---------------------------------------------------------------------------------

constexpr double infinity = std::numeric_limits<double>::infinity();

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Rows of q (row-major): random points, then rows the density must send to −∞ (θ_σ
// underflowing to 0, a NaN coordinate) and rows far out on the logit scales.
std::vector<double> test_rows(std::size_t dim, std::uint64_t seed, std::size_t* rows) {
  std::vector<double> thetas;
  for (const std::vector<double>& q : random_points(dim, 12, seed)) {
    thetas.insert(thetas.end(), q.begin(), q.end());
  }
  std::vector<double> extreme(dim, 0.25);
  for (const auto& [a, b] : {std::pair{0.0, -800.0}, std::pair{800.0, -800.0},
                             std::pair{-40.0, 40.0}, std::pair{40.0, 3.0}}) {
    extreme[0] = a;
    extreme[1] = b;
    thetas.insert(thetas.end(), extreme.begin(), extreme.end());
  }
  extreme[0] = 0.3;
  extreme[1] = 0.1;
  extreme[dim - 1] = std::nan("");
  thetas.insert(thetas.end(), extreme.begin(), extreme.end());
  *rows = thetas.size() / dim;
  return thetas;
}

std::vector<double> simulated_x(std::size_t objects, std::uint64_t seed) {
  population_setting setting;
  setting.objects = objects;
  setting.samples_per_object = 1;
  return simulate_population(setting, seed).x;
}

TEST(PartialPoolingDensity, NamesDimensionAndGradient) {
  const auto density = make_partial_pooling_density(five_x, five_alpha);
  EXPECT_EQ(density->dim(), 7u);
  EXPECT_TRUE(density->has_gradient());
  EXPECT_EQ(density->names(),
            (std::vector<std::string>{"theta_mu_unconstrained", "theta_sigma_unconstrained", "mu.1",
                                      "mu.2", "mu.3", "mu.4", "mu.5"}));
}

// Every row, with and without the gradient, is the single-vector model's bits: the same
// arithmetic (partial_pooling_math.hpp) in the same order.
TEST(PartialPoolingDensity, RowsAreTheModelsBitsIncludingMinusInfinity) {
  const std::vector<double> x = simulated_x(1000, 5);
  const auto model = make_partial_pooling(x, 0.7);
  const auto density = make_partial_pooling_density(x, 0.7, backend_kind::cpu);
  const std::size_t dim = model->dim();
  std::size_t rows = 0;
  const std::vector<double> thetas = test_rows(dim, 31, &rows);
  std::vector<double> lp(rows), lp_alone(rows), gradients(rows * dim);
  density->log_density_gradient(thetas.data(), rows, lp.data(), gradients.data());
  density->log_density(thetas.data(), rows, lp_alone.data());
  std::size_t minus_infinity = 0;
  std::vector<double> gradient(dim);
  for (std::size_t b = 0; b < rows; ++b) {
    const double* q = thetas.data() + b * dim;
    const double expected = model->log_density(q, gradient.data());
    EXPECT_TRUE(same_bits(lp[b], expected)) << "row " << b << ": " << lp[b] << " vs " << expected;
    EXPECT_TRUE(same_bits(lp_alone[b], model->log_density(q, nullptr))) << "row " << b;
    for (std::size_t d = 0; d < dim; ++d) {
      ASSERT_TRUE(same_bits(gradients[b * dim + d], gradient[d]))
          << "row " << b << ", coordinate " << d << ": " << gradients[b * dim + d] << " vs "
          << gradient[d];
    }
    EXPECT_FALSE(std::isnan(lp[b])) << "row " << b;
    minus_infinity += lp[b] == -infinity ? 1 : 0;
  }
  EXPECT_EQ(minus_infinity, 3u) << "θ_σ underflowing (twice) and the NaN row";
}

TEST(PartialPoolingDensity, EmptyBatchTouchesNothing) {
  const auto density = make_partial_pooling_density(five_x, five_alpha);
  double out = 12.5, gradient = 12.5;
  density->log_density_gradient(nullptr, 0, &out, &gradient);
  density->log_density(nullptr, 0, &out);
  EXPECT_EQ(out, 12.5);
  EXPECT_EQ(gradient, 12.5);
}

TEST(PartialPoolingDensity, ThreadCountDoesNotChangeABit) {
  const std::vector<double> x = simulated_x(1000, 6);
  const auto density = make_partial_pooling_density(x, 1.0);
  const std::size_t dim = density->dim(), rows = 300;  // 300,000 objects: up to 4 threads
  std::vector<double> thetas;
  for (const std::vector<double>& q : random_points(dim, static_cast<int>(rows), 32)) {
    thetas.insert(thetas.end(), q.begin(), q.end());
  }
  run_hooks serial_hooks;
  serial_hooks.threads = 1;
  std::vector<double> serial_lp(rows), serial_gradients(rows * dim);
  density->log_density_gradient(thetas.data(), rows, serial_lp.data(), serial_gradients.data(),
                                serial_hooks);
  for (unsigned threads : {0u, 2u, 3u, 8u}) {
    run_hooks hooks;
    hooks.threads = threads;
    std::vector<double> lp(rows), gradients(rows * dim);
    density->log_density_gradient(thetas.data(), rows, lp.data(), gradients.data(), hooks);
    EXPECT_EQ(lp, serial_lp) << threads << " threads";
    EXPECT_EQ(gradients, serial_gradients) << threads << " threads";
  }
  // A row's values do not depend on the batch around it.
  double lp_alone = 0.0;
  std::vector<double> gradient_alone(dim);
  density->log_density_gradient(thetas.data() + 40 * dim, 1, &lp_alone, gradient_alone.data());
  EXPECT_EQ(lp_alone, serial_lp[40]);
  EXPECT_EQ(gradient_alone,
            std::vector<double>(serial_gradients.begin() + 40 * static_cast<long>(dim),
                                serial_gradients.begin() + 41 * static_cast<long>(dim)));
}

// The gradient against Richardson-extrapolated central differences of the batched log
// density itself: each point's 4 · dim shifted copies in one call.
TEST(PartialPoolingDensity, GradientMatchesCentralDifferencesOfTheBatch) {
  const auto density = make_partial_pooling_density(five_x, five_alpha);
  const std::size_t dim = density->dim();
  const double h = 1e-3;
  for (const std::vector<double>& point : random_points(dim, 20, 33)) {
    double lp = 0.0;
    std::vector<double> gradient(dim);
    density->log_density_gradient(point.data(), 1, &lp, gradient.data());
    std::vector<double> shifted;
    for (std::size_t d = 0; d < dim; ++d) {
      for (double step : {h, -h, h / 2.0, -h / 2.0}) {
        std::vector<double> q = point;
        q[d] += step;
        shifted.insert(shifted.end(), q.begin(), q.end());
      }
    }
    std::vector<double> values(4 * dim);
    density->log_density(shifted.data(), 4 * dim, values.data());
    for (std::size_t d = 0; d < dim; ++d) {
      const double* v = values.data() + 4 * d;
      const double coarse = (v[0] - v[1]) / (2.0 * h), fine = (v[2] - v[3]) / h;
      const double numeric = (4.0 * fine - coarse) / 3.0;  // error O(h⁴), ~1e-10 here
      EXPECT_NEAR(gradient[d], numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
          << "coordinate " << d;
    }
  }
}

TEST(PartialPoolingDensity, HonoursTheInterruptFlag) {
  const auto density = make_partial_pooling_density(five_x, five_alpha);
  std::atomic<bool> stop{true};
  run_hooks hooks;
  hooks.interrupt = &stop;
  const std::vector<double> q(7, 0.1);
  double lp = 0.0;
  std::vector<double> gradient(7);
  EXPECT_THROW(density->log_density_gradient(q.data(), 1, &lp, gradient.data(), hooks),
               interrupted);
  EXPECT_THROW(density->log_density(q.data(), 1, &lp, hooks), interrupted);
}

// batched_log_density's default: a density without a gradient says so.
TEST(PartialPoolingDensity, DefaultGradientOfADensityWithoutOneThrows) {
  const point_estimate_posterior no_gradient({0.1, 0.4, -0.3});
  EXPECT_FALSE(no_gradient.has_gradient());
  const double theta[2] = {0.0, 1.0};
  double lp = 0.0, gradient[2] = {0.0, 0.0};
  try {
    no_gradient.log_density_gradient(theta, 1, &lp, gradient);
    ADD_FAILURE() << "no error from the default log_density_gradient";
  } catch (const usage_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("has no gradient"), std::string::npos) << message;
    EXPECT_NE(message.find("theta_mu, theta_sigma"), std::string::npos) << message;
  }
}

TEST(PartialPoolingDensity, RejectsBadDataAsTheModelDoes) {
  for (backend_kind kind : {backend_kind::cpu, backend_kind::automatic}) {
    try {
      make_partial_pooling_density({0.1, std::nan("")}, 1.0, kind);
      ADD_FAILURE() << "no error for a NaN x";
    } catch (const input_error& error) {
      EXPECT_EQ(error.field(), "x[2]");
    }
    try {
      make_partial_pooling_density({0.1}, 0.0, kind);
      ADD_FAILURE() << "no error for α = 0";
    } catch (const input_error& error) {
      EXPECT_EQ(error.field(), "alpha");
    }
    EXPECT_THROW(make_partial_pooling_density({}, 1.0, kind), input_error);
    EXPECT_THROW(make_partial_pooling({}, 1.0, kind), input_error);
  }
}

TEST(PartialPoolingDensity, CpuKindOfTheModelIsTheReference) {
  const std::vector<double> x = simulated_x(50, 8);
  const auto reference = make_partial_pooling(x, 0.9);
  const auto on_cpu = make_partial_pooling(x, 0.9, backend_kind::cpu);
  for (const std::vector<double>& q : random_points(reference->dim(), 5, 34)) {
    std::vector<double> expected(q.size()), got(q.size());
    EXPECT_TRUE(same_bits(on_cpu->log_density(q.data(), got.data()),
                          reference->log_density(q.data(), expected.data())));
    EXPECT_EQ(got, expected);
  }
}

TEST(PartialPoolingDensity, AutomaticWithoutADeviceIsTheCpuReference) {
  if (!list_cuda_devices().devices.empty()) GTEST_SKIP() << "a CUDA device is present";
  const std::vector<double> x = simulated_x(50, 9);
  const auto reference = make_partial_pooling_density(x, 0.9, backend_kind::cpu);
  const auto automatic = make_partial_pooling_density(x, 0.9, backend_kind::automatic);
  const auto model = make_partial_pooling(x, 0.9, backend_kind::automatic);
  std::size_t rows = 0;
  const std::vector<double> thetas = test_rows(reference->dim(), 35, &rows);
  const std::size_t dim = reference->dim();
  std::vector<double> lp(rows), expected_lp(rows), gradients(rows * dim), expected(rows * dim);
  automatic->log_density_gradient(thetas.data(), rows, lp.data(), gradients.data());
  reference->log_density_gradient(thetas.data(), rows, expected_lp.data(), expected.data());
  for (std::size_t b = 0; b < rows; ++b) {
    EXPECT_TRUE(same_bits(lp[b], expected_lp[b])) << "row " << b;
    EXPECT_TRUE(same_bits(model->log_density(thetas.data() + b * dim, nullptr), expected_lp[b]))
        << "row " << b;
  }
  EXPECT_EQ(std::memcmp(gradients.data(), expected.data(), gradients.size() * sizeof(double)), 0);
}

TEST(PartialPoolingDensity, CudaKindWithoutADeviceThrows) {
  const cuda_devices found = list_cuda_devices();
  if (!found.devices.empty()) GTEST_SKIP() << "a CUDA device is present";
#if defined(ISMC_HAVE_CUDA)
  EXPECT_THROW(make_partial_pooling_density(five_x, five_alpha, backend_kind::cuda),
               runtime_failure);
  EXPECT_THROW(make_partial_pooling(five_x, five_alpha, backend_kind::cuda), runtime_failure);
  // Not the narrower not_compiled: CUDA is in this build, the device is what is missing.
  try {
    make_partial_pooling(five_x, five_alpha, backend_kind::cuda);
  } catch (const not_compiled&) {
    ADD_FAILURE() << "not_compiled from a build with CUDA";
  } catch (const runtime_failure& failure) {
    EXPECT_NE(std::string(failure.what()).find("no CUDA device"), std::string::npos)
        << failure.what();
  }
#else
  EXPECT_THROW(make_partial_pooling_density(five_x, five_alpha, backend_kind::cuda), not_compiled);
  EXPECT_THROW(make_partial_pooling(five_x, five_alpha, backend_kind::cuda), not_compiled);
#endif
  // The backend is refused before the data are looked at (as make_hyper_likelihood).
  EXPECT_THROW(make_partial_pooling_density({}, 1.0, backend_kind::cuda), runtime_failure);
}

// The log constants of partial_pooling_math.hpp are literals (for the device) derived from
// the priors' bounds, which are defined once (population_priors.hpp): they must follow them.
TEST(PartialPoolingMath, LogConstantsFollowThePriorsBounds) {
  EXPECT_DOUBLE_EQ(detail::log_theta_sigma_upper, std::log(detail::theta_sigma_upper));
  EXPECT_DOUBLE_EQ(detail::log_twenty,
                   std::log(detail::theta_mu_width * detail::theta_sigma_upper));
}

}  // namespace
}  // namespace ismc

#include "ismc/models/eight_schools.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/models/posterior.hpp"

namespace ismc {
namespace {

const std::vector<double> school_y = {28, 8, -3, 7, -1, 1, 18, 12};
const std::vector<double> school_sigma = {15, 10, 16, 11, 9, 11, 10, 18};
constexpr std::size_t schools = 8;

stan_data eight_schools_data() {
  stan_data data;
  data["J"] = data_value{{8.0}, {}, true};
  data["y"] = data_value{school_y, {schools}, true};
  data["sigma"] = data_value{school_sigma, {schools}, true};
  return data;
}

std::unique_ptr<posterior_model> centered() {
  return make_posterior("eight_schools_centered", eight_schools_data());
}
std::unique_ptr<posterior_model> noncentered() {
  return make_posterior("eight_schools_noncentered", eight_schools_data());
}

// Unconstrained points spread over the region a sampler visits, funnel neck included:
// μ ~ N(0, 5), log τ ~ U(−2, 3), the school coordinates ~ N(0, school_scale).
std::vector<std::vector<double>> random_points(int count, double school_scale, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> log_tau(-2.0, 3.0);
  std::vector<std::vector<double>> points;
  for (int n = 0; n < count; ++n) {
    std::vector<double> q(2 + schools);
    q[0] = 5.0 * normal(engine);
    q[1] = log_tau(engine);
    for (std::size_t j = 0; j < schools; ++j) q[2 + j] = school_scale * normal(engine);
    points.push_back(q);
  }
  return points;
}

TEST(EightSchools, NamesDimensionsAndOutputsFollowStan) {
  const auto model_c = centered();
  EXPECT_EQ(model_c->name(), "eight_schools_centered");
  EXPECT_EQ(model_c->dim(), 10u);
  const std::vector<std::string> names_c = {"mu",      "tau",     "theta.1", "theta.2", "theta.3",
                                            "theta.4", "theta.5", "theta.6", "theta.7", "theta.8"};
  EXPECT_EQ(model_c->output_names(), names_c);

  const auto model_nc = noncentered();
  EXPECT_EQ(model_nc->name(), "eight_schools_noncentered");
  EXPECT_EQ(model_nc->dim(), 10u);
  std::vector<std::string> names_nc = {"mu", "tau"};
  for (int j = 1; j <= 8; ++j) names_nc.push_back("nu." + std::to_string(j));
  for (int j = 1; j <= 8; ++j) names_nc.push_back("theta." + std::to_string(j));
  EXPECT_EQ(model_nc->output_names(), names_nc);

  const std::vector<double> q = {1.5, std::log(2.0), 1, 2, 3, 4, 5, 6, 7, -8};
  std::vector<double> out_c(10);
  model_c->write_outputs(q.data(), out_c.data());
  EXPECT_EQ(out_c[0], 1.5);
  EXPECT_NEAR(out_c[1], 2.0, 1e-15);
  for (std::size_t j = 0; j < schools; ++j) EXPECT_EQ(out_c[2 + j], q[2 + j]);

  std::vector<double> out_nc(18);
  model_nc->write_outputs(q.data(), out_nc.data());
  EXPECT_EQ(out_nc[0], 1.5);
  EXPECT_NEAR(out_nc[1], 2.0, 1e-15);
  for (std::size_t j = 0; j < schools; ++j) {
    EXPECT_EQ(out_nc[2 + j], q[2 + j]);
    EXPECT_NEAR(out_nc[10 + j], 1.5 + 2.0 * q[2 + j], 1e-14);  // θ = μ + τ ν
  }
}

TEST(EightSchools, UnconstrainReadsStanInitialValues) {
  stan_data init;
  init["mu"] = data_value{{1.5}, {}, false};
  init["tau"] = data_value{{2.0}, {}, false};
  init["theta"] = data_value{{1, 2, 3, 4, 5, 6, 7, -8}, {schools}, true};
  init["nu"] = data_value{{0.5, 0, 0, 0, 0, 0, 0, -1}, {schools}, false};
  std::vector<double> q(10);
  centered()->unconstrain(init, q.data());
  EXPECT_EQ(q[0], 1.5);
  EXPECT_NEAR(q[1], std::log(2.0), 1e-15);
  for (std::size_t j = 0; j < schools; ++j) EXPECT_EQ(q[2 + j], init["theta"].values[j]);
  noncentered()->unconstrain(init, q.data());
  EXPECT_EQ(q[0], 1.5);
  EXPECT_NEAR(q[1], std::log(2.0), 1e-15);
  for (std::size_t j = 0; j < schools; ++j) EXPECT_EQ(q[2 + j], init["nu"].values[j]);

  // Bad initial values name the field.
  const auto expect_field = [&](const posterior_model& model, stan_data values,
                                const std::string& field) {
    try {
      model.unconstrain(values, q.data());
      ADD_FAILURE() << model.name() << ": no exception for " << field;
    } catch (const input_error& e) {
      EXPECT_EQ(e.field(), field) << model.name();
    }
  };
  stan_data bad = init;
  bad["tau"].values[0] = 0.0;
  expect_field(*centered(), bad, "tau");
  bad = init;
  bad.erase("mu");
  expect_field(*noncentered(), bad, "mu");
  bad = init;
  bad["theta"] = data_value{{1, 2, 3}, {3}, true};
  expect_field(*centered(), bad, "theta");
  bad = init;
  bad.erase("nu");  // θ is a transformed parameter of the non-centered form: not read
  expect_field(*noncentered(), bad, "nu");
  bad = init;
  bad["nu"].values[4] = std::numeric_limits<double>::quiet_NaN();
  expect_field(*noncentered(), bad, "nu[5]");
}

TEST(EightSchools, LogDensityAtAHandComputedPoint) {
  // μ = 0, τ = 1, θ = y (ν = y): every term vanishes but the half-Cauchy's −log(1 + 1/25)
  // and −½ Σ (y_j/τ)² = −½ · 1376 (centered), −½ Σ ν_j² (non-centered).
  std::vector<double> q = {0.0, 0.0};
  q.insert(q.end(), school_y.begin(), school_y.end());
  const double expected = -688.0 - std::log(1.04);  // −688.0392207131533
  EXPECT_NEAR(centered()->log_density(q.data(), nullptr), expected, 1e-12);
  EXPECT_NEAR(noncentered()->log_density(q.data(), nullptr), expected, 1e-12);
}

// The fully normalized log joint density of (y, q) on the unconstrained scale, from
// Boost's densities: the half-Cauchy is twice the Cauchy on τ > 0, and τ = e^{q_1} brings
// the Jacobian τ.
double normalized_log_joint(const std::vector<double>& q, bool is_centered) {
  using boost::math::cauchy_distribution;
  using boost::math::normal_distribution;
  using boost::math::pdf;
  const double mu = q[0];
  const double tau = std::exp(q[1]);
  double total = std::log(pdf(normal_distribution<double>(0.0, 5.0), mu)) +
                 std::log(2.0 * pdf(cauchy_distribution<double>(0.0, 5.0), tau)) + q[1];
  for (std::size_t j = 0; j < schools; ++j) {
    double theta = 0.0;
    if (is_centered) {
      theta = q[2 + j];
      total += std::log(pdf(normal_distribution<double>(mu, tau), theta));
    } else {
      theta = mu + tau * q[2 + j];
      total += std::log(pdf(normal_distribution<double>(0.0, 1.0), q[2 + j]));
    }
    total += std::log(pdf(normal_distribution<double>(theta, school_sigma[j]), school_y[j]));
  }
  return total;
}

TEST(EightSchools, LogDensityIsTheNormalizedJointLessStansDroppedConstants) {
  // C = −(2J + 1)/2 log 2π − 2 log 5 − log π + log 2 − Σ log σ_j (eight_schools.cpp).
  double dropped = -(2.0 * schools + 1.0) / 2.0 * std::log(2.0 * M_PI) - 2.0 * std::log(5.0) -
                   std::log(M_PI) + std::log(2.0);
  for (double sigma : school_sigma) dropped -= std::log(sigma);
  EXPECT_NEAR(dropped, -39.261609584796304, 1e-12);

  // Points where no density underflows: θ_j = μ + τ z_j near the posterior.
  std::mt19937_64 engine(20240501);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> log_tau(-1.0, 2.5);
  const auto model_c = centered();
  const auto model_nc = noncentered();
  for (int n = 0; n < 20; ++n) {
    std::vector<double> q_nc(2 + schools);
    q_nc[0] = 4.0 + 3.0 * normal(engine);
    q_nc[1] = log_tau(engine);
    for (std::size_t j = 0; j < schools; ++j) q_nc[2 + j] = normal(engine);
    std::vector<double> q_c = q_nc;
    for (std::size_t j = 0; j < schools; ++j)
      q_c[2 + j] = q_nc[0] + std::exp(q_nc[1]) * q_nc[2 + j];

    EXPECT_NEAR(model_c->log_density(q_c.data(), nullptr),
                normalized_log_joint(q_c, true) - dropped, 1e-10)
        << n;
    EXPECT_NEAR(model_nc->log_density(q_nc.data(), nullptr),
                normalized_log_joint(q_nc, false) - dropped, 1e-10)
        << n;
  }
}

void expect_gradient_matches_central_differences(const posterior_model& model,
                                                 const std::vector<double>& q) {
  const std::size_t dim = model.dim();
  std::vector<double> gradient(dim);
  const double lp = model.log_density(q.data(), gradient.data());
  EXPECT_EQ(lp, model.log_density(q.data(), nullptr));  // the gradient does not change lp
  std::vector<double> shifted = q;
  for (std::size_t k = 0; k < dim; ++k) {
    // Fourth-order central difference: truncation O(h⁴), rounding ~1e-16 |lp| / h.
    const double h = 1e-3 * std::max(1.0, std::fabs(q[k]));
    auto at = [&](double offset) {
      shifted[k] = q[k] + offset;
      return model.log_density(shifted.data(), nullptr);
    };
    const double numeric = (8.0 * (at(h) - at(-h)) - (at(2.0 * h) - at(-2.0 * h))) / (12.0 * h);
    shifted[k] = q[k];
    EXPECT_NEAR(gradient[k], numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
        << model.name() << " coordinate " << k << " at log tau " << q[1];
  }
}

TEST(EightSchools, GradientsMatchFiniteDifferences) {
  const auto model_c = centered();
  for (const auto& q : random_points(12, 10.0, 11)) {
    expect_gradient_matches_central_differences(*model_c, q);
  }
  const auto model_nc = noncentered();
  for (const auto& q : random_points(12, 1.5, 12)) {
    expect_gradient_matches_central_differences(*model_nc, q);
  }
}

TEST(EightSchools, ParameterizationsDifferByTheJacobianOfThetaEqualsMuPlusTauNu) {
  // p_nc(μ, log τ, ν) = p_c(μ, log τ, μ + τ ν) · |∂θ/∂ν| = p_c(…) · τ^J; both forms drop
  // the same constants, so the difference is J log τ with no constant left.
  const auto model_c = centered();
  const auto model_nc = noncentered();
  for (const auto& q_nc : random_points(20, 1.5, 13)) {
    std::vector<double> q_c = q_nc;
    const double tau = std::exp(q_nc[1]);
    for (std::size_t j = 0; j < schools; ++j) q_c[2 + j] = q_nc[0] + tau * q_nc[2 + j];
    const double lp_nc = model_nc->log_density(q_nc.data(), nullptr);
    const double lp_c = model_c->log_density(q_c.data(), nullptr);
    EXPECT_NEAR(lp_nc - lp_c, schools * q_nc[1], 1e-9 * std::max(1.0, std::fabs(lp_c)));
  }
}

TEST(EightSchools, ExtremeFinitePointsGiveMinusInfinityOrANumberNeverNaN) {
  const auto model_c = centered();
  const auto model_nc = noncentered();
  std::vector<double> gradient(10);
  for (double log_tau : {-800.0, -40.0, 40.0, 800.0}) {
    for (double mu : {0.0, 1e200}) {
      std::vector<double> q(10, mu);  // θ = μ (ν = μ): the centered form's 0/0 case
      q[1] = log_tau;
      for (const posterior_model* model : {model_c.get(), model_nc.get()}) {
        double lp = 0.0;
        EXPECT_NO_THROW(lp = model->log_density(q.data(), gradient.data()));
        EXPECT_FALSE(std::isnan(lp)) << model->name() << " log tau " << log_tau;
        EXPECT_LT(lp, std::numeric_limits<double>::infinity());
      }
    }
  }
}

TEST(EightSchools, ConcurrentConstCallsAgreeWithSerialOnes) {
  const auto model = centered();
  const auto points = random_points(200, 10.0, 14);
  std::vector<double> serial(points.size());
  for (std::size_t n = 0; n < points.size(); ++n) {
    std::vector<double> gradient(10);
    serial[n] = model->log_density(points[n].data(), gradient.data()) + gradient[1];
  }
  constexpr int threads = 4;
  std::vector<std::vector<double>> parallel(threads, std::vector<double>(points.size()));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double> gradient(10);
      for (int repeat = 0; repeat < 20; ++repeat) {
        for (std::size_t n = 0; n < points.size(); ++n) {
          parallel[t][n] = model->log_density(points[n].data(), gradient.data()) + gradient[1];
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(parallel[t], serial);
}

// The spec's table ("agreeing with posteriordb's reference draws"): mean and sd of μ, τ,
// θ_1..θ_8, printed to 4 decimals. The quadrature reproduces every entry to its rounding
// (|difference| < 5e-5), so the test holds it to that.
struct reference_row {
  const char* name;
  double mean;
  double sd;
};
constexpr reference_row posteriordb_reference[] = {
    {"mu", 4.3968, 3.3177},      {"tau", 3.5977, 3.2200},     {"theta.1", 6.2119, 5.5931},
    {"theta.2", 4.9402, 4.6743}, {"theta.3", 3.9270, 5.2626}, {"theta.4", 4.7571, 4.7803},
    {"theta.5", 3.6155, 4.6575}, {"theta.6", 4.0426, 4.8269}, {"theta.7", 6.2967, 5.0778},
    {"theta.8", 4.8543, 5.2908},
};

TEST(EightSchoolsExactPosterior, AgreesWithPosteriordbReferenceDraws) {
  const eight_schools_moments exact = eight_schools_exact_posterior(school_y, school_sigma);
  ASSERT_EQ(exact.theta_mean.size(), schools);
  std::vector<double> means = {exact.mu_mean, exact.tau_mean};
  std::vector<double> sds = {exact.mu_sd, exact.tau_sd};
  means.insert(means.end(), exact.theta_mean.begin(), exact.theta_mean.end());
  sds.insert(sds.end(), exact.theta_sd.begin(), exact.theta_sd.end());
  for (std::size_t k = 0; k < means.size(); ++k) {
    const reference_row& row = posteriordb_reference[k];
    EXPECT_NEAR(means[k], row.mean, 1e-4) << row.name;
    EXPECT_NEAR(sds[k], row.sd, 1e-4) << row.name;
  }
}

TEST(EightSchoolsExactPosterior, MatchesATwoDimensionalQuadratureOfMuAndLogTau) {
  // Independent of the analytic μ integral: sum p(μ, log τ | y) on a 2-D grid, with θ
  // integrated out (y_j | μ, τ ~ N(μ, σ_j² + τ²)).
  const eight_schools_moments exact = eight_schools_exact_posterior(school_y, school_sigma);
  constexpr int mu_points = 1401, log_tau_points = 1201;
  const double mu_low = -30.0, mu_step = 70.0 / (mu_points - 1);
  const double log_tau_low = -20.0, log_tau_step = 29.0 / (log_tau_points - 1);
  std::vector<double> log_weight;
  log_weight.reserve(static_cast<std::size_t>(mu_points) * log_tau_points);
  for (int a = 0; a < log_tau_points; ++a) {
    const double log_tau = log_tau_low + log_tau_step * a;
    const double tau = std::exp(log_tau);
    for (int b = 0; b < mu_points; ++b) {
      const double mu = mu_low + mu_step * b;
      double lw = -0.5 * (mu / 5.0) * (mu / 5.0) - std::log1p(tau * tau / 25.0) + log_tau;
      for (std::size_t j = 0; j < schools; ++j) {
        const double variance = school_sigma[j] * school_sigma[j] + tau * tau;
        lw -= 0.5 * (std::log(variance) + (school_y[j] - mu) * (school_y[j] - mu) / variance);
      }
      log_weight.push_back(lw);
    }
  }
  const double top = *std::max_element(log_weight.begin(), log_weight.end());
  double total = 0, mu1 = 0, mu2 = 0, tau1 = 0, tau2 = 0;
  for (int a = 0; a < log_tau_points; ++a) {
    const double tau = std::exp(log_tau_low + log_tau_step * a);
    for (int b = 0; b < mu_points; ++b) {
      const double mu = mu_low + mu_step * b;
      const double w = std::exp(log_weight[static_cast<std::size_t>(a) * mu_points + b] - top);
      total += w;
      mu1 += w * mu;
      mu2 += w * mu * mu;
      tau1 += w * tau;
      tau2 += w * tau * tau;
    }
  }
  EXPECT_NEAR(exact.mu_mean, mu1 / total, 1e-6);
  EXPECT_NEAR(exact.mu_sd, std::sqrt(mu2 / total - (mu1 / total) * (mu1 / total)), 1e-6);
  EXPECT_NEAR(exact.tau_mean, tau1 / total, 1e-6);
  EXPECT_NEAR(exact.tau_sd, std::sqrt(tau2 / total - (tau1 / total) * (tau1 / total)), 1e-6);
}

TEST(EightSchoolsExactPosterior, RejectsBadInput) {
  EXPECT_THROW(eight_schools_exact_posterior({1.0}, {1.0}), usage_error);
  EXPECT_THROW(eight_schools_exact_posterior({1.0, 2.0}, {1.0}), usage_error);
  EXPECT_THROW(eight_schools_exact_posterior({1.0, 2.0}, {1.0, 0.0}), usage_error);
  EXPECT_THROW(eight_schools_exact_posterior({1.0, NAN}, {1.0, 2.0}), usage_error);
}

TEST(EightSchoolsData, ABadValueIsNamedWithTheValueAndWhatWasExpected) {
  stan_data data = eight_schools_data();
  data["sigma"].values[2] = -1.5;
  try {
    make_posterior("eight_schools_centered", data);
    FAIL() << "a negative sigma was accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "sigma[3]");
    EXPECT_EQ(e.message(), "got -1.5, expected a standard deviation > 0");
  }
  data = eight_schools_data();
  data["J"].values[0] = 2.5;
  try {
    make_posterior("eight_schools_centered", data);
    FAIL() << "J = 2.5 was accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.field(), "J");
    EXPECT_EQ(e.message(), "got 2.5, expected a positive integer");
  }
}

}  // namespace
}  // namespace ismc

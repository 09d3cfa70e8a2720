#pragma once
/// @file nuts_adaptation.hpp
/// @brief Warmup adaptation of NUTS, each piece its own class as in Stan
/// (`src/stan/mcmc/stepsize_adaptation.hpp`, `windowed_adaptation.hpp`,
/// `var_adaptation.hpp`, `covar_adaptation.hpp`, and the Welford estimators of Stan math):
/// dual averaging of the step size, the schedule of slow metric windows, and the window's
/// (co)variance estimate regularised towards a small multiple of the identity.

#include <Eigen/Dense>

#include <cstddef>

namespace ismc::nuts_detail {

/// Nesterov dual averaging of log(step size) towards a target mean acceptance statistic
/// (Hoffman & Gelman 2014, as Stan's `stepsize_adaptation`).
class stepsize_adaptation {
 public:
  /// @param delta target acceptance statistic δ ∈ (0, 1)
  /// @param gamma regularisation scale γ > 0
  /// @param kappa relaxation exponent κ > 0
  /// @param t0 iteration offset t0 > 0
  stepsize_adaptation(double delta, double gamma, double kappa, double t0);

  /// The point log(step size) is shrunk towards: Stan sets log(10 ε).
  void set_mu(double mu) { mu_ = mu; }
  double mu() const { return mu_; }

  /// Forgets the averaging history (after each metric update).
  void restart();

  /// One iteration: updates the averages with `accept_stat` (capped at 1) and sets
  /// `stepsize` to the next iterate exp(x).
  void learn_stepsize(double& stepsize, double accept_stat);

  /// End of warmup: sets `stepsize` to the averaged iterate exp(x̄).
  void complete_adaptation(double& stepsize) const;

  /// Number of `learn_stepsize` calls since the last restart.
  double counter() const { return counter_; }

 private:
  double counter_ = 0.0;
  double s_bar_ = 0.0;  // averaged deviation δ − accept_stat
  double x_bar_ = 0.0;  // averaged log step size
  double mu_ = 0.0;
  double delta_;
  double gamma_;
  double kappa_;
  double t0_;
};

/// Stan's schedule of slow adaptation windows over `warmup` iterations: a fast initial
/// buffer, slow windows doubling in length (the last one stretched to the terminal buffer),
/// a fast terminal buffer. Buffers fall back to 15% / 75% / 10% of warmup when
/// init_buffer + window + term_buffer > warmup; no windows at all when warmup < 20.
/// Call `end_of_iteration()` once per warmup iteration, after the checks.
class windowed_adaptation {
 public:
  windowed_adaptation(std::size_t warmup, std::size_t init_buffer, std::size_t term_buffer,
                      std::size_t base_window);

  /// Whether the current iteration's draw belongs to a slow window.
  bool adaptation_window() const;
  /// Whether the current iteration is the last of a slow window.
  bool end_adaptation_window() const;
  /// At the end of a window: schedules the next one (doubled, or stretched to the
  /// terminal buffer when the one after it would not fit).
  void compute_next_window();
  /// Advances to the next iteration.
  void end_of_iteration() { ++counter_; }

  /// The buffers in use (after the fallback).
  std::size_t init_buffer() const { return init_buffer_; }
  std::size_t term_buffer() const { return term_buffer_; }
  std::size_t base_window() const { return base_window_; }
  /// 0-based index of the current warmup iteration.
  std::size_t counter() const { return counter_; }

 private:
  bool enabled_ = false;  // false when warmup < 20: no metric estimation
  std::size_t warmup_ = 0;
  std::size_t init_buffer_ = 0;
  std::size_t term_buffer_ = 0;
  std::size_t base_window_ = 0;
  std::size_t counter_ = 0;
  std::size_t window_size_ = 0;
  std::size_t next_window_end_ = 0;  // last iteration of the current window
};

/// Welford's running mean and sample variance of each coordinate.
class welford_var_estimator {
 public:
  explicit welford_var_estimator(std::size_t dim);
  void restart();
  void add_sample(const Eigen::VectorXd& q);
  std::size_t num_samples() const { return num_samples_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  /// Writes the unbiased sample variance to `variance` when there are ≥ 2 samples;
  /// otherwise leaves it unchanged (as Stan does).
  void sample_variance(Eigen::VectorXd& variance) const;

 private:
  std::size_t num_samples_ = 0;
  Eigen::VectorXd mean_;
  Eigen::VectorXd m2_;
};

/// Welford's running mean and sample covariance matrix.
class welford_covar_estimator {
 public:
  explicit welford_covar_estimator(std::size_t dim);
  void restart();
  void add_sample(const Eigen::VectorXd& q);
  std::size_t num_samples() const { return num_samples_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  /// Writes the unbiased sample covariance when there are ≥ 2 samples; otherwise leaves it
  /// unchanged.
  void sample_covariance(Eigen::MatrixXd& covariance) const;

 private:
  std::size_t num_samples_ = 0;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd m2_;
};

/// The diagonal inverse metric learnt over the slow windows (Stan's `var_adaptation`).
class var_adaptation {
 public:
  var_adaptation(std::size_t dim, const windowed_adaptation& windows)
      : windows_(windows), estimator_(dim) {}

  /// One warmup iteration with draw `q`. At the end of a window, overwrites
  /// `inverse_metric` with n/(n+5)·var + 1e-3·5/(n+5) and returns true.
  /// Throws `runtime_failure` when the estimate is not finite.
  bool learn_variance(Eigen::VectorXd& inverse_metric, const Eigen::VectorXd& q);

  const windowed_adaptation& windows() const { return windows_; }

 private:
  windowed_adaptation windows_;
  welford_var_estimator estimator_;
};

/// The dense inverse metric learnt over the slow windows (Stan's `covar_adaptation`).
class covar_adaptation {
 public:
  covar_adaptation(std::size_t dim, const windowed_adaptation& windows)
      : windows_(windows), estimator_(dim) {}

  /// One warmup iteration with draw `q`. At the end of a window, overwrites
  /// `inverse_metric` with n/(n+5)·Σ + 1e-3·5/(n+5)·I and returns true.
  /// Throws `runtime_failure` when the estimate is not finite.
  bool learn_covariance(Eigen::MatrixXd& inverse_metric, const Eigen::VectorXd& q);

  const windowed_adaptation& windows() const { return windows_; }

 private:
  windowed_adaptation windows_;
  welford_covar_estimator estimator_;
};

}  // namespace ismc::nuts_detail

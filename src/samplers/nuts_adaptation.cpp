#include "samplers/nuts_adaptation.hpp"

#include <cmath>

#include "ismc/core/error.hpp"
#include "ismc/samplers/nuts.hpp"

namespace ismc {

namespace nuts_detail {

stepsize_adaptation::stepsize_adaptation(double delta, double gamma, double kappa, double t0)
    : delta_(delta), gamma_(gamma), kappa_(kappa), t0_(t0) {
  restart();
}

void stepsize_adaptation::restart() {
  counter_ = 0.0;
  s_bar_ = 0.0;
  x_bar_ = 0.0;
}

void stepsize_adaptation::learn_stepsize(double& stepsize, double accept_stat) {
  counter_ += 1.0;
  accept_stat = accept_stat > 1.0 ? 1.0 : accept_stat;

  const double eta = 1.0 / (counter_ + t0_);
  s_bar_ = (1.0 - eta) * s_bar_ + eta * (delta_ - accept_stat);

  const double x = mu_ - s_bar_ * std::sqrt(counter_) / gamma_;
  const double x_eta = std::pow(counter_, -kappa_);
  x_bar_ = (1.0 - x_eta) * x_bar_ + x_eta * x;

  stepsize = std::exp(x);
}

void stepsize_adaptation::complete_adaptation(double& stepsize) const {
  stepsize = std::exp(x_bar_);
}

windowed_adaptation::windowed_adaptation(std::size_t warmup, std::size_t init_buffer,
                                         std::size_t term_buffer, std::size_t base_window) {
  if (warmup < 20) return;  // Stan: "No variance estimation is performed for num_warmup < 20"
  enabled_ = true;
  warmup_ = warmup;
  if (init_buffer + base_window + term_buffer > warmup) {
    // Stan truncates 0.15·warmup and 0.10·warmup to unsigned int. Stan's set_window_params
    // returns from this branch before restart(), so its first window end stays at
    // UINT_MAX and the metric is never adapted (seen with rstan 2.21: identity metric for
    // warmup 20–149). We schedule the window Stan documents and prints instead.
    init_buffer_ = static_cast<std::size_t>(0.15 * static_cast<double>(warmup));
    term_buffer_ = static_cast<std::size_t>(0.10 * static_cast<double>(warmup));
    base_window_ = warmup - (init_buffer_ + term_buffer_);
  } else {
    init_buffer_ = init_buffer;
    term_buffer_ = term_buffer;
    base_window_ = base_window;
  }
  counter_ = 0;
  window_size_ = base_window_;
  next_window_end_ = init_buffer_ + window_size_ - 1;
}

bool windowed_adaptation::adaptation_window() const {
  return enabled_ && counter_ >= init_buffer_ && counter_ < warmup_ - term_buffer_ &&
         counter_ != warmup_;
}

bool windowed_adaptation::end_adaptation_window() const {
  return enabled_ && counter_ == next_window_end_ && counter_ != warmup_;
}

void windowed_adaptation::compute_next_window() {
  const std::size_t last_slow = warmup_ - term_buffer_ - 1;
  if (next_window_end_ == last_slow) return;

  window_size_ *= 2;
  next_window_end_ = counter_ + window_size_;
  if (next_window_end_ == last_slow) return;

  // If the window after this one would overrun the slow phase, stretch this one to its end.
  const std::size_t following_window_end = next_window_end_ + 2 * window_size_;
  if (following_window_end >= warmup_ - term_buffer_) next_window_end_ = last_slow;
}

welford_var_estimator::welford_var_estimator(std::size_t dim)
    : mean_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))),
      m2_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))) {}

void welford_var_estimator::restart() {
  num_samples_ = 0;
  mean_.setZero();
  m2_.setZero();
}

void welford_var_estimator::add_sample(const Eigen::VectorXd& q) {
  ++num_samples_;
  const Eigen::VectorXd delta = q - mean_;
  mean_ += delta / static_cast<double>(num_samples_);
  m2_ += (q - mean_).cwiseProduct(delta);
}

void welford_var_estimator::sample_variance(Eigen::VectorXd& variance) const {
  if (num_samples_ > 1) variance = m2_ / (static_cast<double>(num_samples_) - 1.0);
}

welford_covar_estimator::welford_covar_estimator(std::size_t dim)
    : mean_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))),
      m2_(Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(dim))) {}

void welford_covar_estimator::restart() {
  num_samples_ = 0;
  mean_.setZero();
  m2_.setZero();
}

void welford_covar_estimator::add_sample(const Eigen::VectorXd& q) {
  ++num_samples_;
  const Eigen::VectorXd delta = q - mean_;
  mean_ += delta / static_cast<double>(num_samples_);
  m2_ += (q - mean_) * delta.transpose();
}

void welford_covar_estimator::sample_covariance(Eigen::MatrixXd& covariance) const {
  if (num_samples_ > 1) covariance = m2_ / (static_cast<double>(num_samples_) - 1.0);
}

namespace {

[[noreturn]] void metric_overflow() {
  throw runtime_failure(
      "NUTS: numerical overflow in metric adaptation (the window's draws reached extreme "
      "values on the unconstrained scale; the posterior may be improper or too wide)");
}

// One warmup iteration of either metric adaptation (Stan's learn_variance and
// learn_covariance): a draw of a slow window joins the estimator; at the window's end,
// `sample_estimate` writes the window's estimate into `inverse_metric`, which becomes
// n/(n+5)·estimate + 1e-3·5/(n+5)·identity, and the estimator starts afresh.
template <class Estimator, class Metric, class Identity>
bool learn_metric(windowed_adaptation& windows, Estimator& estimator,
                  void (Estimator::*sample_estimate)(Metric&) const, Metric& inverse_metric,
                  const Identity& identity, const Eigen::VectorXd& q) {
  if (windows.adaptation_window()) estimator.add_sample(q);
  const bool window_end = windows.end_adaptation_window();
  if (window_end) {
    windows.compute_next_window();
    (estimator.*sample_estimate)(inverse_metric);
    const double n = static_cast<double>(estimator.num_samples());
    inverse_metric = (n / (n + 5.0)) * inverse_metric + 1e-3 * (5.0 / (n + 5.0)) * identity;
    if (!inverse_metric.allFinite()) metric_overflow();
    estimator.restart();
  }
  windows.end_of_iteration();
  return window_end;
}

}  // namespace

bool var_adaptation::learn_variance(Eigen::VectorXd& inverse_metric, const Eigen::VectorXd& q) {
  return learn_metric(windows_, estimator_, &welford_var_estimator::sample_variance, inverse_metric,
                      Eigen::VectorXd::Ones(inverse_metric.size()), q);
}

bool covar_adaptation::learn_covariance(Eigen::MatrixXd& inverse_metric, const Eigen::VectorXd& q) {
  return learn_metric(windows_, estimator_, &welford_covar_estimator::sample_covariance,
                      inverse_metric,
                      Eigen::MatrixXd::Identity(inverse_metric.rows(), inverse_metric.cols()), q);
}

}  // namespace nuts_detail

std::vector<std::pair<std::size_t, std::size_t>> adaptation_windows(std::size_t warmup,
                                                                    std::size_t init_buffer,
                                                                    std::size_t term_buffer,
                                                                    std::size_t window) {
  if (window == 0) {
    throw usage_error(
        "NUTS: window = 0, expected a first slow adaptation window of >= 1 "
        "iterations");
  }
  std::vector<std::pair<std::size_t, std::size_t>> windows;
  nuts_detail::windowed_adaptation schedule(warmup, init_buffer, term_buffer, window);
  bool open = false;
  std::size_t first = 0;
  for (std::size_t m = 0; m < warmup; ++m) {
    if (schedule.adaptation_window() && !open) {
      open = true;
      first = m;
    }
    if (schedule.end_adaptation_window()) {
      schedule.compute_next_window();
      windows.emplace_back(first, m);
      open = false;
    }
    schedule.end_of_iteration();
  }
  return windows;
}

}  // namespace ismc

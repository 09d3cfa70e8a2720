#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/batch_router.hpp"
#include "backend/device_choice.hpp"
#include "ismc/core/error.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "models/partial_pooling_backend.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/core/number_text.hpp"
#include "core/parallel.hpp"
#include "models/partial_pooling_math.hpp"
#include "models/partial_pooling_cuda.hpp"

// The partial-pooling model (seed 000) as a `posterior_model`
// -----------------------------------------------------------
// μ_i ~ N(θ_μ, θ_σ), x_i ~ N(μ_i, α) for i = 1..n, θ_μ ~ U(−5, 5), θ_σ ~ U(0, 2), α known.
// Unconstrained q = (a, b, μ_1..μ_n) with θ_μ = −5 + 10 s(a), θ_σ = 2 s(b), s the logistic
// function (Stan's lower/upper-bounded transform). The log density is
//
//   lp = ln 20 + J(a) + J(b) − n ln θ_σ − ½ Σ ((μ_i − θ_μ)/θ_σ)² − ½ Σ ((x_i − μ_i)/α)²,
//   J(q) = ln s(q) + ln s(−q) = −|q| − 2 ln(1 + e^−|q|),
//
// where ln 10 + J(a) and ln 2 + J(b) are the log-Jacobians of the two transforms. This is
// exactly the lp__ that Stan writes for
//
//   data { int n; vector[n] x; real alpha; }
//   parameters { real<lower=-5, upper=5> theta_mu; real<lower=0, upper=2> theta_sigma;
//                vector[n] mu; }
//   model { mu ~ normal(theta_mu, theta_sigma); x ~ normal(mu, alpha); }
//
// (the uniform priors are implicit; `~` drops −½ ln 2π per term and −ln α, which are
// constants, and keeps −n ln θ_σ). Relative to the fully normalized log joint density
// ln p(x, q) on the unconstrained scale (the priors' 1/10 and 1/2 included, the Jacobians'
// ln 10 and ln 2 included), the dropped constant is
//
//   lp − ln p(x, q) = ln 20 + n ln(2π) + n ln α.
//
// The arithmetic (and the gradient) lives in partial_pooling_math.hpp, shared with the CUDA
// kernel (kernels/partial_pooling.cu). The same density, batched, with its gradient:
// `make_partial_pooling_density` (threads over rows on the CPU, a block per row on the
// device); `make_partial_pooling(x, α, kind)` puts NUTS's gradient on the device through it.

namespace ismc {
namespace {

using detail::theta_mu_lower;
using detail::theta_mu_width;
using detail::theta_sigma_upper;

double logit(double p) { return std::log(p) - std::log1p(-p); }

const data_value& require_field(const stan_data& values, const std::string& field,
                                const std::string& expected) {
  const auto found = values.find(field);
  if (found == values.end()) throw input_error("", 0, field, "missing; expected " + expected);
  return found->second;
}

double read_scalar(const stan_data& values, const std::string& field, double lower, double upper) {
  const std::string expected = "a real in (" + number_text(lower) + ", " + number_text(upper) + ")";
  const data_value& value = require_field(values, field, expected);
  if (!value.dims.empty() || value.values.size() != 1) {
    throw input_error(
        "", 0, field,
        got_expected("an array of " + std::to_string(value.values.size()) + " values", expected));
  }
  const double number = value.values[0];
  if (!(number > lower && number < upper)) {
    throw input_error("", 0, field, got_expected(number, expected));
  }
  return number;
}

// The data of the model and its log density at one q: the CPU reference. The objects are
// added in index order, so every caller (the single-vector model, the batched CPU density)
// gets the same bits.
class pooling_data {
 public:
  pooling_data(std::vector<double> x, double alpha)
      : x_(std::move(x)), inv_alpha2_(1.0 / (alpha * alpha)) {}

  std::size_t objects() const { return x_.size(); }

  double log_density(const double* q, double* gradient) const {
    const std::size_t n = x_.size();
    const detail::pooling_hyper hyper = detail::make_pooling_hyper(q[0], q[1]);
    detail::pooling_sums sums = detail::empty_pooling_sums();
    for (std::size_t i = 0; i < n; ++i) {
      const double mu_gradient =
          detail::add_pooling_object(hyper, q[2 + i], x_[i], inv_alpha2_, sums);
      if (gradient != nullptr) gradient[2 + i] = mu_gradient;
    }
    return detail::finish_pooling_log_density(q[0], q[1], hyper, sums, static_cast<double>(n),
                                              inv_alpha2_, gradient);
  }

 private:
  std::vector<double> x_;
  double inv_alpha2_;  // 1/α²
};

// The model's names, outputs and initial values, whichever machine computes its density.
class partial_pooling_base : public posterior_model {
 public:
  explicit partial_pooling_base(std::size_t objects) : objects_(objects) {}

  std::string name() const override { return "partial_pooling"; }
  std::size_t dim() const override { return 2 + objects_; }

  std::vector<std::string> output_names() const override {
    std::vector<std::string> names = {"theta_mu", "theta_sigma"};
    for (std::size_t i = 1; i <= objects_; ++i) names.push_back("mu." + std::to_string(i));
    return names;
  }

  void write_outputs(const double* q, double* out) const override {
    out[0] = theta_mu_lower + theta_mu_width * detail::logistic(q[0]);
    out[1] = theta_sigma_upper * detail::logistic(q[1]);
    std::copy(q + 2, q + 2 + objects_, out + 2);
  }

  // Initial values {theta_mu, theta_sigma, mu[n]}, constrained, as in a Stan init file.
  void unconstrain(const stan_data& values, double* q) const override {
    const double theta_mu =
        read_scalar(values, "theta_mu", theta_mu_lower, theta_mu_lower + theta_mu_width);
    const double theta_sigma = read_scalar(values, "theta_sigma", 0.0, theta_sigma_upper);
    const std::size_t n = objects_;
    const std::string expected = "an array of n = " + std::to_string(n) + " finite reals";
    const data_value& mu = require_field(values, "mu", expected);
    if (mu.dims.size() != 1 || mu.dims[0] != n || mu.values.size() != n) {
      throw input_error("", 0, "mu",
                        got_expected(std::to_string(mu.values.size()) + " values in " +
                                         std::to_string(mu.dims.size()) + " dimension(s)",
                                     expected));
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(mu.values[i])) {
        throw input_error("", 0, "mu[" + std::to_string(i + 1) + "]",
                          got_expected(mu.values[i], "a finite real"));
      }
    }
    q[0] = logit((theta_mu - theta_mu_lower) / theta_mu_width);
    q[1] = logit(theta_sigma / theta_sigma_upper);
    std::copy(mu.values.begin(), mu.values.end(), q + 2);
  }

 private:
  std::size_t objects_;
};

// The model with its density on the CPU, one q at a time.
class partial_pooling_model final : public partial_pooling_base {
 public:
  partial_pooling_model(std::vector<double> x, double alpha)
      : partial_pooling_base(x.size()), data_(std::move(x), alpha) {}

  double log_density(const double* q, double* gradient) const override {
    return data_.log_density(q, gradient);
  }

 private:
  pooling_data data_;
};

// The model with its density behind a batched one (the device), called with batch 1.
class batched_partial_pooling_model final : public partial_pooling_base {
 public:
  explicit batched_partial_pooling_model(std::unique_ptr<batched_log_density> density)
      : partial_pooling_base(density->dim() - 2), density_(std::move(density)) {}

  double log_density(const double* q, double* gradient) const override {
    double lp = 0.0;
    if (gradient != nullptr) {
      density_->log_density_gradient(q, 1, &lp, gradient);
    } else {
      density_->log_density(q, 1, &lp);
    }
    return lp;
  }

 private:
  std::unique_ptr<batched_log_density> density_;
};

// The batched density on the CPU: threads over the rows, each row the reference's bits.
class partial_pooling_density final : public batched_log_density {
 public:
  partial_pooling_density(std::vector<double> x, double alpha) : data_(std::move(x), alpha) {}

  std::size_t dim() const override { return 2 + data_.objects(); }
  std::vector<std::string> names() const override {
    return detail::pooling_coordinate_names(data_.objects());
  }
  bool has_gradient() const override { return true; }

  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    evaluate(thetas, batch, out, nullptr, hooks);
  }

  void log_density_gradient(const double* thetas, std::size_t batch, double* out, double* gradients,
                            const run_hooks& hooks) const override {
    evaluate(thetas, batch, out, gradients, hooks);
  }

 private:
  // A thread is worth starting (tens of microseconds, per call) for about this many
  // objects (about a nanosecond each).
  static constexpr std::size_t objects_per_thread = std::size_t{1} << 16;

  void evaluate(const double* thetas, std::size_t batch, double* out, double* gradients,
                const run_hooks& hooks) const {
    hooks.check_interrupt();
    const std::size_t width = dim();
    const std::size_t work = batch * data_.objects();
    const unsigned threads = static_cast<unsigned>(
        std::min<std::size_t>(detail::resolve_threads(hooks.threads),
                              std::max<std::size_t>(1, work / objects_per_thread)));
    detail::parallel_for(batch, threads, [&](std::size_t b) {
      hooks.check_interrupt();
      out[b] = data_.log_density(thetas + b * width,
                                 gradients == nullptr ? nullptr : gradients + b * width);
    });
  }

  pooling_data data_;
};

// The checks of both factories: an empty x, a non-finite x_i, α not finite and > 0.
void validate_pooling_data(const std::vector<double>& x, double alpha) {
  if (x.empty())
    throw input_error("", 0, "x", got_expected("no values", "at least one observation"));
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw input_error("", 0, "x[" + std::to_string(i + 1) + "]",
                        got_expected(x[i], "a finite real"));
    }
  }
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw input_error("", 0, "alpha", got_expected(alpha, "a finite standard deviation > 0"));
  }
}

// The batched density on the device or the CPU; x and α already validated.
std::unique_ptr<batched_log_density> make_density(bool on_device, std::vector<double> x,
                                                  double alpha) {
#if defined(ISMC_HAVE_CUDA)
  if (on_device) return detail::make_cuda_partial_pooling_density(x, alpha);
#else
  (void)on_device;
#endif
  return std::make_unique<partial_pooling_density>(std::move(x), alpha);
}

}  // namespace

namespace detail {

std::unique_ptr<posterior_model> make_partial_pooling(std::vector<double> x, double alpha,
                                                      backend_kind kind,
                                                      double device_min_objects) {
  bool on_device = detail::use_device(kind, "the partial-pooling model");
  validate_pooling_data(x, alpha);
  // NUTS asks for one q at a time: under `automatic` a small model stays on the CPU.
  if (kind == backend_kind::automatic && static_cast<double>(x.size()) < device_min_objects) {
    on_device = false;
  }
  if (!on_device) return std::make_unique<partial_pooling_model>(std::move(x), alpha);
  return std::make_unique<batched_partial_pooling_model>(make_density(true, std::move(x), alpha));
}

std::unique_ptr<batched_log_density> make_partial_pooling_density(std::vector<double> x,
                                                                  double alpha, backend_kind kind,
                                                                  double device_min_objects) {
  const bool on_device = detail::use_device(kind, "the partial-pooling model");
  validate_pooling_data(x, alpha);
  if (on_device && kind == backend_kind::automatic) {
    // Small calls stay on the CPU: a row is n objects of work.
    const auto objects = static_cast<double>(x.size());
    auto device = make_density(true, x, alpha);
    return std::make_unique<detail::batch_router>(make_density(false, std::move(x), alpha),
                                                  std::move(device), objects, device_min_objects);
  }
  return make_density(on_device, std::move(x), alpha);
}

}  // namespace detail

std::unique_ptr<posterior_model> make_partial_pooling(std::vector<double> x, double alpha,
                                                      backend_kind kind) {
  return detail::make_partial_pooling(std::move(x), alpha, kind,
                                      detail::default_device_min_objects);
}

std::unique_ptr<batched_log_density> make_partial_pooling_density(std::vector<double> x,
                                                                  double alpha, backend_kind kind) {
  return detail::make_partial_pooling_density(std::move(x), alpha, kind,
                                              detail::default_device_min_objects);
}

}  // namespace ismc

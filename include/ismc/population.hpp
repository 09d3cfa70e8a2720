#pragma once
/// @file population.hpp
/// @brief Population inference from per-object posterior samples (seed 000; Hogg, Myers &
/// Bovy 2010): μ_i ~ N(θ_μ, θ_σ), x_i ~ N(μ_i, α), flat priors θ_μ ~ U(−5, 5),
/// θ_σ ~ U(0, 2). Three ways to the hyper-parameters: fitting per-object point estimates
/// (biased), the importance-sampled hyper-likelihood L̂(θ) from per-object posterior
/// samples, and the full partial-pooling model. See ../shared/spec/samplers.md.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ismc/backend.hpp"
#include "ismc/batched.hpp"
#include "ismc/posterior.hpp"
#include "ismc/progress.hpp"

namespace ismc {

/// Per-object posterior samples μ_i^(n), ragged: object i owns
/// values[offsets[i] … offsets[i + 1]). `log_p0` is empty (flat interim prior) or holds
/// ln p0 of every sample.
struct population_samples {
  std::vector<std::size_t> offsets{0};
  std::vector<double> values;
  std::vector<double> log_p0;

  std::size_t objects() const { return offsets.size() - 1; }
  std::size_t samples(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

/// Checks sizes, finiteness and (with log_p0) that every interim density is positive and
/// finite; throws `input_error` (file "", field `samples` / `log_p0`, the object named).
void validate(const population_samples& samples);

/// The seed's simulated setting.
struct population_setting {
  std::size_t objects = 1000;
  double theta_mu = 0.0;
  double theta_sigma = 1.0;
  double alpha = 1.0;                   ///< measurement noise of x_i
  std::size_t samples_per_object = 1000;
};

/// Simulated data: true μ_i, observations x_i ~ N(μ_i, α), and per-object posterior
/// samples under a flat interim prior, μ_i^(n) ~ N(x_i, α²). Counter-based: a pure
/// function of (setting, seed).
struct population_data {
  std::vector<double> mu;
  std::vector<double> x;
  population_samples samples;
};
population_data simulate_population(const population_setting& setting, std::uint64_t seed);

/// Per-object posterior samples under a flat interim prior for observations x with noise
/// α: μ_i^(n) = x_i + α z, z ~ N(0, 1), `samples_per_object` each (log_p0 left empty).
/// Counter-based (stream 3 of `seed`, the object's index as the simulation): the samples
/// that `simulate_population(setting, seed)` draws for its x, and, with other seeds, fresh
/// samples for the same x. Throws `usage_error` for an empty or non-finite x, α ≤ 0 or not
/// finite, or samples_per_object outside [1, INT_MAX].
population_samples draw_flat_prior_samples(const std::vector<double>& x, double alpha,
                                           std::size_t samples_per_object, std::uint64_t seed);

/// The hyper-likelihood at one θ and what it knows of its own error.
struct hyper_likelihood_value {
  double log_likelihood = 0.0;  ///< ln L̂(θ) = Σ_i ln[(1/S_i) Σ_n N(μ_i^(n); θ_μ, θ_σ) / p0]
  double variance = 0.0;        ///< σ² = Σ_i (1/ESS_i − 1/S_i), the variance of ln L̂
};

/// ln L̂ at `batch` values θ_b = (θ_μ, θ_σ) (row-major), by logsumexp in one pass over the
/// samples with a running (max, Σe, Σe²) per object. `per_object_ess` (when not null)
/// receives ESS_i = (Σw)²/Σw² of the first θ, one per object.
///
/// Validates `samples` first (throws as `validate`). A θ that is not a normal (θ_σ ≤ 0, or
/// a value not finite) gets ln L̂ = −∞ and σ² = +∞ (ESS 0), never NaN; no prior is
/// applied here. The CPU reference of every backend: `hooks.threads` threads, results
/// bit-identical for any thread count and for a θ in any batch; `hooks.interrupt` is
/// honoured (throws `interrupted`).
void hyper_log_likelihood(const population_samples& samples, const double* thetas,
                          std::size_t batch, hyper_likelihood_value* out,
                          std::vector<double>* per_object_ess = nullptr,
                          const run_hooks& hooks = {});

/// Flat priors θ_μ ∈ (−5, 5), θ_σ ∈ (0, 2), and the hyper-likelihood; −∞ outside the
/// priors and, when σ² > variance_cut, −∞ (Talbot & Golomb 2023). log_density = ln L̂(θ)
/// inside (the priors' constant −ln 20 dropped). The constructor validates the samples
/// (throws as `validate`) and throws `usage_error` for a cut that is not > 0.
class hyper_likelihood_posterior : public batched_log_density {
 public:
  hyper_likelihood_posterior(population_samples samples,
                             double variance_cut = std::numeric_limits<double>::infinity());
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"theta_mu", "theta_sigma"}; }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks = {}) const override;
  const population_samples& samples() const { return samples_; }

 private:
  population_samples samples_;
  double variance_cut_;
};

/// Where `automatic` starts sending a hyper-likelihood call to the device: at this many
/// terms (θ in the call × samples of all objects). Smaller calls stay on the CPU, which
/// finishes them before a device call's fixed cost (copies, two launches, a
/// synchronization) is paid. An estimate, not yet a measurement: 2¹⁸ terms take about
/// 65 µs on the project's 2-core CPU (4·10⁹ terms/s), about the fixed cost expected of a
/// device call; bench_population's BM_HyperLikelihoodCrossover measures the crossover on a
/// machine with a GPU.
inline constexpr double default_device_min_terms = 262144.0;

/// Where `automatic` starts sending the partial-pooling model's log density and gradient to
/// the device: at this many objects of work per call (batch × n; NUTS's calls are one q).
/// An estimate, not yet a measurement: the CPU computes about 10⁹ objects' terms per second
/// per core here (1.1 µs for 1000), so 2¹⁶ objects take about 70 µs, more than a device
/// call's expected fixed cost; bench_nuts's BM_PartialPoolingGradient cases measure it on
/// a machine with a GPU.
inline constexpr double default_device_min_objects = 65536.0;

/// The hyper-likelihood posterior on a backend: `cpu` (threads over the batch and the
/// objects) or `cuda` (samples copied to the device once; one kernel pass per call);
/// `automatic` takes the CPU without a device, and with one (CUDA compiled in) sends each
/// call of at least `device_min_terms` terms to the device and smaller ones to the CPU (so
/// an ensemble, whose calls all have one size, stays on one of them). Throws as
/// `make_backend` when CUDA is asked for and cannot be had.
std::unique_ptr<batched_log_density> make_hyper_likelihood(
    population_samples samples, double variance_cut = std::numeric_limits<double>::infinity(),
    backend_kind kind = backend_kind::cpu, double device_min_terms = default_device_min_terms);

/// The point-estimate method the seed warns against: θ fitted to per-object medians m_i as
/// if they were exact, ln L = Σ ln N(m_i; θ_μ, θ_σ) (normalized densities), with the same
/// flat priors (−∞ outside, their constant dropped). Throws `input_error` (field `medians`)
/// for no medians or a non-finite one.
class point_estimate_posterior : public batched_log_density {
 public:
  explicit point_estimate_posterior(std::vector<double> medians);
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"theta_mu", "theta_sigma"}; }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks = {}) const override;

 private:
  std::vector<double> medians_;
  double mean_ = 0.0;     ///< m̄
  double squares_ = 0.0;  ///< Q = Σ (m_i − m̄)²
};

/// Per-object medians of the samples (the point estimates); for an even count the mean of
/// the two middle values. Validates the samples (throws as `validate`).
std::vector<double> sample_medians(const population_samples& samples);

/// The full partial-pooling model on observations x with noise α: parameters θ_μ, θ_σ,
/// μ_1 … μ_n (n + 2 of them), θ_μ and θ_σ on logit scales of their uniform priors with
/// Jacobians; outputs `theta_mu`, `theta_sigma`, `mu.1` … `mu.n`; initial values
/// {theta_mu, theta_sigma, mu[n]}. The log density is Stan's lp__ for the same program:
/// the normalized log joint plus ln 20 + n ln 2π + n ln α (src/partial_pooling.cpp).
/// Throws `input_error` (field `x[i]`, 1-based, or `alpha`) for an empty x, a non-finite
/// x_i, or α not finite and > 0.
///
/// `kind` says where the log density and its gradient are computed: `cpu` (the reference,
/// one q at a time in the calling thread), `cuda` (`make_partial_pooling_density` on the
/// device, called with batch 1 for every gradient NUTS asks for; concurrent chains take
/// turns) or `automatic` (CUDA when compiled in, a device is present and the model has at
/// least `device_min_objects` objects; the CPU otherwise). Throws as
/// `make_backend` when CUDA is asked for and cannot be had (`not_compiled` without CUDA,
/// `runtime_failure` without a device), before looking at x and α. On the device, a failing
/// CUDA call makes log_density throw `device_error`.
std::unique_ptr<posterior_model> make_partial_pooling(
    std::vector<double> x, double alpha, backend_kind kind = backend_kind::cpu,
    double device_min_objects = default_device_min_objects);

/// The partial-pooling model's log density (as `make_partial_pooling`'s, the same lp on the
/// same unconstrained q = (a, b, μ_1 … μ_n), dim n + 2) as a batched density with its
/// gradient (`has_gradient()` is true). Parameters are named `theta_mu_unconstrained`,
/// `theta_sigma_unconstrained`, `mu.1` … `mu.n`. On `cpu`: threads over the rows, at most
/// `hooks.threads` and at most one per 65,536 objects of work (batch × n), each row
/// bit-identical to `make_partial_pooling(x, alpha)->log_density` whatever the thread count;
/// `hooks.interrupt` is honoured (throws `interrupted`). On `cuda`
/// (kernels/partial_pooling_kernels.cu): x is copied to the device once; a call copies the
/// q in and lp and the gradients out, one block per row; results agree with the CPU's to
/// rounding (the sums over objects are added in another order) and are deterministic;
/// concurrent calls take turns. `automatic` without a device is the CPU; with one, calls of
/// at least `device_min_objects` objects of work (batch × n) go to the device and smaller
/// ones to the CPU. The errors as `make_partial_pooling(x, alpha, kind)`.
std::unique_ptr<batched_log_density> make_partial_pooling_density(
    std::vector<double> x, double alpha, backend_kind kind = backend_kind::cpu,
    double device_min_objects = default_device_min_objects);

/// The exact posterior of (θ_μ, θ_σ) given x under the flat priors, by 1-D quadrature over
/// θ_σ (x_i ~ N(θ_μ, θ_σ² + α²) marginally; θ_μ | θ_σ, x is Gaussian, truncation to
/// (−5, 5) included): midpoint rule on 20,000 cells of (0, 2); θ_μ's quantiles by
/// bisection on its mixture CDF. Throws `usage_error` for an empty or non-finite x or α
/// not finite and > 0.
struct population_exact {
  double mean_mu, sd_mu, q05_mu, q50_mu, q95_mu;
  double mean_sigma, sd_sigma, q05_sigma, q50_sigma, q95_sigma;
};
population_exact exact_population_posterior(const std::vector<double>& x, double alpha);

}  // namespace ismc

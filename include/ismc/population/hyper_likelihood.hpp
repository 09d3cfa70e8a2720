#pragma once
/// @file hyper_likelihood.hpp
/// @brief The importance-sampled hyper-likelihood L̂(θ) of the population parameters
/// θ = (θ_μ, θ_σ) from per-object posterior samples (Hogg, Myers & Bovy 2010), on the CPU
/// (the reference) or a CUDA device. The math: docs/spec/samplers.md.

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/population/samples.hpp"

namespace ismc {

/// The hyper-likelihood at one θ and what it knows of its own error.
struct hyper_likelihood_value {
  double log_likelihood = 0.0;  ///< ln L̂(θ) = Σ_i ln[(1/S_i) Σ_n N(μ_i^(n); θ_μ, θ_σ) / p0]
  double variance = 0.0;        ///< σ² = Σ_i (1/ESS_i − 1/S_i), the variance of ln L̂
};

/// How the CPU evaluates the hyper-likelihood's exponentials (a study's [likelihood]
/// precision). `double_precision`, the default: each term e = w / e^shift to about 1.5 ulp.
/// `mixed` (opt-in): each exponential to a relative error of at most ε = 1.2·10⁻⁹ (better
/// than single precision; 1.15–1.3× faster on AVX-512 as measured), every sum in double.
/// Since all terms are positive, each object's Σe, hence L̂_i, moves by a factor within
/// [1 − ε, 1 + ε]:
/// |ln L̂_mixed − ln L̂_double| ≤ I·ε (I objects, plus the double path's own rounding), and
/// ESS_i by a factor within (1 ± ε)²/(1 ∓ ε)², so |Δσ²| ≤ 4.1·ε·Σ_i 1/ESS_i
/// (docs/performance.md). CPUs without AVX-512 and CUDA devices compute in double for both.
enum class hyper_likelihood_precision { double_precision, mixed };

/// ln L̂ at `batch` values θ_b = (θ_μ, θ_σ) (row-major), by logsumexp in one pass over the
/// samples with a running (max, Σe, Σe²) per object. `per_object_ess` (when not null)
/// receives ESS_i = (Σw)²/Σw² of the first θ, one per object.
///
/// Validates `samples` first (throws as `validate`). A θ that is not a normal (θ_σ ≤ 0, or
/// a value not finite) gets ln L̂ = −∞ and σ² = +∞ (ESS 0), never NaN; no prior is
/// applied here. The CPU reference of every backend: `hooks.threads` threads, results
/// bit-identical for any thread count and for a θ in any batch; `hooks.interrupt` is
/// honoured (throws `interrupted`). `precision` as `hyper_likelihood_precision` says.
void hyper_log_likelihood(
    const population_samples& samples, const double* thetas, std::size_t batch,
    hyper_likelihood_value* out, std::vector<double>* per_object_ess = nullptr,
    const run_hooks& hooks = {},
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

/// `hyper_log_likelihood` on borrowed samples (no copy): validates the view first.
void hyper_log_likelihood(
    const population_samples_view& samples, const double* thetas, std::size_t batch,
    hyper_likelihood_value* out, std::vector<double>* per_object_ess = nullptr,
    const run_hooks& hooks = {},
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

/// `hyper_log_likelihood` on borrowed samples that already passed `validate` (a caller
/// that evaluates the same samples many times checks them once): nothing is checked again.
void hyper_log_likelihood(
    validated_t, const population_samples_view& samples, const double* thetas, std::size_t batch,
    hyper_likelihood_value* out, std::vector<double>* per_object_ess = nullptr,
    const run_hooks& hooks = {},
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

/// Flat priors θ_μ ∈ (−5, 5), θ_σ ∈ (0, 2), and the hyper-likelihood; −∞ outside the
/// priors and, when σ² > variance_cut, −∞ (Talbot & Golomb 2023). log_density = ln L̂(θ)
/// inside (the priors' constant −ln 20 dropped). The constructor validates the samples
/// (throws as `validate`) and throws `usage_error` for a cut that is not > 0. `precision`:
/// the CPU's exponentials (`hyper_likelihood_precision`).
class hyper_likelihood_posterior : public batched_log_density {
 public:
  hyper_likelihood_posterior(
      population_samples samples, double variance_cut = std::numeric_limits<double>::infinity(),
      hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);
  /// For samples and a cut that already passed these checks: they are not made again.
  hyper_likelihood_posterior(
      validated_t, population_samples samples, double variance_cut,
      hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);
  std::size_t dim() const override { return 2; }
  std::vector<std::string> names() const override { return {"theta_mu", "theta_sigma"}; }
  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks = {}) const override;
  const population_samples& samples() const { return samples_; }

 private:
  population_samples samples_;
  double variance_cut_;
  hyper_likelihood_precision precision_;
};

/// The hyper-likelihood posterior on a backend: `cpu` (threads over the batch and the
/// objects) or `cuda` (samples copied to the device once; one kernel pass per call);
/// `automatic` takes the CPU without a device, and with one (CUDA compiled in) sends each
/// call of at least a threshold of terms (src/population/hyper_likelihood_backend.hpp) to the
/// device and smaller ones to the CPU (so an ensemble, whose calls all have one size, stays on one
/// of them). Throws as `make_backend` when CUDA is asked for and cannot be had. `precision`
/// applies to the CPU's calls (the device computes in double).
std::unique_ptr<batched_log_density> make_hyper_likelihood(
    population_samples samples, double variance_cut = std::numeric_limits<double>::infinity(),
    backend_kind kind = backend_kind::cpu,
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

}  // namespace ismc

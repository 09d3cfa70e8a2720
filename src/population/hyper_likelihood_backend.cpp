// make_hyper_likelihood: the hyper-likelihood posterior on the CPU (the reference,
// hyper_likelihood_posterior in hyper_likelihood.cpp) or on a CUDA device
// (kernels/hyper_likelihood.cu), behind one batched_log_density.
#include <cassert>
#include <memory>
#include <string>
#include <utility>

#include "backend/batch_router.hpp"
#include "backend/device_choice.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "population/hyper_likelihood_backend.hpp"
#include "population/hyper_likelihood_cuda.hpp"
#include "population/hyper_likelihood_finish.hpp"

namespace ismc {
namespace {

// The checks of hyper_likelihood_posterior's constructor, made once before anything is
// built or copied to the device, so that both backends refuse the same inputs with the
// same errors.
void check(const population_samples& samples, double variance_cut) {
  validate(samples);
  detail::check_variance_cut(variance_cut);
}

}  // namespace

namespace detail {

std::unique_ptr<batched_log_density> make_hyper_likelihood(population_samples samples,
                                                           double variance_cut, backend_kind kind,
                                                           double device_min_terms,
                                                           hyper_likelihood_precision precision) {
  check(samples, variance_cut);
  return make_hyper_likelihood_unchecked(std::move(samples), variance_cut, kind, device_min_terms,
                                         precision);
}

std::unique_ptr<batched_log_density> make_hyper_likelihood_unchecked(
    population_samples samples, double variance_cut, backend_kind kind, double device_min_terms,
    hyper_likelihood_precision precision) {
  assert(detail::passes([&] { check(samples, variance_cut); }));
#if defined(ISMC_HAVE_CUDA)
  if (detail::use_device(kind, "the hyper-likelihood")) {
    auto device = detail::make_cuda_hyper_likelihood(samples, variance_cut);
    if (kind == backend_kind::cuda) return device;
    // `automatic`: small calls stay on the CPU; a call of `batch` θ is batch × (all
    // samples) terms.
    const auto terms_per_theta = static_cast<double>(samples.values.size());
    return std::make_unique<detail::batch_router>(
        std::make_unique<hyper_likelihood_posterior>(validated, std::move(samples), variance_cut,
                                                     precision),
        std::move(device), terms_per_theta, device_min_terms);
  }
#else
  detail::use_device(kind, "the hyper-likelihood");  // throws for `cuda`
  (void)device_min_terms;
#endif
  return std::make_unique<hyper_likelihood_posterior>(validated, std::move(samples), variance_cut,
                                                      precision);
}

}  // namespace detail

std::unique_ptr<batched_log_density> make_hyper_likelihood(population_samples samples,
                                                           double variance_cut, backend_kind kind,
                                                           hyper_likelihood_precision precision) {
  return detail::make_hyper_likelihood(std::move(samples), variance_cut, kind,
                                       detail::default_device_min_terms, precision);
}

}  // namespace ismc

#pragma once
/// @file hyper_likelihood_backend.hpp (private)
/// @brief Where the `automatic` hyper-likelihood moves to the device: the size threshold
/// and the factory that takes it (tests and benchmarks set their own).

#include <memory>

#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/samples.hpp"

namespace ismc::detail {

/// Where `automatic` starts sending a hyper-likelihood call to the device: at this many
/// terms (θ in the call × samples of all objects). Smaller calls stay on the CPU, which
/// finishes them before a device call's fixed cost (copies, two launches, a
/// synchronization) is paid. An estimate, not yet a measurement: 2¹⁸ terms take about
/// 65 µs on the project's 2-core CPU (4·10⁹ terms/s), about the fixed cost expected of a
/// device call; bench_population's BM_HyperLikelihoodCrossover measures the crossover on a
/// machine with a GPU.
inline constexpr double default_device_min_terms = 262144.0;

/// `make_hyper_likelihood` with the device threshold given: under `automatic` (with a
/// usable device) calls of at least `device_min_terms` terms go to the device.
std::unique_ptr<batched_log_density> make_hyper_likelihood(
    population_samples samples, double variance_cut, backend_kind kind, double device_min_terms,
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

/// `make_hyper_likelihood` for samples and a cut that already passed its checks
/// (`validate`, a cut > 0): they are asserted only.
std::unique_ptr<batched_log_density> make_hyper_likelihood_unchecked(
    population_samples samples, double variance_cut, backend_kind kind, double device_min_terms,
    hyper_likelihood_precision precision = hyper_likelihood_precision::double_precision);

}  // namespace ismc::detail

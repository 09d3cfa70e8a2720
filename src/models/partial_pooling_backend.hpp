#pragma once
/// @file partial_pooling_backend.hpp (private)
/// @brief Where the `automatic` partial-pooling model moves to the device: the size
/// threshold and the factories that take it (tests and benchmarks set their own).

#include <memory>
#include <vector>

#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"
#include "ismc/models/posterior.hpp"

namespace ismc::detail {

/// Where `automatic` starts sending the partial-pooling model's log density and gradient to
/// the device: at this many objects of work per call (batch × n; NUTS's calls are one q).
/// An estimate, not yet a measurement: the CPU computes about 10⁹ objects' terms per second
/// per core here (1.1 µs for 1000), so 2¹⁶ objects take about 70 µs, more than a device
/// call's expected fixed cost; bench_nuts's BM_PartialPoolingGradient cases measure it on
/// a machine with a GPU.
inline constexpr double default_device_min_objects = 65536.0;

/// `make_partial_pooling` with the device threshold given (objects per call).
std::unique_ptr<posterior_model> make_partial_pooling(std::vector<double> x, double alpha,
                                                      backend_kind kind, double device_min_objects);

/// `make_partial_pooling_density` with the device threshold given (objects of work per call).
std::unique_ptr<batched_log_density> make_partial_pooling_density(std::vector<double> x,
                                                                  double alpha, backend_kind kind,
                                                                  double device_min_objects);

}  // namespace ismc::detail

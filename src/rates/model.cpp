#include "ismc/rates/model.hpp"

#include <vector>

namespace ismc {

std::uint64_t model::count_rejections(const double* theta, random_stream s, std::uint64_t sim_begin,
                                      std::uint64_t sim_end) const {
  std::vector<double> x(sample_size());
  std::uint64_t rejections = 0;
  for (std::uint64_t i = sim_begin; i < sim_end; ++i) {
    simulate(theta, s, i, x.data());
    rejections += reject(x.data()) ? 1 : 0;
  }
  return rejections;
}

void model::simulate_many(const double* theta, random_stream s, std::uint64_t sim_begin,
                          std::size_t count, double* xs) const {
  const std::size_t stride = sample_size();
  for (std::size_t i = 0; i < count; ++i) simulate(theta, s, sim_begin + i, xs + i * stride);
}

void model::cluster_point(const double* x, double* point) const {
  const std::size_t size = sample_size();
  for (std::size_t n = 0; n < size; ++n) point[n] = x[n];
}

void model::reject_many(const double* xs, std::size_t count, std::uint8_t* rejected) const {
  const std::size_t stride = sample_size();
  for (std::size_t r = 0; r < count; ++r) rejected[r] = reject(xs + r * stride) ? 1 : 0;
}

void model::log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                               std::size_t count, double* out) const {
  const std::size_t stride = sample_size();
  for (std::size_t r = 0; r < count; ++r)
    out[r] = log_density_ratio(theta_m, theta_j, xs + r * stride);
}

}  // namespace ismc

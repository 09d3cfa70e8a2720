#pragma once
/// @file gaussian.hpp
/// @brief The Gaussian location family X ~ N(θ, I_d) and its five tests with exact rates.

#include <cstddef>
#include <optional>
#include <string>

#include "ismc/core/config.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"

namespace ismc {

/// The tests shipped for the Gaussian location family (the spec's table).
enum class test_kind {
  one_sided,  ///< reject when x_0 > c
  two_sided,  ///< reject when |x_0| > c
  sum,        ///< reject when Σ x_i / √d > c
  max,        ///< reject when max_i x_i > c (Bonferroni)
  norm,       ///< reject when ‖x‖² > c
};

/// The study-file spelling of a test kind (`one_sided`, …).
std::string to_string(test_kind kind);
/// Parses a study-file spelling; returns nullopt for an unknown name.
std::optional<test_kind> parse_test_kind(const std::string& name);

namespace gaussian {

/// The largest dimension d of the family: per-sample arrays on the host and the device are
/// this long, and a study or model asking for more is refused.
inline constexpr int max_dim = 64;
// A sample's normals are one simulation of its stream: blocks 0 .. max_dim/2 stay far
// below the k-means domain's counter words (core/streams.hpp).
static_assert(static_cast<std::uint64_t>(max_dim) <= streams::max_normals_per_draw);

/// Sample `sim` of stream `s` at `theta`: x = θ + z, z standard normal in `dim` coordinates.
ISMC_HD inline void simulate(const double* theta, int dim, random_stream s, std::uint64_t sim,
                             double* x) {
  standard_normals(s, sim, x, dim);
  for (int n = 0; n < dim; ++n) x[n] += theta[n];
}

/// log p_m(x) − log p_j(x) = (θ_m − θ_j)·x − (‖θ_m‖² − ‖θ_j‖²)/2.
ISMC_HD inline double log_density_ratio(const double* theta_m, const double* theta_j,
                                        const double* x, int dim) {
  double result = 0.0;
  for (int n = 0; n < dim; ++n) {
    result += (theta_m[n] - theta_j[n]) * (x[n] - 0.5 * (theta_m[n] + theta_j[n]));
  }
  return result;
}

/// The decision of test `kind` with critical value `critical` on sample `x`.
ISMC_HD inline bool rejects(test_kind kind, double critical, const double* x, int dim) {
  switch (kind) {
    case test_kind::one_sided:
      return x[0] > critical;
    case test_kind::two_sided:
      return fabs(x[0]) > critical;
    case test_kind::sum: {
      double total = 0.0;
      for (int n = 0; n < dim; ++n) total += x[n];
      return total / sqrt(static_cast<double>(dim)) > critical;
    }
    case test_kind::max: {
      for (int n = 0; n < dim; ++n)
        if (x[n] > critical) return true;
      return false;
    }
    case test_kind::norm: {
      double squared = 0.0;
      for (int n = 0; n < dim; ++n) squared += x[n] * x[n];
      return squared > critical;
    }
  }
  return false;
}

}  // namespace gaussian

/// The Gaussian location family N(θ, I_d) with a test supplied by a subclass: derive from
/// it and override `reject` (and `name`) to study your own test.
class gaussian_family : public model {
 public:
  /// @param dim dimension d ≥ 1 of θ and x
  explicit gaussian_family(std::size_t dim);

  std::size_t dim() const override { return dim_; }
  void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const override;
  double log_density_ratio(const double* theta_m, const double* theta_j,
                           const double* x) const override;
  void log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                          std::size_t count, double* out) const override;
  /// The cluster mean itself: the mean-value parameter of a location family.
  void proposal_from_mean(const double* sample_mean, double* theta) const override;

 protected:
  std::size_t dim_;
};

/// The Gaussian location family with one of the five shipped tests. It has a device form
/// (the kernels of `kernels/` compute the same family and test from `dim`, `kind` and
/// `critical`), so what the device sees is sealed: a subclass may rename the model or change
/// its exact rate and proposals, but not its samples, its test or its densities. To study
/// another test, derive from `gaussian_family` (no device form: it runs on the host).
class gaussian_test_model : public gaussian_family {
 public:
  /// @param dim dimension d ≥ 1
  /// @param kind which test
  /// @param critical the critical value c (on ‖x‖² for `norm`)
  gaussian_test_model(std::size_t dim, test_kind kind, double critical);

  std::string name() const override;
  std::size_t dim() const final { return dim_; }
  std::size_t sample_size() const final { return dim_; }
  void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const final {
    gaussian_family::simulate(theta, s, sim, x);
  }
  bool reject(const double* x) const final;
  double log_density_ratio(const double* theta_m, const double* theta_j,
                           const double* x) const final {
    return gaussian_family::log_density_ratio(theta_m, theta_j, x);
  }
  void log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                          std::size_t count, double* out) const final {
    gaussian_family::log_density_ratios(theta_m, theta_j, xs, count, out);
  }
  /// Exact rate: normal tails, or the noncentral χ² tail for `norm`.
  std::optional<double> exact_rate(const double* theta) const override;
  std::uint64_t count_rejections(const double* theta, random_stream s, std::uint64_t sim_begin,
                                 std::uint64_t sim_end) const final;
  /// True: the CUDA backend's kernels run this model (kernels/cuda_backend.cu, importance.cu).
  bool has_device_form() const final { return true; }

  test_kind kind() const { return kind_; }
  double critical() const { return critical_; }

 private:
  test_kind kind_;
  double critical_;
};

}  // namespace ismc

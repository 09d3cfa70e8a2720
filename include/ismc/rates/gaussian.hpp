#pragma once
/// @file gaussian.hpp
/// @brief The Gaussian location family X ~ N(θ, I_d) and its five tests with exact rates.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ismc/core/config.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/normals.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"

namespace ismc {

/// The shipped tests: the five of the Gaussian location family (the spec's table), and
/// the t-test of `normal_unknown_variance` (rates/t_test.hpp) and the count test of
/// `binomial` (rates/binomial.hpp).
enum class test_kind {
  one_sided,   ///< reject when x_0 > c
  two_sided,   ///< reject when |x_0| > c
  sum,         ///< reject when Σ x_i / √d > c
  max,         ///< reject when max_i x_i > c (Bonferroni)
  norm,        ///< reject when ‖x‖² > c
  t,           ///< the one-sample t-test (family normal_unknown_variance): reject when t > c
  count,       ///< binomial arms: reject when y_0 > c (family binomial)
  difference,  ///< binomial arms: the largest pooled z of arm i against arm 0 > c
  posterior,   ///< binomial arms: the largest P(p_i > p_0 | y) > c, c in (0, 1)
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

/// Samples sim_begin … sim_begin + count − 1 of stream `s` at `theta`, row-major: the same
/// bits as `simulate` one at a time, the normals drawn in vector batches (host only).
inline void simulate_batch(const double* theta, int dim, random_stream s, std::uint64_t sim_begin,
                           std::size_t count, double* xs) {
  standard_normals_batch(s, sim_begin, count, dim, xs);
  if (dim == 1) {  // the same sums, as a loop the compiler vectorizes
    const double theta_0 = theta[0];
    for (std::size_t i = 0; i < count; ++i) xs[i] += theta_0;
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    double* x = xs + i * static_cast<std::size_t>(dim);
    for (int n = 0; n < dim; ++n) x[n] += theta[n];
  }
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

/// `log_density_ratio` at `count` samples stored row-major in `xs` (host): the same bits
/// per sample, with θ_m − θ_j and (θ_m + θ_j)/2 formed once, and d = 1 as a loop the
/// compiler vectorizes.
inline void log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                               std::size_t count, int dim, double* out) {
  double step[max_dim], middle[max_dim];
  for (int n = 0; n < dim; ++n) {
    step[n] = theta_m[n] - theta_j[n];
    middle[n] = 0.5 * (theta_m[n] + theta_j[n]);
  }
  if (dim == 1) {
    const double step_0 = step[0], middle_0 = middle[0];
    for (std::size_t r = 0; r < count; ++r) {
      double result = 0.0;
      result += step_0 * (xs[r] - middle_0);
      out[r] = result;
    }
    return;
  }
  for (std::size_t r = 0; r < count; ++r) {
    const double* x = xs + r * static_cast<std::size_t>(dim);
    double result = 0.0;
    for (int n = 0; n < dim; ++n) result += step[n] * (x[n] - middle[n]);
    out[r] = result;
  }
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
    case test_kind::t:  // not Gaussian tests: make_gaussian_location_test refuses them
    case test_kind::count:
    case test_kind::difference:
    case test_kind::posterior:
      return false;
  }
  return false;
}

/// `rejects` at `count` samples stored row-major in `xs` (host): rejected[r] = 1 or 0, the
/// same decisions, with the one- and two-sided tests as loops the compiler vectorizes.
inline void rejects_batch(test_kind kind, double critical, const double* xs, std::size_t count,
                          int dim, std::uint8_t* rejected) {
  const auto stride = static_cast<std::size_t>(dim);
  if (kind == test_kind::one_sided) {
    for (std::size_t r = 0; r < count; ++r) rejected[r] = xs[r * stride] > critical ? 1 : 0;
  } else if (kind == test_kind::two_sided) {
    for (std::size_t r = 0; r < count; ++r)
      rejected[r] = std::fabs(xs[r * stride]) > critical ? 1 : 0;
  } else {
    for (std::size_t r = 0; r < count; ++r)
      rejected[r] = rejects(kind, critical, xs + r * stride, dim) ? 1 : 0;
  }
}

/// The statistic s(x) of test `kind` on sample `x`: x_0, |x_0|, Σ x_i / √d, max_i x_i or
/// ‖x‖². `rejects` decides exactly s(x) > critical.
ISMC_HD inline double statistic(test_kind kind, const double* x, int dim) {
  switch (kind) {
    case test_kind::one_sided:
      return x[0];
    case test_kind::two_sided:
      return fabs(x[0]);
    case test_kind::sum: {
      double total = 0.0;
      for (int n = 0; n < dim; ++n) total += x[n];
      return total / sqrt(static_cast<double>(dim));
    }
    case test_kind::max: {
      double largest = x[0];
      for (int n = 1; n < dim; ++n) largest = x[n] > largest ? x[n] : largest;
      return largest;
    }
    case test_kind::norm: {
      double squared = 0.0;
      for (int n = 0; n < dim; ++n) squared += x[n] * x[n];
      return squared;
    }
    case test_kind::t:  // not Gaussian tests: make_gaussian_location_test refuses them
    case test_kind::count:
    case test_kind::difference:
    case test_kind::posterior:
      return 0.0;
  }
  return 0.0;
}

}  // namespace gaussian

/// The Gaussian location family N(θ, I_d) with one of the five shipped tests, as a family
/// (rates/family.hpp). User and natural coordinates coincide (η = θ), T(x) = x,
/// A(η) = ‖η‖²/2, one observation per coordinate, and the proposal map is the identity.
/// `Dim` > 0 fixes the dimension at compile time (the kernels' register-resident form);
/// `Dim` = 0 reads `dim` at run time (up to gaussian::max_dim): the family the study builds.
template <int Dim>
struct basic_gaussian_location_test {
  int dim = 1;                            ///< d, in [1, gaussian::max_dim]; Dim when Dim > 0
  test_kind kind = test_kind::one_sided;  ///< which test
  double critical = 1.96;                 ///< c (on ‖x‖² for `norm`)

  /// The bound on d, θ, x, η and T(x).
  static constexpr int max_parameter_size = Dim > 0 ? Dim : gaussian::max_dim;
  /// The bound on the sample's length.
  static constexpr int max_sample_size = max_parameter_size;
  /// The bound on η's length.
  static constexpr int max_natural_size = max_parameter_size;

  /// d.
  ISMC_HD int parameter_size() const { return Dim > 0 ? Dim : dim; }
  /// d: x itself.
  ISMC_HD int sample_size() const { return parameter_size(); }
  /// d.
  ISMC_HD int natural_size() const { return parameter_size(); }
  /// η = θ.
  ISMC_HD void natural_from_user(const double* theta, double* eta) const {
    for (int n = 0; n < parameter_size(); ++n) eta[n] = theta[n];
  }
  /// θ = η.
  ISMC_HD void user_from_natural(const double* eta, double* theta) const {
    for (int n = 0; n < parameter_size(); ++n) theta[n] = eta[n];
  }
  /// x = θ + z: the normals of simulation `sim`, Philox blocks 0 … ⌈d/2⌉ − 1
  /// (`standard_normals`, core/rng.hpp).
  ISMC_HD void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const {
    gaussian::simulate(theta, parameter_size(), s, sim, x);
  }
  /// `simulate` for sim_begin … sim_begin + count − 1, vectorized (host only; the same bits).
  void simulate_batch(const double* theta, random_stream s, std::uint64_t sim_begin,
                      std::size_t count, double* xs) const {
    gaussian::simulate_batch(theta, parameter_size(), s, sim_begin, count, xs);
  }
  /// T(x) = x.
  ISMC_HD void sufficient_statistic(const double* x, double* t) const {
    for (int n = 0; n < parameter_size(); ++n) t[n] = x[n];
  }
  /// A(η) = ‖η‖²/2.
  ISMC_HD double log_partition(const double* eta) const {
    double squared = 0.0;
    for (int n = 0; n < parameter_size(); ++n) squared += eta[n] * eta[n];
    return 0.5 * squared;
  }
  /// The override of the default ratio, kept from before the concept (the outputs stay
  /// byte-identical): (θ_m − θ_j)·(x − (θ_m + θ_j)/2).
  ISMC_HD double log_density_ratio(const double* theta_m, const double* theta_j,
                                   const double* x) const {
    return gaussian::log_density_ratio(theta_m, theta_j, x, parameter_size());
  }
  /// `rejects` at `count` samples (host only; the same decisions).
  void rejects_batch(const double* xs, std::size_t count, std::uint8_t* rejected) const {
    gaussian::rejects_batch(kind, critical, xs, count, parameter_size(), rejected);
  }
  /// `log_density_ratio` at `count` samples (host only; the same bits, vectorized for d = 1).
  void log_density_ratios_batch(const double* theta_m, const double* theta_j, const double* xs,
                                std::size_t count, double* out) const {
    gaussian::log_density_ratios(theta_m, theta_j, xs, count, parameter_size(), out);
  }
  /// s(x) (gaussian::statistic).
  ISMC_HD double statistic(const double* x) const {
    return gaussian::statistic(kind, x, parameter_size());
  }
  /// s(x) > critical, written per test so that no statistic is formed when not needed.
  ISMC_HD bool rejects(const double* x) const {
    return gaussian::rejects(kind, critical, x, parameter_size());
  }
  /// One observation per coordinate.
  ISMC_HD void observation_counts(double* n) const {
    for (int c = 0; c < parameter_size(); ++c) n[c] = 1.0;
  }
  /// `gaussian/<kind>`.
  std::string name() const { return "gaussian/" + to_string(kind); }
  /// Normal tails, or the noncentral χ² tail for `norm` (host only).
  std::optional<double> exact_rate(const double* theta) const;
  /// The mean itself: the mean-value parameter of a location family.
  void user_from_mean(const double* mean, double* theta) const {
    for (int n = 0; n < parameter_size(); ++n) theta[n] = mean[n];
  }
};

/// The Gaussian family a study builds: the dimension read at run time.
using gaussian_location_test = basic_gaussian_location_test<0>;

/// The exact rate of the run-time family (defined in src/rates/gaussian.cpp).
template <>
std::optional<double> gaussian_location_test::exact_rate(const double* theta) const;

/// The CUDA kernels are compiled for the Gaussian tests.
template <>
struct compiled_for_device<gaussian_location_test> : std::true_type {};

/// The family `(dim, kind, critical)` after checking it: dim in [1, gaussian::max_dim], one
/// of the five Gaussian tests and a finite critical value, else `usage_error` naming the
/// field.
gaussian_location_test make_gaussian_location_test(std::size_t dim, test_kind kind,
                                                   double critical);

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

/// The Gaussian location family with one of the five shipped tests: the family
/// `gaussian_location_test` as a model. It has a device form (the kernels of `kernels/`
/// are compiled for that family), so what the device sees is sealed (`family_model`): a
/// subclass may rename the model or change its exact rate and proposals, but not its
/// samples, its test or its densities. To study another test, derive from
/// `gaussian_family` (no device form: it runs on the host).
class gaussian_test_model : public family_model<gaussian_location_test> {
 public:
  /// @param dim dimension d ≥ 1
  /// @param kind which test
  /// @param critical the critical value c (on ‖x‖² for `norm`)
  gaussian_test_model(std::size_t dim, test_kind kind, double critical);

  /// Which test.
  test_kind kind() const { return family().kind; }
  /// The critical value c.
  double critical() const { return family().critical; }
};

}  // namespace ismc

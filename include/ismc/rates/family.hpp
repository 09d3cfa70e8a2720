#pragma once
/// @file family.hpp
/// @brief A model as an exponential family with a test statistic, written once as a struct
/// of `ISMC_HD` members that the CPU loops and the CUDA kernels both call.
///
/// A *family* is a small, trivially copyable struct (its fields are the test's settings:
/// dimensions, critical value, table pointers) with these members, every per-sample one
/// `ISMC_HD` so that kernels templated on the family type call them:
///
///     static constexpr int max_parameter_size;   // bounds for per-sample arrays
///     static constexpr int max_sample_size;
///     static constexpr int max_natural_size;
///     ISMC_HD int parameter_size() const;        // length of θ (user coordinates)
///     ISMC_HD int sample_size() const;           // length of a simulated sample x
///     ISMC_HD int natural_size() const;          // length of η and of T(x)
///     ISMC_HD void natural_from_user(const double* theta, double* eta) const;   // θ → η
///     ISMC_HD void user_from_natural(const double* eta, double* theta) const;   // η → θ
///     ISMC_HD void simulate(const double* theta, random_stream s, std::uint64_t sim,
///                           double* x) const;     // a pure function of its arguments
///     ISMC_HD void sufficient_statistic(const double* x, double* t) const;      // T(x)
///     ISMC_HD double log_partition(const double* eta) const;                    // A(η)
///     ISMC_HD double log_density_ratio(const double* theta_m, const double* theta_j,
///                                      const double* x) const;
///                  // log p_m(x) − log p_j(x); exponential_family_log_density_ratio
///                  // (below) is the default a family calls unless it has a more accurate form
///     ISMC_HD double statistic(const double* x) const;   // s(x)
///     ISMC_HD bool rejects(const double* x) const;       // exactly s(x) > critical
///     ISMC_HD void observation_counts(double* n) const;        // n per coordinate of T
///     std::string name() const;                          // host only, e.g. gaussian/one_sided
///     std::optional<double> exact_rate(const double* theta) const;  // host only; nullopt if none
///     void user_from_mean(const double* mean, double* theta) const;
///                  // host only: the proposal map, a k-means centre of T(x)/n (the mean
///                  // parameters per observation) → the θ whose distribution has that
///                  // mean (the maximum-likelihood tilt)
///
/// Optionally, host only, a vectorized form of `simulate` for consecutive simulations, the
/// same bits as `simulate` one at a time (`has_simulate_batch` detects it; `family_model`
/// then simulates in blocks through it):
///
///     void simulate_batch(const double* theta, random_stream s, std::uint64_t sim_begin,
///                         std::size_t count, double* xs) const;   // xs row-major
///
/// `simulate` states in its comment which Philox blocks of simulation `sim` it reads
/// (core/rng.hpp): a rejection sampler's attempt t reads a stated block, and two arms or
/// coordinates never share one. The pilot's k-means runs on the points T(x)/n
/// (`natural_size()` values each, `family_cluster_point`), so arms or moments with
/// different n are on one scale.
///
/// `family_model<Family>` makes a family a `model` for the host loops (plain.cpp,
/// importance.cpp, the CPU backend). The CUDA kernels are templates on the family type,
/// instantiated for the families that `compiled_for_device` marks: a `family_model` of such
/// a family has a device form (`model::has_device_form()`), and the CUDA backend finds its
/// family by type, never by name.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/rates/model.hpp"

namespace ismc {

/// True for a family whose kernels the CUDA backend was compiled with (the shipped
/// families specialise it next to their definitions); false by default, and then a
/// `family_model` of it runs on the host under any backend.
template <class Family>
struct compiled_for_device : std::false_type {};

/// True when `Family` has the host batch `simulate_batch` (see the file's comment).
template <class Family, class = void>
struct has_simulate_batch : std::false_type {};
template <class Family>
struct has_simulate_batch<Family, std::void_t<decltype(std::declval<const Family&>().simulate_batch(
                                      std::declval<const double*>(), std::declval<random_stream>(),
                                      std::declval<std::uint64_t>(), std::declval<std::size_t>(),
                                      std::declval<double*>()))>> : std::true_type {};

/// True when `Family` has the host batch `log_density_ratios_batch(theta_m, theta_j, xs,
/// count, out)`: `log_density_ratio` at `count` row-major samples, the same bits.
template <class Family, class = void>
struct has_log_density_ratios_batch : std::false_type {};
template <class Family>
struct has_log_density_ratios_batch<
    Family,
    std::void_t<decltype(std::declval<const Family&>().log_density_ratios_batch(
        std::declval<const double*>(), std::declval<const double*>(), std::declval<const double*>(),
        std::declval<std::size_t>(), std::declval<double*>()))>> : std::true_type {};

/// True when `Family` has the host batch `rejects_batch(xs, count, rejected)`: `rejects` at
/// `count` row-major samples, 1 or 0 each.
template <class Family, class = void>
struct has_rejects_batch : std::false_type {};
template <class Family>
struct has_rejects_batch<Family, std::void_t<decltype(std::declval<const Family&>().rejects_batch(
                                     std::declval<const double*>(), std::declval<std::size_t>(),
                                     std::declval<std::uint8_t*>()))>> : std::true_type {};

/// The exponential-family log-density ratio, the concept's default:
/// log p_m(x) − log p_j(x) = (η_m − η_j)·T(x) − (A(η_m) − A(η_j)), with η = η(θ).
template <class Family>
ISMC_HD inline double exponential_family_log_density_ratio(const Family& family,
                                                           const double* theta_m,
                                                           const double* theta_j, const double* x) {
  double eta_m[Family::max_natural_size];
  double eta_j[Family::max_natural_size];
  double t[Family::max_natural_size];
  family.natural_from_user(theta_m, eta_m);
  family.natural_from_user(theta_j, eta_j);
  family.sufficient_statistic(x, t);
  double result = 0.0;
  const int size = family.natural_size();
  for (int n = 0; n < size; ++n) result += (eta_m[n] - eta_j[n]) * t[n];
  return result - (family.log_partition(eta_m) - family.log_partition(eta_j));
}

/// The point k-means clusters for sample `x`: T(x)/n per coordinate (`natural_size()`
/// values), the mean parameters per observation.
template <class Family>
ISMC_HD inline void family_cluster_point(const Family& family, const double* x, double* point) {
  double n[Family::max_natural_size];
  family.sufficient_statistic(x, point);
  family.observation_counts(n);
  const int size = family.natural_size();
  for (int c = 0; c < size; ++c) point[c] /= n[c];
}

/// A family as a `model`, for the host loops. What the device computes (the samples, the
/// decision, the densities, the cluster points) is sealed (`final`), so a subclass may
/// rename the model or change its exact rate and proposal map but never make host and
/// device disagree.
template <class Family>
class family_model : public model {
 public:
  /// @param family the family and its test, already validated by its maker
  explicit family_model(const Family& family) : family_(family) {}

  /// A family with device stages compiled for it outside the library (`family_cuda_backend`
  /// of ismc/kernels/family_kernels.cuh, instantiated in the program's own `.cu` file): the
  /// model then has a device form, run by `device_stages`. Null means none (as above).
  /// @param family the family and its test, already validated by its maker
  /// @param device_stages the family's device stages, or null
  family_model(const Family& family, std::shared_ptr<backend> device_stages)
      : family_(family), device_stages_(std::move(device_stages)) {}

  /// The family this model evaluates.
  const Family& family() const { return family_; }

  std::size_t dim() const final { return static_cast<std::size_t>(family_.parameter_size()); }
  std::size_t sample_size() const final { return static_cast<std::size_t>(family_.sample_size()); }
  std::string name() const override { return family_.name(); }
  void simulate(const double* theta, random_stream s, std::uint64_t sim, double* x) const final {
    family_.simulate(theta, s, sim, x);
  }
  /// Through the family's `simulate_batch` when it has one, else one sample at a time.
  void simulate_many(const double* theta, random_stream s, std::uint64_t sim_begin,
                     std::size_t count, double* xs) const final {
    if constexpr (has_simulate_batch<Family>::value) {
      family_.simulate_batch(theta, s, sim_begin, count, xs);
    } else {
      model::simulate_many(theta, s, sim_begin, count, xs);
    }
  }
  bool reject(const double* x) const final { return family_.rejects(x); }
  double log_density_ratio(const double* theta_m, const double* theta_j,
                           const double* x) const final {
    return family_.log_density_ratio(theta_m, theta_j, x);
  }
  void log_density_ratios(const double* theta_m, const double* theta_j, const double* xs,
                          std::size_t count, double* out) const final {
    if constexpr (has_log_density_ratios_batch<Family>::value) {
      family_.log_density_ratios_batch(theta_m, theta_j, xs, count, out);
    } else {
      const std::size_t stride = sample_size();
      for (std::size_t r = 0; r < count; ++r)
        out[r] = family_.log_density_ratio(theta_m, theta_j, xs + r * stride);
    }
  }
  void reject_many(const double* xs, std::size_t count, std::uint8_t* rejected) const final {
    if constexpr (has_rejects_batch<Family>::value) {
      family_.rejects_batch(xs, count, rejected);
    } else {
      const std::size_t stride = sample_size();
      for (std::size_t r = 0; r < count; ++r)
        rejected[r] = family_.rejects(xs + r * stride) ? 1 : 0;
    }
  }
  std::size_t cluster_size() const final {
    return static_cast<std::size_t>(family_.natural_size());
  }
  void cluster_point(const double* x, double* point) const final {
    family_cluster_point(family_, x, point);
  }
  /// The family's proposal map: the θ whose mean parameters per observation are `mean`.
  void proposal_from_mean(const double* mean, double* theta) const override {
    family_.user_from_mean(mean, theta);
  }
  std::optional<double> exact_rate(const double* theta) const override {
    return family_.exact_rate(theta);
  }
  /// True when the CUDA kernels were compiled for `Family`: by the library
  /// (`compiled_for_device`) or by the program (`device_stages`).
  bool has_device_form() const final {
    return compiled_for_device<Family>::value || device_stages_ != nullptr;
  }
  /// The device stages compiled for `Family` by the program, or null.
  backend* device_stages() const final { return device_stages_.get(); }
  std::uint64_t count_rejections(const double* theta, random_stream s, std::uint64_t sim_begin,
                                 std::uint64_t sim_end) const final {
    std::uint64_t rejections = 0;
    if constexpr (has_simulate_batch<Family>::value) {
      // Blocks of simulations through the vectorized batch (the same samples).
      const auto stride = static_cast<std::size_t>(family_.sample_size());
      const std::size_t block = simulate_block_size(stride);
      std::vector<double> xs(block * stride);
      for (std::uint64_t first = sim_begin; first < sim_end; first += block) {
        const auto count =
            static_cast<std::size_t>(std::min<std::uint64_t>(block, sim_end - first));
        family_.simulate_batch(theta, s, first, count, xs.data());
        for (std::size_t i = 0; i < count; ++i)
          rejections += family_.rejects(xs.data() + i * stride) ? 1 : 0;
      }
    } else {
      double x[Family::max_sample_size];
      for (std::uint64_t i = sim_begin; i < sim_end; ++i) {
        family_.simulate(theta, s, i, x);
        rejections += family_.rejects(x) ? 1 : 0;
      }
    }
    return rejections;
  }

 private:
  Family family_;
  std::shared_ptr<backend> device_stages_;
};

}  // namespace ismc

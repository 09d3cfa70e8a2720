#pragma once
/// @file nuts_metric.hpp (private)
/// @brief The Euclidean metrics of NUTS (Stan's `diag_e_metric` and `dense_e_metric`):
/// the kinetic energy ½ pᵀ M⁻¹ p, the sharp momentum p♯ = M⁻¹p, momentum draws
/// p ~ N(0, M), and the inverse metric learnt from the warmup's slow windows through the
/// adaptation classes of nuts_adaptation.hpp. The per-step operations are inline: the
/// sampler calls them at every leapfrog step.

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

#include "samplers/chain_random.hpp"
#include "samplers/nuts_adaptation.hpp"

namespace ismc::nuts_detail {

/// Diagonal Euclidean metric: kinetic energy ½ pᵀ M⁻¹ p with M⁻¹ = diag(inverse_).
class diag_metric {
 public:
  using adaptation = var_adaptation;

  /// The unit metric of `dim` coordinates.
  explicit diag_metric(std::size_t dim);

  /// The kinetic energy ½ pᵀ p♯ from p and p♯ = M⁻¹p: callers have p♯ at hand, or need it.
  static double tau(const Eigen::VectorXd& p, const Eigen::VectorXd& p_sharp) {
    return 0.5 * p.dot(p_sharp);
  }
  /// p♯ = M⁻¹p, written into a buffer of the caller's so that no step allocates.
  void dtau_dp(const Eigen::VectorXd& p, Eigen::VectorXd& p_sharp) const {
    p_sharp = inverse_.cwiseProduct(p);
  }

  /// p ~ N(0, M): p_i = z_i / sqrt(M⁻¹_ii).
  void sample_p(Eigen::VectorXd& p, chain_random& random) const {
    random.normals(p.data(), static_cast<std::size_t>(p.size()));
    p = p.cwiseQuotient(sqrt_inverse_);
  }

  /// One warmup iteration at position `q`; true when a window ended and M⁻¹ changed.
  bool learn(adaptation& adapt, const Eigen::VectorXd& q);

  /// The diagonal of M⁻¹.
  std::vector<double> inverse_values() const;

 private:
  Eigen::VectorXd inverse_;
  Eigen::VectorXd sqrt_inverse_;
};

/// Dense Euclidean metric: kinetic energy ½ pᵀ M⁻¹ p with a full M⁻¹.
class dense_metric {
 public:
  using adaptation = covar_adaptation;

  /// The unit metric of `dim` coordinates.
  explicit dense_metric(std::size_t dim);

  /// The kinetic energy ½ pᵀ p♯ from p and p♯ = M⁻¹p: callers have p♯ at hand, or need it.
  static double tau(const Eigen::VectorXd& p, const Eigen::VectorXd& p_sharp) {
    return 0.5 * p.dot(p_sharp);
  }
  /// p♯ = M⁻¹p, written into a buffer of the caller's so that no step allocates.
  void dtau_dp(const Eigen::VectorXd& p, Eigen::VectorXd& p_sharp) const {
    p_sharp.noalias() = inverse_ * p;
  }

  /// p ~ N(0, M): with M⁻¹ = UᵀU, p = U⁻¹ z has covariance (UᵀU)⁻¹ = M (as Stan's
  /// dense_e_metric::sample_p).
  void sample_p(Eigen::VectorXd& p, chain_random& random) const {
    random.normals(p.data(), static_cast<std::size_t>(p.size()));
    cholesky_.matrixU().solveInPlace(p);  // `p = ….solve(p)` would go through a temporary
  }

  /// One warmup iteration at position `q`; true when a window ended and M⁻¹ changed.
  /// Throws `runtime_failure` when the new M⁻¹ is not positive definite.
  bool learn(adaptation& adapt, const Eigen::VectorXd& q);

  /// M⁻¹, row-major.
  std::vector<double> inverse_values() const;

 private:
  Eigen::MatrixXd inverse_;
  Eigen::LLT<Eigen::MatrixXd> cholesky_;
};

}  // namespace ismc::nuts_detail

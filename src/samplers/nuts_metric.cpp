#include "samplers/nuts_metric.hpp"

#include "ismc/core/error.hpp"

namespace ismc::nuts_detail {

using Eigen::MatrixXd;
using Eigen::VectorXd;

diag_metric::diag_metric(std::size_t dim)
    : inverse_(VectorXd::Ones(static_cast<Eigen::Index>(dim))), sqrt_inverse_(inverse_) {}

bool diag_metric::learn(adaptation& adapt, const VectorXd& q) {
  if (!adapt.learn_variance(inverse_, q)) return false;
  sqrt_inverse_ = inverse_.cwiseSqrt();
  return true;
}

std::vector<double> diag_metric::inverse_values() const {
  return std::vector<double>(inverse_.data(), inverse_.data() + inverse_.size());
}

dense_metric::dense_metric(std::size_t dim)
    : inverse_(MatrixXd::Identity(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(dim))),
      cholesky_(inverse_) {}

bool dense_metric::learn(adaptation& adapt, const VectorXd& q) {
  if (!adapt.learn_covariance(inverse_, q)) return false;
  cholesky_.compute(inverse_);
  if (cholesky_.info() != Eigen::Success) {
    throw runtime_failure("NUTS: the adapted dense inverse metric is not positive definite");
  }
  return true;
}

std::vector<double> dense_metric::inverse_values() const {
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(inverse_.size()));
  for (Eigen::Index r = 0; r < inverse_.rows(); ++r) {
    for (Eigen::Index c = 0; c < inverse_.cols(); ++c) values.push_back(inverse_(r, c));
  }
  return values;
}

}  // namespace ismc::nuts_detail

#include "ismc/rates/gaussian.hpp"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {

namespace {
using gaussian::max_dim;

// Upper tail 1 − Φ(x), accurate far into the tail.
double normal_upper_tail(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }
}  // namespace

std::string to_string(test_kind kind) {
  switch (kind) {
    case test_kind::one_sided:
      return "one_sided";
    case test_kind::two_sided:
      return "two_sided";
    case test_kind::sum:
      return "sum";
    case test_kind::max:
      return "max";
    case test_kind::norm:
      return "norm";
    case test_kind::t:
      return "t";
    case test_kind::count:
      return "count";
    case test_kind::difference:
      return "difference";
    case test_kind::posterior:
      return "posterior";
  }
  return "unknown";
}

std::optional<test_kind> parse_test_kind(const std::string& name) {
  for (test_kind kind :
       {test_kind::one_sided, test_kind::two_sided, test_kind::sum, test_kind::max, test_kind::norm,
        test_kind::t, test_kind::count, test_kind::difference, test_kind::posterior}) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

gaussian_family::gaussian_family(std::size_t dim) : dim_(dim) {
  if (dim < 1 || dim > max_dim) {
    throw usage_error(bad_value("gaussian family: dim", dim,
                                "an integer in [1, " + std::to_string(max_dim) + "]"));
  }
}

void gaussian_family::simulate(const double* theta, random_stream s, std::uint64_t sim,
                               double* x) const {
  gaussian::simulate(theta, static_cast<int>(dim_), s, sim, x);
}

double gaussian_family::log_density_ratio(const double* theta_m, const double* theta_j,
                                          const double* x) const {
  return gaussian::log_density_ratio(theta_m, theta_j, x, static_cast<int>(dim_));
}

void gaussian_family::log_density_ratios(const double* theta_m, const double* theta_j,
                                         const double* xs, std::size_t count, double* out) const {
  const int dim = static_cast<int>(dim_);
  for (std::size_t r = 0; r < count; ++r) {
    out[r] = gaussian::log_density_ratio(theta_m, theta_j, xs + r * dim_, dim);
  }
}

void gaussian_family::proposal_from_mean(const double* sample_mean, double* theta) const {
  for (std::size_t n = 0; n < dim_; ++n) theta[n] = sample_mean[n];
}

gaussian_location_test make_gaussian_location_test(std::size_t dim, test_kind kind,
                                                   double critical) {
  if (dim < 1 || dim > max_dim) {
    throw usage_error(bad_value("gaussian family: dim", dim,
                                "an integer in [1, " + std::to_string(max_dim) + "]"));
  }
  if (kind == test_kind::t || kind == test_kind::count || kind == test_kind::difference ||
      kind == test_kind::posterior) {
    throw usage_error(bad_value("gaussian test: kind", to_string(kind),
                                "one_sided, two_sided, sum, max or norm"));
  }
  if (!std::isfinite(critical)) {
    throw usage_error(bad_value("gaussian test: critical", critical, "a finite value"));
  }
  gaussian_location_test family;
  family.dim = static_cast<int>(dim);
  family.kind = kind;
  family.critical = critical;
  return family;
}

gaussian_test_model::gaussian_test_model(std::size_t dim, test_kind kind, double critical)
    : family_model(make_gaussian_location_test(dim, kind, critical)) {}

template <>
std::optional<double> gaussian_location_test::exact_rate(const double* theta) const {
  const std::size_t dim_ = static_cast<std::size_t>(dim);
  const double c = critical;
  switch (kind) {
    case test_kind::one_sided:
      return normal_upper_tail(c - theta[0]);
    case test_kind::two_sided:
      return normal_upper_tail(c + theta[0]) + normal_upper_tail(c - theta[0]);
    case test_kind::sum: {
      double total = 0.0;
      for (std::size_t n = 0; n < dim_; ++n) total += theta[n];
      return normal_upper_tail(c - total / std::sqrt(static_cast<double>(dim_)));
    }
    case test_kind::max: {
      // 1 − Π Φ(c − θ_i), computed as −expm1(Σ log Φ(c − θ_i)) to keep small rates exact.
      double log_accept = 0.0;
      for (std::size_t n = 0; n < dim_; ++n)
        log_accept += std::log1p(-normal_upper_tail(c - theta[n]));
      return -std::expm1(log_accept);
    }
    case test_kind::norm: {
      if (c <= 0.0) return 1.0;
      double noncentrality = 0.0;
      for (std::size_t n = 0; n < dim_; ++n) noncentrality += theta[n] * theta[n];
      const double dof = static_cast<double>(dim_);
      if (noncentrality == 0.0) {
        boost::math::chi_squared_distribution<double> central(dof);
        return boost::math::cdf(boost::math::complement(central, c));
      }
      boost::math::non_central_chi_squared_distribution<double> chi2(dof, noncentrality);
      return boost::math::cdf(boost::math::complement(chi2, c));
    }
    case test_kind::t:
    case test_kind::count:
    case test_kind::difference:
    case test_kind::posterior:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace ismc

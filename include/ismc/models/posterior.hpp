#pragma once
/// @file posterior.hpp
/// @brief A Bayesian model for the samplers: a log density and its gradient on the
/// unconstrained scale, and the constrained values written for each draw (as Stan does).

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ismc {

struct data_value;
/// A data set in Stan's JSON format: variable name → value.
using stan_data = std::map<std::string, data_value>;

/// A posterior density over an unconstrained parameter vector q ∈ R^dim. Implementations
/// must be safe to call concurrently from several threads (chains) on const objects.
class posterior_model {
 public:
  virtual ~posterior_model() = default;

  /// The model's name, e.g. `eight_schools_noncentered`.
  virtual std::string name() const = 0;

  /// Number of unconstrained parameters.
  virtual std::size_t dim() const = 0;

  /// log p(q | data) on the unconstrained scale, Jacobians of the constraining transforms
  /// included, up to an additive constant (documented per model). When `gradient` is not
  /// null, writes ∂ log p / ∂q there (`dim()` values). Returns −∞ (or NaN) where the density
  /// is zero or undefined; never throws for finite q.
  virtual double log_density(const double* q, double* gradient) const = 0;

  /// Names of the values written per draw, as Stan names them: parameters then transformed
  /// parameters, 1-based indices after a dot (`mu`, `tau`, `theta.1`, …).
  virtual std::vector<std::string> output_names() const = 0;

  /// The constrained values of `output_names()` at q.
  virtual void write_outputs(const double* q, double* out) const = 0;

  /// Reads initial values of the parameters (constrained, by Stan name, as in a Stan init
  /// file) into the unconstrained vector q. The default refuses: not every model takes
  /// init files. Throws `input_error` (file "", the field named) for a missing or invalid
  /// value.
  virtual void unconstrain(const stan_data& values, double* q) const;
};

/// One variable of Stan's JSON data format: a scalar or an array (flattened, row-major),
/// with its dimensions, and whether every value was written as an integer.
struct data_value {
  std::vector<double> values;
  std::vector<std::size_t> dims;  ///< empty for a scalar
  bool integer = false;
};

/// Names of the models `make_posterior` knows.
std::vector<std::string> posterior_model_names();

/// Builds the named model on `data`. Throws `usage_error` for an unknown model and
/// `input_error` (file "", the field named) for data that is missing a field, has the
/// wrong length or type, or holds an invalid value (e.g. a non-positive σ).
std::unique_ptr<posterior_model> make_posterior(const std::string& name, const stan_data& data);

}  // namespace ismc

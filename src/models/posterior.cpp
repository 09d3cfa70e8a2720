#include "ismc/models/posterior.hpp"

#include <memory>
#include <string>
#include <vector>

#include "ismc/models/eight_schools.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "models/stan_data_readers.hpp"
#include "ismc/core/error.hpp"

namespace ismc {

void posterior_model::unconstrain(const stan_data& /*values*/, double* /*q*/) const {
  throw usage_error("model '" + name() +
                    "' does not take initial values from a file; give an init radius instead");
}

namespace {

using model_factory = std::unique_ptr<posterior_model> (*)(const stan_data&);

// The partial-pooling model of seed 000 on data {"N": n, "x": [...], "alpha": a}.
std::unique_ptr<posterior_model> make_partial_pooling_from_data(const stan_data& data) {
  const std::size_t n = detail::read_positive_int(data, "N");
  std::vector<double> x = detail::read_real_array(data, "x", n, "N = " + std::to_string(n));
  const double alpha = detail::read_real_scalar(data, "alpha");
  if (!(alpha > 0.0)) {
    throw input_error("", 0, "alpha", got_expected(alpha, "a real > 0"));
  }
  return make_partial_pooling(std::move(x), alpha);
}

struct registered_model {
  const char* name;
  model_factory make;  ///< validates the data: throws input_error naming the field
};

// The models `make_posterior` knows, in the order `posterior_model_names` lists them.
constexpr registered_model registry[] = {
    {"eight_schools_centered", make_eight_schools_centered},
    {"eight_schools_noncentered", make_eight_schools_noncentered},
    {"partial_pooling", make_partial_pooling_from_data},
};

}  // namespace

std::vector<std::string> posterior_model_names() {
  std::vector<std::string> names;
  for (const registered_model& model : registry) names.emplace_back(model.name);
  return names;
}

std::unique_ptr<posterior_model> make_posterior(const std::string& name, const stan_data& data) {
  for (const registered_model& model : registry) {
    if (name == model.name) return model.make(data);
  }
  std::string known;
  for (const registered_model& model : registry) {
    known += known.empty() ? "" : ", ";
    known += model.name;
  }
  throw usage_error("unknown model '" + name + "'; known models: " + known);
}

}  // namespace ismc

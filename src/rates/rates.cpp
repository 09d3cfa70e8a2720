#include "ismc/rates/rates.hpp"

#include "ismc/core/error.hpp"

namespace ismc {

rates_result run_rates(const model& model, const rates_study& study, backend& backend,
                       const run_hooks& hooks) {
  const std::vector<double> targets = grid_targets(study.grid, model.dim());
  switch (study.run.method) {
    case rate_method::plain:
      return estimate_plain(model, targets, study.run, study.plain, backend, hooks);
    case rate_method::importance:
      return estimate_importance(model, targets, study.run, study.importance, backend, hooks);
  }
  throw usage_error("unknown method");
}

rates_result run_rates(const rates_study& study, backend& backend, const run_hooks& hooks) {
  validate(study);
  const std::unique_ptr<model> model = make_model(study.model, study.test);
  return run_rates(*model, study, backend, hooks);
}

}  // namespace ismc

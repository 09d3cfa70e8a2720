#include "ismc/rates/rates.hpp"

#include <cassert>

#include "ismc/core/error.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/rates/validate.hpp"
#include "rates/unchecked.hpp"

namespace ismc {

rates_result run_rates(const model& model, const rates_study& study, backend& backend,
                       const run_hooks& hooks) {
  const std::vector<double> targets = grid_targets(study.grid, model.dim());
  switch (study.run.method) {
    case rate_method::plain:
      return estimate_plain(model, targets, study.run, study.plain, backend, hooks);
    case rate_method::importance:
      return estimate_importance(model, targets, study.run, study.importance, backend, hooks);
    case rate_method::validate:
      return validate_tiles(model, study, backend, hooks);
    case rate_method::calibrate:
      throw usage_error(bad_value("run.method", "calibrate",
                                  "plain, importance or validate with a program's own model "
                                  "(calibrate simulates the statistic value of the study's "
                                  "own family)"));
  }
  throw usage_error("unknown method");
}

rates_result detail::run_rates_unchecked(const model& model, const rates_study& study,
                                         backend& backend, const run_hooks& hooks) {
  const std::vector<double> targets = grid_targets(study.grid, model.dim());
  switch (study.run.method) {
    case rate_method::plain:
      return estimate_plain_unchecked(model, targets, study.run, study.plain, backend, hooks);
    case rate_method::importance:
      return estimate_importance_unchecked(model, targets, study.run, study.importance, backend,
                                           hooks);
    case rate_method::validate:
      return validate_tiles(model, study, backend, hooks);
    case rate_method::calibrate:
      return calibrate_critical(study, backend, hooks);
  }
  throw usage_error("unknown method");
}

rates_result run_rates(const rates_study& study, backend& backend, const run_hooks& hooks) {
  validate(study);
  return run_rates(validated, study, backend, hooks);
}

rates_result run_rates(validated_t, const rates_study& study, backend& backend,
                       const run_hooks& hooks) {
  assert(detail::passes([&] { validate(study); }));
  const std::unique_ptr<model> model = make_model(study.model, study.test);
  return detail::run_rates_unchecked(*model, study, backend, hooks);
}

}  // namespace ismc

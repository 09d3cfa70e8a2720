#pragma once
// The rates library's entry points without their argument checks, for the library's own
// calls with arguments it built or already validated (the public functions check once and
// call these; here the checks are debug asserts only).

#include <vector>

#include "ismc/core/progress.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/chunks.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc::detail {

/// `estimate_plain` for valid arguments.
rates_result estimate_plain_unchecked(const model& model, const std::vector<double>& targets,
                                      const run_spec& run, const plain_spec& plain,
                                      backend& backend, const run_hooks& hooks);

/// `estimate_importance` for valid arguments.
rates_result estimate_importance_unchecked(const model& model, const std::vector<double>& targets,
                                           const run_spec& run, const importance_spec& importance,
                                           backend& backend, const run_hooks& hooks);

/// `plan_importance` for valid arguments.
importance_plan plan_importance_unchecked(const model& model, const std::vector<double>& targets,
                                          const run_spec& run, const importance_spec& importance,
                                          backend& backend, const run_hooks& hooks);

/// `plan_importance_part` for valid arguments.
importance_plan plan_importance_part_unchecked(const model& model,
                                               const std::vector<double>& targets,
                                               std::size_t first, std::size_t count,
                                               const run_spec& run,
                                               const importance_spec& importance, backend& backend,
                                               pilot_exchange& exchange, const run_hooks& hooks);

/// `importance_chunk` for valid arguments.
chunk_rows importance_chunk_unchecked(const model& model, const std::vector<double>& targets,
                                      std::size_t first, std::size_t count, const run_spec& run,
                                      const importance_spec& importance,
                                      const importance_plan& plan, backend& backend,
                                      const run_hooks& hooks);

/// `estimate_mixture` for a problem that passes `validate(problem, model.dim())`.
mixture_estimate estimate_mixture_unchecked(const model& model, const mixture_problem& problem,
                                            backend& backend, const run_hooks& hooks);

/// `run_rates(model, study, ...)` for a study whose run, plain and importance sections passed
/// `validate`.
rates_result run_rates_unchecked(const model& model, const rates_study& study, backend& backend,
                                 const run_hooks& hooks);

}  // namespace ismc::detail

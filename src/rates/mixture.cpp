#include "ismc/rates/mixture.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "ismc/core/error.hpp"
#include "rates/mixture_reference.hpp"
#include "rates/unchecked.hpp"

namespace ismc {

mixture_weights mixture_weights::from_dense(const std::vector<double>& dense, std::size_t n_targets,
                                            std::size_t n_proposals) {
  if (dense.size() != n_targets * n_proposals) {
    throw usage_error(bad_value("dense weights", std::to_string(dense.size()) + " values",
                                std::to_string(n_targets) + " x " + std::to_string(n_proposals)));
  }
  mixture_weights weights;
  for (std::size_t j = 0; j < n_targets; ++j) {
    for (std::size_t k = 0; k < n_proposals; ++k) {
      const double w = dense[j * n_proposals + k];
      if (w > 0.0) {
        weights.proposal.push_back(static_cast<std::uint32_t>(k));
        weights.weight.push_back(w);
      }
    }
    weights.offsets.push_back(weights.proposal.size());
  }
  return weights;
}

void validate(const mixture_problem& problem, std::size_t dim) {
  if (problem.weights == nullptr || problem.targets == nullptr || problem.proposals == nullptr) {
    throw usage_error(bad_value("mixture problem: targets, proposals and weights", "a null pointer",
                                "all three given"));
  }
  const mixture_weights& weights = *problem.weights;
  if (weights.offsets.size() != problem.n_targets + 1 || weights.offsets.front() != 0 ||
      weights.offsets.back() != weights.proposal.size() ||
      weights.weight.size() != weights.proposal.size()) {
    throw usage_error(bad_value("mixture problem: weights",
                                std::to_string(weights.offsets.size()) + " offsets for " +
                                    std::to_string(weights.proposal.size()) + " entries",
                                "offsets from 0 to the entries, one per target (" +
                                    std::to_string(problem.n_targets) + ") plus one"));
  }
  if (problem.sims_per_proposal < 2) {
    throw usage_error(
        bad_value("mixture problem: sims_per_proposal", problem.sims_per_proposal, "at least 2"));
  }
  for (std::size_t i = 0; i < problem.n_targets * dim; ++i) {
    if (!std::isfinite(problem.targets[i])) {
      throw usage_error(bad_value("mixture problem: targets[" + std::to_string(i) + "]",
                                  problem.targets[i], "a finite value"));
    }
  }
  for (std::size_t i = 0; i < problem.n_proposals * dim; ++i) {
    if (!std::isfinite(problem.proposals[i])) {
      throw usage_error(bad_value("mixture problem: proposals[" + std::to_string(i) + "]",
                                  problem.proposals[i], "a finite value"));
    }
  }
  if (problem.proposal_index != nullptr) {
    for (std::size_t k = 0; k < problem.n_proposals; ++k) {
      if (problem.proposal_index[k] >= streams::max_proposals) {
        throw usage_error(bad_value("mixture problem: proposal_index[" + std::to_string(k) + "]",
                                    problem.proposal_index[k],
                                    "below " + std::to_string(streams::max_proposals)));
      }
    }
  }
  for (std::size_t j = 0; j < problem.n_targets; ++j) {
    if (weights.offsets[j + 1] < weights.offsets[j]) {
      throw usage_error(bad_value(
          "mixture problem: offsets[" + std::to_string(j + 1) + "]", weights.offsets[j + 1],
          "at least offsets[" + std::to_string(j) + "] = " + std::to_string(weights.offsets[j])));
    }
    double total = 0.0;
    for (std::size_t e = weights.offsets[j]; e < weights.offsets[j + 1]; ++e) {
      if (weights.proposal[e] >= problem.n_proposals) {
        throw usage_error(bad_value(
            "mixture problem: the proposal of target " + std::to_string(j), weights.proposal[e],
            "an index below n_proposals = " + std::to_string(problem.n_proposals)));
      }
      if (!(weights.weight[e] > 0.0) || !std::isfinite(weights.weight[e])) {
        throw usage_error(bad_value("mixture problem: a weight of target " + std::to_string(j),
                                    weights.weight[e], "a finite value > 0"));
      }
      total += weights.weight[e];
    }
    if (std::fabs(total - 1.0) > 1e-9) {
      throw usage_error(
          bad_value("mixture problem: the sum of the weights of target " + std::to_string(j), total,
                    "1 (within 1e-9)"));
    }
  }
}

mixture_estimate estimate_mixture(const model& model, const mixture_problem& problem,
                                  backend& backend, const run_hooks& hooks) {
  validate(problem, model.dim());
  return detail::estimate_mixture_unchecked(model, problem, backend, hooks);
}

mixture_estimate detail::estimate_mixture_unchecked(const model& model,
                                                    const mixture_problem& problem,
                                                    backend& backend, const run_hooks& hooks) {
  assert(detail::passes([&] { validate(problem, model.dim()); }));
  const mixture_weights& weights = *problem.weights;
  mixture_estimate result;
  result.sum.assign(weights.entries(), 0.0);
  result.sum_squares.assign(weights.entries(), 0.0);
  hooks.begin("importance", weights.entries() * problem.sims_per_proposal);
  backend.mixture_accumulate(model, problem, result.sum.data(), result.sum_squares.data(), hooks);
  hooks.end();

  detail::finish_mixture_estimate(problem, result);
  return result;
}

}  // namespace ismc

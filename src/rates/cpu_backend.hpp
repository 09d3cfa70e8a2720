#pragma once
// The CPU backend: plain threaded C++, the reference the CUDA backend is tested against. Its
// mixture loop shares work between targets for speed; it is held to the plain host
// reference of the estimator (rates/mixture_reference.hpp) in tests.

#include "ismc/rates/backend.hpp"

namespace ismc::detail {

class cpu_backend final : public backend {
 public:
  std::string name() const override { return "cpu"; }
  using backend::count_rejections;
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                        bool common_random_numbers, std::uint64_t* counts,
                        const run_hooks& hooks) override;
  using backend::collect_rejections;
  using backend::count_nearest_centre;
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                          bool common_random_numbers, double keep_fraction,
                          std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) override;
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                            bool common_random_numbers, const double* centres,
                            std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) override;
  void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                          double* sum_squares, const run_hooks& hooks) override;
};

}  // namespace ismc::detail

#pragma once
// The CPU backend: plain threaded C++, the reference the CUDA backend is tested against. Its
// mixture loop shares work between targets for speed; it is held to the plain host
// reference of the estimator (rates/mixture_reference.hpp) in tests.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"

namespace ismc::detail {

class cpu_backend final : public backend {
 public:
  /// The most bytes of pilot cluster points kept for the labelling pass by default (256 MiB).
  static constexpr std::uint64_t default_pilot_points_budget = std::uint64_t{256} << 20;

  cpu_backend() = default;
  /// A backend that keeps at most `pilot_points_budget` bytes of pilot cluster points between
  /// `collect_rejections` and `count_nearest_centre` (never more than the memory limit,
  /// ismc/core/memory.hpp, allows): tests give a tiny one to reach the simulating path.
  explicit cpu_backend(std::uint64_t pilot_points_budget)
      : pilot_points_budget_(pilot_points_budget) {}

  std::string name() const override { return "cpu"; }
  using backend::count_rejections;
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                        bool common_random_numbers, std::uint64_t* counts,
                        const run_hooks& hooks) override;
  using backend::collect_rejections;
  using backend::count_nearest_centre;
  /// As `backend::collect_rejections`; also keeps every rejected sample's cluster point, per
  /// task, while they fit the budget, for a `count_nearest_centre` call with the same
  /// arguments. A call replaces (or, over budget, drops) what the previous one kept.
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                          bool common_random_numbers, double keep_fraction,
                          std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) override;
  /// As `backend::count_nearest_centre`. Labels the cluster points the last
  /// `collect_rejections` kept, without simulating, when called with the same model object,
  /// the same parameter values, `n_params`, `first_target`, `sims`, `seed` and
  /// `common_random_numbers` (the same counts: the same points in the same order); else
  /// simulates. Either way the kept points are released.
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                            bool common_random_numbers, const double* centres,
                            std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) override;
  void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                          double* sum_squares, const run_hooks& hooks) override;

  /// For tests: how many `count_nearest_centre` calls labelled kept points instead of
  /// simulating.
  std::uint64_t labellings_from_kept_points() const { return labellings_from_kept_points_; }

 private:
  // The cluster points of every rejection of the last collect_rejections call, with the
  // arguments that determine them; `valid` only once a call completed within the budget.
  struct pilot_points {
    bool valid = false;
    const model* source = nullptr;
    std::string model_name;
    std::vector<double> params;
    std::size_t n_params = 0;
    std::size_t first_target = 0;
    std::uint64_t sims = 0;
    std::uint64_t seed = 0;
    bool common_random_numbers = false;
    std::vector<std::vector<double>> by_task;  // per simulation task, in simulation order
  };

  std::uint64_t pilot_points_budget_ = default_pilot_points_budget;
  pilot_points pilot_points_;
  std::uint64_t labellings_from_kept_points_ = 0;
};

}  // namespace ismc::detail

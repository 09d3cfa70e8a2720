#pragma once
/// @file batch_router.hpp (private)
/// @brief "Small problems stay on the CPU": a batched density that sends each call to one
/// of two implementations of the same density by the call's size. `automatic` backends
/// (src/population/hyper_likelihood_backend.cpp, src/models/partial_pooling.cpp) put the CPU
/// reference and the device behind one of these.
///
/// A call of `batch` rows is `batch · work_per_row` units of work (terms of the
/// hyper-likelihood, objects of the partial-pooling gradient); below `min_large_work` it
/// goes to `small`, at or above to `large`. The choice depends on the batch size only, so
/// a run whose calls all have one size (an ensemble's halves, NUTS's one q at a time) stays
/// on one implementation throughout. It counts the calls that went each way
/// (`calls_by_side`), so a run can say where its work ran.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ismc/backend/batched_log_density.hpp"

namespace ismc::detail {

class batch_router final : public batched_log_density {
 public:
  /// `small` and `large` must be the same density (same dim and names).
  batch_router(std::unique_ptr<batched_log_density> small,
               std::unique_ptr<batched_log_density> large, double work_per_row,
               double min_large_work)
      : small_(std::move(small)),
        large_(std::move(large)),
        work_per_row_(work_per_row),
        min_large_work_(min_large_work) {}

  std::size_t dim() const override { return small_->dim(); }
  std::vector<std::string> names() const override { return small_->names(); }

  /// The implementation that a call of `batch` rows goes to.
  const batched_log_density& route(std::size_t batch) const {
    return static_cast<double>(batch) * work_per_row_ < min_large_work_ ? *small_ : *large_;
  }

  void log_density(const double* thetas, std::size_t batch, double* out,
                   const run_hooks& hooks) const override {
    counted_route(batch).log_density(thetas, batch, out, hooks);
  }

  bool has_gradient() const override { return small_->has_gradient() && large_->has_gradient(); }

  void log_density_gradient(const double* thetas, std::size_t batch, double* out, double* gradients,
                            const run_hooks& hooks) const override {
    counted_route(batch).log_density_gradient(thetas, batch, out, gradients, hooks);
  }

  /// The calls so far: `cpu` those that went to `small`, `device` those that went to `large`.
  std::optional<routed_calls> calls_by_side() const override {
    return routed_calls{small_calls_.load(), large_calls_.load()};
  }

 private:
  const batched_log_density& counted_route(std::size_t batch) const {
    const batched_log_density& target = route(batch);
    (&target == small_.get() ? small_calls_ : large_calls_).fetch_add(1, std::memory_order_relaxed);
    return target;
  }

  std::unique_ptr<batched_log_density> small_;
  std::unique_ptr<batched_log_density> large_;
  double work_per_row_;
  double min_large_work_;
  mutable std::atomic<std::uint64_t> small_calls_{0};
  mutable std::atomic<std::uint64_t> large_calls_{0};
};

}  // namespace ismc::detail

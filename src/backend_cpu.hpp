#pragma once
// The CPU backend: plain threaded C++, the reference the CUDA backend is tested against.

#include "ismc/backend.hpp"

namespace ismc::detail {

class cpu_backend final : public backend {
 public:
  std::string name() const override { return "cpu"; }
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                        std::uint64_t* counts, const run_hooks& hooks) override;
};

}  // namespace ismc::detail

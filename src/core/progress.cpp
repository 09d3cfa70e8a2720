#include "ismc/core/progress.hpp"

#include "ismc/core/error.hpp"

namespace ismc {

void run_hooks::check_interrupt() const {
  if (interrupt != nullptr && interrupt->load(std::memory_order_relaxed)) throw interrupted();
}

}  // namespace ismc

#pragma once
// Ctrl-C and SIGTERM for the commands: a flag that long computations poll (through
// run_hooks::interrupt), set by a handler that resets itself, so a second Ctrl-C kills a
// run that does not stop fast enough.

#include <atomic>
#include <memory>

namespace ismc::cli {

/// Set by SIGINT/SIGTERM while an `interrupt_guard` is alive.
extern std::atomic<bool> interrupt_requested;

/// Routes SIGINT and SIGTERM to `interrupt_requested` while alive (and clears it first).
class interrupt_guard {
 public:
  interrupt_guard();
  ~interrupt_guard();
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

 private:
  struct saved;
  std::unique_ptr<saved> saved_;
};

}  // namespace ismc::cli

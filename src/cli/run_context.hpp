#pragma once
// What every long-running command sets up around an algorithm: a progress bar on stderr
// (unless --quiet), Ctrl-C handling, and the run_hooks that carry both (and the thread
// count) to the algorithm.

#include <memory>

#include "cli/interrupt.hpp"
#include "cli/progress_bar.hpp"
#include "ismc/core/progress.hpp"

namespace ismc::cli {

class run_context {
 public:
  run_context(bool quiet, unsigned threads) {
    if (!quiet) bar_ = std::make_unique<progress_bar>(stderr);
    hooks_.progress = bar_.get();
    hooks_.interrupt = &interrupt_requested;
    hooks_.threads = threads;
  }

  /// The hooks to pass to the algorithms.
  const run_hooks& hooks() const { return hooks_; }

  /// Closes the progress bar, so that results print on a clean line, and throws
  /// `ismc::interrupted` if Ctrl-C came (then nothing may be written).
  void finish() {
    bar_.reset();
    hooks_.check_interrupt();
  }

 private:
  std::unique_ptr<progress_bar> bar_;
  interrupt_guard signals_;
  run_hooks hooks_;
};

}  // namespace ismc::cli

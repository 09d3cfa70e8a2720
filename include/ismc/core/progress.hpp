#pragma once
/// @file progress.hpp
/// @brief Callbacks through which long computations report progress and learn of
/// interruption. Algorithms do no I/O; the CLI plugs in a progress bar, tests a recorder.

#include <atomic>
#include <cstdint>
#include <string>

namespace ismc {

/// Receives progress reports. `advance` may be called from several threads at once.
class progress_sink {
 public:
  virtual ~progress_sink() = default;
  /// A stage named `stage` begins with `total` units of work (simulations).
  virtual void begin(const std::string& stage, std::uint64_t total) = 0;
  /// `done` more units of the current stage are finished. Thread-safe.
  virtual void advance(std::uint64_t done) = 0;
  /// The current stage is finished.
  virtual void end() = 0;
};

/// What a run is given besides its inputs: where to report progress and a flag that,
/// once set (say by a signal handler), makes it stop by throwing `ismc::interrupted`.
struct run_hooks {
  progress_sink* progress = nullptr;             ///< may be null: no reports
  const std::atomic<bool>* interrupt = nullptr;  ///< may be null: never interrupted
  unsigned threads = 0;                          ///< CPU threads; 0 = all hardware threads

  void begin(const std::string& stage, std::uint64_t total) const {
    if (progress != nullptr) progress->begin(stage, total);
  }
  void advance(std::uint64_t done) const {
    if (progress != nullptr) progress->advance(done);
  }
  void end() const {
    if (progress != nullptr) progress->end();
  }
  /// Throws `ismc::interrupted` when the interrupt flag is set.
  void check_interrupt() const;
};

}  // namespace ismc

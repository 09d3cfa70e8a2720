#pragma once
/// @file progress_bar.hpp
/// @brief A progress bar on stderr for long studies.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "ismc/core/progress.hpp"

namespace ismc::cli {

/// Draws `stage [#####.....]  42.0%  1.2e+07 sims/s  0:13 left` on a stream (stderr).
///
/// Quiet for the first second of a stage (short runs print nothing), then redrawn at most
/// every 0.2 s on a terminal (with `\r`), or every 10 s as full lines when the stream is
/// not a terminal (a log file). `advance` may be called from many threads at once: it
/// only adds to an atomic counter, and whichever thread gets the drawing lock without
/// waiting redraws.
class progress_bar : public progress_sink {
 public:
  /// @param out where to draw (not owned)
  /// @param terminal whether `out` is a terminal; by default, whether it is a tty
  explicit progress_bar(std::FILE* out = stderr);
  progress_bar(std::FILE* out, bool terminal);
  /// @param delay how long a stage stays silent before its bar appears
  /// @param interval the least time between two redraws
  progress_bar(std::FILE* out, bool terminal, std::chrono::nanoseconds delay,
               std::chrono::nanoseconds interval);
  ~progress_bar() override;

  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  void begin(const std::string& stage, std::uint64_t total) override;
  void advance(std::uint64_t done) override;
  void end() override;

  /// Counts `done` units of the current stage as finished before it began (the chunks a
  /// resumed study logged earlier): they fill the bar but are left out of the rate and the
  /// time left. Call after `begin`.
  void already_done(std::uint64_t done);

 private:
  using clock = std::chrono::steady_clock;

  std::int64_t now_ns() const;
  void draw(std::int64_t now, bool final);  // call with mutex_ held

  std::FILE* out_;
  bool terminal_;
  std::int64_t delay_ns_;     // nothing is drawn before this much time in a stage
  std::int64_t interval_ns_;  // at most one redraw per interval

  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> before_{0};  // of done_: finished before the stage began
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::int64_t> begin_ns_{0};
  std::atomic<std::int64_t> last_draw_ns_{0};
  std::atomic<bool> active_{false};

  std::mutex mutex_;  // guards the fields below and the drawing itself
  std::string stage_;
  bool drawn_ = false;  // whether this stage has drawn anything yet
  std::size_t last_width_ = 0;
};

}  // namespace ismc::cli

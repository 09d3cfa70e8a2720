#include "cli/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace ismc::cli {

namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;
constexpr int bar_width = 30;

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

}  // namespace

progress_bar::progress_bar(std::FILE* out) : progress_bar(out, ::isatty(::fileno(out)) != 0) {}

progress_bar::progress_bar(std::FILE* out, bool terminal)
    : progress_bar(out, terminal, std::chrono::seconds(1),
                   terminal ? std::chrono::milliseconds(200) : std::chrono::seconds(10)) {}

progress_bar::progress_bar(std::FILE* out, bool terminal, std::chrono::nanoseconds delay,
                           std::chrono::nanoseconds interval)
    : out_(out), terminal_(terminal), delay_ns_(delay.count()), interval_ns_(interval.count()) {}

progress_bar::~progress_bar() {
  // A stage cut short (an exception, an interrupt): leave the cursor on a fresh line
  // without claiming the stage finished.
  std::lock_guard<std::mutex> lock(mutex_);
  if (active_.exchange(false) && drawn_ && terminal_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

std::int64_t progress_bar::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

void progress_bar::begin(const std::string& stage, std::uint64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  stage_ = stage;
  drawn_ = false;
  last_width_ = 0;
  done_.store(0);
  before_.store(0);
  total_.store(total);
  const std::int64_t now = now_ns();
  begin_ns_.store(now);
  last_draw_ns_.store(now);
  active_.store(true);
}

void progress_bar::advance(std::uint64_t done) {
  done_.fetch_add(done, std::memory_order_relaxed);
  if (!active_.load(std::memory_order_relaxed)) return;
  const std::int64_t now = now_ns();
  if (now - begin_ns_.load(std::memory_order_relaxed) < delay_ns_) return;
  if (now - last_draw_ns_.load(std::memory_order_relaxed) < interval_ns_) return;
  // Workers never wait on the bar: whoever gets the lock draws, the others carry on.
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  if (!active_.load() || now - last_draw_ns_.load() < interval_ns_) return;
  last_draw_ns_.store(now);
  draw(now, false);
}

void progress_bar::already_done(std::uint64_t done) {
  before_.fetch_add(done);
  done_.fetch_add(done);
}

void progress_bar::end() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!active_.exchange(false)) return;
  // A stage that never showed its bar ends silently; one that did ends on a full line.
  if (drawn_) draw(now_ns(), true);
}

void progress_bar::draw(std::int64_t now, bool final) {
  const std::uint64_t total = total_.load();
  const std::uint64_t done = std::min(done_.load(), total);
  const double elapsed = static_cast<double>(now - begin_ns_.load()) / ns_per_second;
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const std::uint64_t now_done = done - std::min(before_.load(), done);  // in this run
  const double rate = elapsed > 0 ? static_cast<double>(now_done) / elapsed : 0.0;

  const int filled = static_cast<int>(fraction * bar_width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(bar_width, '.');

  char line[256];
  if (final) {
    std::snprintf(line, sizeof line, "%s [%s] %5.1f%%  %.3g sims/s  done in %s", stage_.c_str(),
                  bar.c_str(), 100.0 * fraction, rate, duration_text(elapsed).c_str());
  } else {
    const double left = rate > 0 ? static_cast<double>(total - done) / rate : -1.0;
    std::snprintf(line, sizeof line, "%s [%s] %5.1f%%  %.3g sims/s  %s left", stage_.c_str(),
                  bar.c_str(), 100.0 * fraction, rate, duration_text(left).c_str());
  }
  std::string text = line;
  if (terminal_) {
    // Overwrite the previous line in place; pad to erase a longer previous line.
    const std::size_t width = text.size();
    if (width < last_width_) text.append(last_width_ - width, ' ');
    last_width_ = width;
    std::fprintf(out_, "\r%s%s", text.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
  drawn_ = true;
}

}  // namespace ismc::cli

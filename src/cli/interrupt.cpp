#include "cli/interrupt.hpp"

#include <signal.h>

namespace ismc::cli {

std::atomic<bool> interrupt_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

namespace {
extern "C" void on_interrupt_signal(int) { interrupt_requested.store(true); }
}  // namespace

struct interrupt_guard::saved {
  struct sigaction old_int {};
  struct sigaction old_term {};
};

interrupt_guard::interrupt_guard() : saved_(std::make_unique<saved>()) {
  interrupt_requested.store(false);
  struct sigaction action {};
  action.sa_handler = on_interrupt_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, &saved_->old_int);
  sigaction(SIGTERM, &action, &saved_->old_term);
}

interrupt_guard::~interrupt_guard() {
  sigaction(SIGINT, &saved_->old_int, nullptr);
  sigaction(SIGTERM, &saved_->old_term, nullptr);
}

}  // namespace ismc::cli

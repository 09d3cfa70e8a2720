// The progress bar: silent on short stages, counts concurrent advances exactly.

#include "cli/progress_bar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace ismc::cli {
namespace {

// Everything written to a temporary FILE*.
class captured_file {
 public:
  captured_file() : file_(std::tmpfile()) {}
  ~captured_file() { std::fclose(file_); }
  std::FILE* get() const { return file_; }
  std::string text() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    for (int c; (c = std::fgetc(file_)) != EOF;) text += static_cast<char>(c);
    return text;
  }

 private:
  std::FILE* file_;
};

TEST(ProgressBar, ShortStagesPrintNothing) {
  captured_file out;
  {
    progress_bar bar(out.get(), true);  // the real timing: quiet for the first second
    bar.begin("plain", 1000);
    for (int i = 0; i < 1000; ++i) bar.advance(1);
    bar.end();
  }
  EXPECT_EQ(out.text(), "");
}

TEST(ProgressBar, DrawsStagePercentRateAndEnd) {
  captured_file out;
  progress_bar bar(out.get(), false, std::chrono::nanoseconds(0), std::chrono::nanoseconds(0));
  bar.begin("pilot", 200);
  bar.advance(50);
  const std::string first = out.text();
  EXPECT_NE(first.find("pilot ["), std::string::npos) << first;
  EXPECT_NE(first.find(" 25.0%"), std::string::npos) << first;
  EXPECT_NE(first.find("sims/s"), std::string::npos) << first;
  EXPECT_NE(first.find("left"), std::string::npos) << first;
  bar.advance(150);
  bar.end();
  const std::string all = out.text();
  const std::string last = all.substr(all.rfind("pilot ["));
  EXPECT_NE(last.find("100.0%"), std::string::npos) << all;
  EXPECT_NE(last.find("done in"), std::string::npos) << all;
  EXPECT_EQ(all.back(), '\n');
}

// A resumed study's earlier chunks fill the bar but are not this run's rate.
TEST(ProgressBar, AlreadyDoneFillsTheBarButNotTheRate) {
  captured_file out;
  progress_bar bar(out.get(), false, std::chrono::nanoseconds(0), std::chrono::nanoseconds(0));
  bar.begin("plain", 1000);
  bar.already_done(900);
  bar.advance(0);
  const std::string first = out.text();
  EXPECT_NE(first.find(" 90.0%  0 sims/s"), std::string::npos) << first;
  bar.advance(100);
  bar.end();
  const std::string all = out.text();
  EXPECT_NE(all.substr(all.rfind("plain [")).find("100.0%"), std::string::npos) << all;
}

TEST(ProgressBar, TerminalRedrawsInPlace) {
  captured_file out;
  progress_bar bar(out.get(), true, std::chrono::nanoseconds(0), std::chrono::nanoseconds(0));
  bar.begin("plain", 10);
  bar.advance(5);
  bar.advance(5);
  bar.end();
  const std::string text = out.text();
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

TEST(ProgressBar, ConcurrentAdvancesAreAllCounted) {
  captured_file out;
  progress_bar bar(out.get(), false, std::chrono::nanoseconds(0), std::chrono::nanoseconds(0));
  constexpr int threads = 4, advances = 5000;
  bar.begin("importance", std::uint64_t{threads} * advances);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < advances; ++i) bar.advance(1);
    });
  }
  for (auto& worker : workers) worker.join();
  bar.end();
  const std::string all = out.text();
  EXPECT_NE(all.substr(all.rfind("importance [")).find("100.0%"), std::string::npos) << all;
}

}  // namespace
}  // namespace ismc::cli

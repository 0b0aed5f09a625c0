// Progress of long work: a live bar on a terminal, plain log lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace faq {

// Reports `done/total items`, the rate and the ETA. On a terminal (stderr is a tty) it
// redraws one line at most ~10 times a second; otherwise it logs a line every
// `log_every_seconds` and at the end. Not thread-safe: one owner ticks it.
class Progress {
 public:
  Progress(std::string label, uint64_t total, std::string unit, double log_every_seconds = 10.0);
  ~Progress();

  void Advance(uint64_t n = 1);
  // Extra text shown after the counters (e.g. the running perplexity).
  void SetDetail(std::string detail) { detail_ = std::move(detail); }
  void Finish();
  double ElapsedSeconds() const;

 private:
  void Render(bool final_line);

  std::string label_;
  uint64_t total_;
  std::string unit_;
  double log_every_;
  uint64_t done_ = 0;
  bool tty_;
  bool finished_ = false;
  std::string detail_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_render_;
};

// "1:02:03" / "4:05" style durations.
std::string FormatDuration(double seconds);

}  // namespace faq

// Progress: terminal bar or periodic log lines.
#include "faq/util/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace faq {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::string label, uint64_t total, std::string unit, double log_every_seconds)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      log_every_(log_every_seconds),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_render_(start_) {}

Progress::~Progress() {
  if (!finished_ && tty_ && done_ > 0) std::fputc('\n', stderr);
}

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Advance(uint64_t n) {
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_render_).count();
  if ((tty_ && since >= 0.1) || (!tty_ && since >= log_every_)) {
    last_render_ = now;
    Render(false);
  }
}

void Progress::Finish() {
  if (finished_) return;
  Render(true);
  finished_ = true;
}

void Progress::Render(bool final_line) {
  double elapsed = ElapsedSeconds();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  double eta = rate > 0 && total_ >= done_ ? static_cast<double>(total_ - done_) / rate : NAN;
  std::string counts = fmt::format("{}/{} {} | {:.2f} {}/s | {} {}", done_, total_, unit_, rate, unit_,
                                   final_line ? "took" : "ETA", FormatDuration(final_line ? elapsed : eta));
  if (!detail_.empty()) counts += " | " + detail_;
  if (tty_) {
    constexpr int kWidth = 24;
    int filled = total_ > 0 ? static_cast<int>(kWidth * std::min<double>(1.0, double(done_) / total_)) : 0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %s%s", label_.c_str(), bar.c_str(), counts.c_str(),
                 final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    spdlog::info("{}: {}", label_, counts);
  }
}

}  // namespace faq

// Progress rendering: a redrawn bar on a terminal, periodic spdlog lines elsewhere.
#include "dep/core/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace dep {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::string unit, double log_interval_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      log_interval_s_(log_interval_s),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_render_(start_) {}

Progress::~Progress() {
  if (!finished_ && tty_ && done_ > 0) std::fputc('\n', stderr);
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  const double t = elapsed_seconds();
  return t > 0 ? static_cast<double>(done_ - resumed_) / t : 0.0;
}

void Progress::resume_from(int64_t done) {
  done_ = done;
  resumed_ = done;
  start_ = std::chrono::steady_clock::now();
}

void Progress::advance(int64_t n, const std::string& extra) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_render_).count();
  if ((tty_ && since >= 0.2) || (!tty_ && since >= log_interval_s_)) {
    last_render_ = now;
    render(extra, false);
  }
}

void Progress::finish(const std::string& extra) {
  if (finished_) return;
  finished_ = true;
  render(extra, true);
}

void Progress::render(const std::string& extra, bool final_line) {
  const double r = rate();
  const double eta = (total_ > 0 && r > 0) ? static_cast<double>(total_ - done_) / r : NAN;
  char counts[64];
  if (total_ > 0) {
    std::snprintf(counts, sizeof counts, "%lld/%lld", static_cast<long long>(done_), static_cast<long long>(total_));
  } else {
    std::snprintf(counts, sizeof counts, "%lld", static_cast<long long>(done_));
  }
  char stats[128];
  std::snprintf(stats, sizeof stats, "%.2f %s/s, %s %s", r, unit_.c_str(),
                final_line ? "elapsed" : "ETA", format_duration(final_line ? elapsed_seconds() : eta).c_str());
  std::string tail = extra.empty() ? "" : ", " + extra;
  if (tty_) {
    std::string bar;
    if (total_ > 0) {
      const int width = 24;
      const int filled = static_cast<int>(width * std::min<double>(1.0, static_cast<double>(done_) / total_));
      bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    std::fprintf(stderr, "\r\033[K%s %s%s %s (%s%s)", label_.c_str(), bar.c_str(), counts, unit_.c_str(), stats,
                 tail.c_str());
    if (final_line) std::fputc('\n', stderr);
    std::fflush(stderr);
  } else {
    spdlog::info("{}: {} {} ({}{})", label_, counts, unit_, stats, tail);
  }
}

}  // namespace dep

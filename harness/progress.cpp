#include "harness/progress.h"

#include <cmath>

namespace svit {
namespace {

std::string Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  }
  return buffer;
}

}  // namespace

ProgressReporter::ProgressReporter(std::string label, FILE* out, bool live, double interval_seconds)
    : label_(std::move(label)), out_(out), live_(live), interval_seconds_(interval_seconds) {}

std::string ProgressReporter::Format(const std::string& label, const ProgressCounts& c, double elapsed) {
  size_t network_done = c.done - c.cached;
  double rate = elapsed > 0 ? static_cast<double>(network_done) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(c.total - c.done) / rate : (c.done == c.total ? 0 : NAN);
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "%s: %zu/%zu done (%.1f%%), %.1f req/s, ETA %s, %zu in flight, %zu retries, "
                "%zu failed, %zu cached, %lld tokens",
                label.c_str(), c.done, c.total,
                c.total ? 100.0 * static_cast<double>(c.done) / static_cast<double>(c.total) : 100.0, rate,
                Duration(eta).c_str(), c.in_flight, c.retries, c.failed, c.cached,
                static_cast<long long>(c.tokens));
  return buffer;
}

void ProgressReporter::Update(const ProgressCounts& counts, bool force) {
  Clock::time_point now = Clock::now();
  double since_last = std::chrono::duration<double>(now - last_print_).count();
  double period = live_ ? 0.25 : interval_seconds_;
  if (!force && (period <= 0 || since_last < period)) return;
  last_print_ = now;
  std::string line = Format(label_, counts, std::chrono::duration<double>(now - start_).count());
  if (live_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void ProgressReporter::Finish(const ProgressCounts& counts) {
  std::string line =
      Format(label_, counts, std::chrono::duration<double>(Clock::now() - start_).count());
  if (live_) {
    std::fprintf(out_, "\r\033[K%s\n", line.c_str());
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace svit

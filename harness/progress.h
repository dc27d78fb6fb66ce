// Progress of a run on stderr. On a terminal: one live line redrawn a few
// times a second; otherwise (CI logs, files) a plain line every
// `interval_seconds`. Shows done/total, requests/s, ETA, in flight, retries,
// failures, cache hits and tokens.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace svit {

struct ProgressCounts {
  size_t total = 0;
  size_t done = 0;  // answered, failed or cached
  size_t cached = 0;
  size_t failed = 0;
  size_t in_flight = 0;
  size_t retries = 0;
  int64_t tokens = 0;  // prompt + completion tokens of the responses received
};

class ProgressReporter {
 public:
  // `live`: redraw one line (a terminal). `interval_seconds`: plain-line
  // period when not live; <= 0 disables plain lines.
  ProgressReporter(std::string label, FILE* out, bool live, double interval_seconds);

  // Prints when a line is due (or always with `force`).
  void Update(const ProgressCounts& counts, bool force = false);
  // Prints the final line (and ends the live line).
  void Finish(const ProgressCounts& counts);

  static std::string Format(const std::string& label, const ProgressCounts& counts, double elapsed_seconds);

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  FILE* out_;
  bool live_;
  double interval_seconds_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_print_ = Clock::now();
};

}  // namespace svit

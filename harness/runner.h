// Runner: gets every job of a JobSource answered by one Adapter.
//   - Jobs are rendered lazily (images are read only when a job is due) and
//     looked up in the response cache first; only misses are sent.
//   - At most `concurrency` requests are in flight (the runner's own limit,
//     not the HTTP library's queue), within requests-per-minute and
//     tokens-per-minute budgets (tokens estimated before sending, corrected
//     from the reported usage). An adapter with a queue
//     (Adapter::LimitConcurrency) enforces the limit itself and is given up
//     to its queue's depth more, so a finished request is followed at once
//     by the next; before the first answer, with budgets, or while a 429
//     pauses sending, nothing waits there (the runner takes queued requests
//     back, unsent).
//   - Retryable failures (408/409/429/5xx, timeouts, connection errors,
//     malformed replies) are sent again after RetryDelaySeconds, honouring
//     Retry-After; a 429 also pauses new sends to the endpoint for that long.
//     After max_attempts, or on a non-retryable error (context length,
//     content filter, 4xx), the job is recorded as failed: never as an answer.
//   - Answers are committed to the cache as they arrive: those arriving
//     within a few milliseconds share one transaction, and an answer counts
//     as done (progress, outputs) only once committed.
//   - On the first SIGINT/SIGTERM the runner stops sending, waits up to
//     `grace_seconds` for requests in flight, and returns RunFailed; a second
//     signal abandons them at once.
//   - If a request fails on a connection error, or is refused (401, 403,
//     404: wrong key, URL or model) before the endpoint ever answered, the
//     run stops early instead of failing every request the same way.
// Single-threaded: the calling thread drives the adapter.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "core/request.h"
#include "core/status.h"
#include "harness/progress.h"
#include "harness/response_cache.h"
#include "harness/retry_policy.h"

namespace svit {

class JobSource {
 public:
  virtual ~JobSource() = default;
  virtual size_t size() const = 0;
  // Renders job `index` (called once per job, in index order). A non-OK
  // status fails this job alone; it is recorded as failed and not sent.
  virtual Status Render(size_t index, Request* out) = 0;
};

struct JobOutcome {
  bool done = false;    // false when the run stopped before this job finished
  bool cached = false;  // answered from the response cache
  int attempts = 0;     // sends of this job in this run
  double latency_seconds = 0;  // of the last send, not counting any wait in the adapter's queue
  Response response;    // response.ok() false: failed (error says why)
};

struct RunnerOptions {
  size_t concurrency = 8;
  double requests_per_minute = 0;  // <= 0: unlimited
  double tokens_per_minute = 0;    // <= 0: unlimited
  RetryPolicy retry;
  bool read_cache = true;   // false with --refresh and --no-cache
  bool write_cache = true;  // false with --no-cache
  double grace_seconds = 10;
  std::string progress_label = "run";
  bool progress_live = false;
  double progress_interval_seconds = 10;
  bool show_progress = true;
  uint64_t random_seed = 0x5eed;  // jitter
};

struct RunnerStats {
  size_t sent = 0;  // HTTP sends, retries included
  size_t retries = 0;
  size_t answered = 0;  // from the endpoint in this run
  size_t cached = 0;
  size_t failed = 0;
  Usage usage;  // of the responses received in this run
  double wall_seconds = 0;
};

class Runner {
 public:
  // `cache` may be null (no caching). Neither pointer is owned.
  Runner(Adapter* adapter, ResponseCache* cache, RunnerOptions options);

  // Fills one outcome per job. OK when every job finished (answered or
  // failed); RunFailed when interrupted, unreachable or the cache could not
  // be written, with `outcomes` holding what did finish.
  Status Run(JobSource* jobs, std::vector<JobOutcome>* outcomes);

  const RunnerStats& stats() const { return stats_; }

  // The tokens a request is budgeted before its usage is known: text bytes
  // / 4, 765 per image (a 1024-px image in OpenAI's high detail), plus the
  // maximum new tokens.
  static double EstimateTokens(const Request& request);

 private:
  Adapter* adapter_;
  ResponseCache* cache_;
  RunnerOptions options_;
  RunnerStats stats_;
};

}  // namespace svit

// When to send a failed request again. Exponential backoff with jitter
// (initial, 2x, 4x, ... capped at max_delay; each wait drawn uniformly from
// the upper half of that value so that concurrent retries spread out), unless
// the server said when: Retry-After / retry-after-ms hints are honoured up to
// max_retry_after (a longer hint waits that long, then counts an attempt).
#pragma once

namespace svit {

struct RetryPolicy {
  int max_attempts = 6;             // sends per request, the first included
  double initial_delay_seconds = 1.0;
  double max_delay_seconds = 60.0;
  double max_retry_after_seconds = 120.0;
};

// Seconds to wait after the `failed_attempts`-th failed send (1-based).
// `server_hint` is the server's Retry-After in seconds (<= 0: none);
// `unit_random` is uniform in [0, 1).
double RetryDelaySeconds(const RetryPolicy& policy, int failed_attempts, double server_hint,
                         double unit_random);

}  // namespace svit

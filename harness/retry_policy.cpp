#include "harness/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace svit {

double RetryDelaySeconds(const RetryPolicy& policy, int failed_attempts, double server_hint,
                         double unit_random) {
  if (server_hint > 0) return std::min(server_hint, policy.max_retry_after_seconds);
  int doublings = std::clamp(failed_attempts - 1, 0, 60);
  double base = std::min(policy.initial_delay_seconds * std::ldexp(1.0, doublings), policy.max_delay_seconds);
  return base * (0.5 + 0.5 * unit_random);
}

}  // namespace svit

#include "harness/rate_budget.h"

#include <algorithm>

namespace svit {

RateBudget::RateBudget(double per_minute)
    : rate_per_second_(per_minute / 60.0),
      capacity_(std::max(1.0, per_minute / 60.0)),
      level_(capacity_) {}

void RateBudget::Refill(double now) {
  if (last_ >= 0 && now > last_) level_ = std::min(capacity_, level_ + (now - last_) * rate_per_second_);
  last_ = std::max(last_, now);
}

double RateBudget::WaitSeconds(double now) {
  if (unlimited()) return 0;
  Refill(now);
  if (level_ > 0) return 0;
  // Time until the level turns positive, plus a hair so it really is.
  return (-level_) / rate_per_second_ + 1e-6;
}

void RateBudget::Spend(double amount, double now) {
  if (unlimited()) return;
  Refill(now);
  level_ -= amount;
}

void RateBudget::Adjust(double delta) {
  if (unlimited()) return;
  level_ = std::min(capacity_, level_ - delta);
}

}  // namespace svit

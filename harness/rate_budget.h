// RateBudget: a per-minute budget (requests or tokens) enforced as a token
// bucket that may go into debt. A send is allowed while the level is
// positive; it then pays its cost, possibly more than the level holds, and
// the debt is repaid at the budget's rate. This keeps the long-run rate at
// the limit, allows one request larger than a second's worth, and lets a
// token estimate be corrected when the real usage arrives (Adjust).
// The bucket holds at most one second of budget (at least one unit), so a
// burst never exceeds what a per-second enforcement would allow.
#pragma once

namespace svit {

class RateBudget {
 public:
  // `per_minute` <= 0 means unlimited.
  explicit RateBudget(double per_minute);

  bool unlimited() const { return rate_per_second_ <= 0; }
  // Seconds from `now` until a send is allowed (0 when allowed now).
  double WaitSeconds(double now);
  void Spend(double amount, double now);
  // Adds `delta` to what was spent (negative refunds), e.g. actual - estimate.
  void Adjust(double delta);

 private:
  void Refill(double now);

  double rate_per_second_;
  double capacity_;
  double level_;
  double last_ = -1;
};

}  // namespace svit

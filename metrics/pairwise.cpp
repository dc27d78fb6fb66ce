#include "metrics/pairwise.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace svit::pairwise {

Verdict FromScores(double score_a, double score_b) {
  if (score_a > score_b) return Verdict::kWin;
  if (score_a < score_b) return Verdict::kLoss;
  return Verdict::kTie;
}

Verdict Combine(Verdict a_first, Verdict b_first) {
  return a_first == b_first ? a_first : Verdict::kTie;
}

Interval Wilson(size_t k, size_t n, double z) {
  if (n == 0) return {};
  double nn = static_cast<double>(n);
  double p = static_cast<double>(k) / nn;
  double z2 = z * z;
  double denominator = 1 + z2 / nn;
  double center = (p + z2 / (2 * nn)) / denominator;
  double half = z / denominator * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

namespace {

Rate MakeRate(size_t count, size_t n, double z) {
  Rate r;
  r.count = count;
  r.rate = n ? static_cast<double>(count) / static_cast<double>(n)
             : std::numeric_limits<double>::quiet_NaN();
  r.ci = Wilson(count, n, z);
  return r;
}

}  // namespace

Summary Summarize(const std::vector<ItemVerdicts>& items, double z) {
  Summary s;
  s.items = items.size();
  size_t wins = 0, ties = 0, losses = 0, inconsistent = 0, first_wins = 0;
  for (const ItemVerdicts& item : items) {
    // Position preference is measured on every judged order, decided or not.
    if (item.a_first && *item.a_first != Verdict::kTie) {
      ++s.decisive_orders;
      if (*item.a_first == Verdict::kWin) ++first_wins;
    }
    if (item.b_first && *item.b_first != Verdict::kTie) {
      ++s.decisive_orders;
      if (*item.b_first == Verdict::kLoss) ++first_wins;
    }
    if (!item.a_first || !item.b_first) {
      ++s.undecided;
      continue;
    }
    ++s.decided;
    if (*item.a_first != *item.b_first) ++inconsistent;
    switch (Combine(*item.a_first, *item.b_first)) {
      case Verdict::kWin: ++wins; break;
      case Verdict::kTie: ++ties; break;
      case Verdict::kLoss: ++losses; break;
    }
  }
  s.wins = MakeRate(wins, s.decided, z);
  s.ties = MakeRate(ties, s.decided, z);
  s.losses = MakeRate(losses, s.decided, z);
  s.position_inconsistent = MakeRate(inconsistent, s.decided, z);
  s.first_position_wins = MakeRate(first_wins, s.decisive_orders, z);
  return s;
}

}  // namespace svit::pairwise

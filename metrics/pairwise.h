// Pairwise judging of two systems A and B on the same items, with the answer
// order swapped: each item is judged once with A shown first and once with B
// shown first. An item's verdict is the verdict both orders agree on;
// disagreement counts as a tie. Rates carry 95% Wilson score intervals, each
// computed on its own as a binomial proportion over the decided items. Pure
// functions.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace svit::pairwise {

enum class Verdict { kWin, kTie, kLoss };  // always from A's point of view

// One order's verdict from the two scores the judge gave A and B.
Verdict FromScores(double score_a, double score_b);
// Agreeing orders keep their verdict; disagreeing orders make a tie.
Verdict Combine(Verdict a_first, Verdict b_first);

// The normal quantile for a two-sided 95% interval.
constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0;
  double high = 0;
};

// Wilson score interval for k successes in n trials; [0, 0] when n == 0.
Interval Wilson(size_t k, size_t n, double z = kZ95);

struct Rate {
  size_t count = 0;
  double rate = 0;  // count / denominator (NaN when the denominator is 0)
  Interval ci;
};

// An item's two verdicts; nullopt where that order's review did not parse or failed.
struct ItemVerdicts {
  std::optional<Verdict> a_first;
  std::optional<Verdict> b_first;
};

struct Summary {
  size_t items = 0;
  size_t decided = 0;    // items with both orders judged
  size_t undecided = 0;  // items missing at least one order
  Rate wins, ties, losses;  // over decided items, after combining the orders
  // Decided items whose two orders disagree (the position changed the verdict).
  Rate position_inconsistent;
  // Single-order verdicts that are not ties, and how many favoured the answer
  // shown first: 0.5 means no position preference.
  size_t decisive_orders = 0;
  Rate first_position_wins;
};

Summary Summarize(const std::vector<ItemVerdicts>& items, double z = kZ95);

}  // namespace svit::pairwise

// POPE yes/no scoring exactly as LLaVA's llava/eval/eval_pope.py (@c121f04)
// computes it for one category: answers are normalised to yes/no, paired
// with the label lines, and counted with "yes" as the positive class.
// Where eval_pope.py would divide by zero (no "yes" predictions, no positive
// labels, P + R == 0) the value is NaN. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace svit::pope {

// eval_pope.py's answer rule: keep the text before the first '.', delete
// ',', split on single spaces; a word equal to "No", "no" or "not" means no,
// anything else yes (so "NO", "Nope" and "n't" are yes).
bool AnswerIsYes(std::string_view text);

struct Counts {
  size_t tp = 0, fp = 0, tn = 0, fn = 0;
};

struct Metrics {
  Counts counts;
  double accuracy = 0, precision = 0, recall = 0, f1 = 0, yes_ratio = 0;
};

// `predicted_yes[i]` and `label_yes[i]` are the i-th pair (same length).
// yes_ratio is over the predictions; the rest over the confusion counts.
Metrics ComputeMetrics(const std::vector<bool>& predicted_yes, const std::vector<bool>& label_yes);

}  // namespace svit::pope

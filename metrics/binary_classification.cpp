#include "metrics/binary_classification.h"

namespace svit::binary {

Confusion Count(const std::vector<bool>& truth, const std::vector<bool>& predicted) {
  Confusion c;
  for (size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    if (predicted[i]) {
      ++(truth[i] ? c.true_positives : c.false_positives);
    } else {
      ++(truth[i] ? c.false_negatives : c.true_negatives);
    }
  }
  return c;
}

std::optional<double> AveragePrecision(const Confusion& c) {
  double positives = static_cast<double>(c.true_positives + c.false_negatives);
  if (positives == 0) return std::nullopt;
  double total = positives + static_cast<double>(c.false_positives + c.true_negatives);
  // Threshold 1.0 selects the predicted positives (if any); threshold 0.0
  // selects everything (if any prediction is negative), at recall 1.
  double recall_at_one = 0.0, sum = 0.0;
  size_t predicted_positive = c.true_positives + c.false_positives;
  if (predicted_positive > 0) {
    recall_at_one = static_cast<double>(c.true_positives) / positives;
    sum += recall_at_one * (static_cast<double>(c.true_positives) / predicted_positive);
  }
  if (c.false_negatives + c.true_negatives > 0) sum += (1.0 - recall_at_one) * (positives / total);
  return sum;
}

double F1Score(const Confusion& c) {
  size_t denominator = 2 * c.true_positives + c.false_positives + c.false_negatives;
  if (denominator == 0) return 0.0;
  return 2.0 * static_cast<double>(c.true_positives) / static_cast<double>(denominator);
}

}  // namespace svit::binary

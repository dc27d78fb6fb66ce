// Detection metrics over 0/1 labels and 0/1 predictions with scikit-learn's
// semantics, as the VizWiz VQA evaluation reports unanswerability
// (average_precision_score and f1_score on hard predictions). Pure functions.
#pragma once

#include <optional>
#include <vector>

namespace svit::binary {

struct Confusion {
  size_t true_positives = 0;
  size_t false_positives = 0;
  size_t false_negatives = 0;
  size_t true_negatives = 0;
};

// Counts the four outcomes; `truth` and `predicted` have equal length.
Confusion Count(const std::vector<bool>& truth, const std::vector<bool>& predicted);

// sklearn.metrics.average_precision_score(truth, predicted as 1.0/0.0):
// sum over the distinct score thresholds (high to low) of
// (recall gain) x precision. Empty when `truth` has no positive (sklearn warns
// and its recall is undefined).
std::optional<double> AveragePrecision(const Confusion& c);

// sklearn.metrics.f1_score: 2TP / (2TP + FP + FN), 0 when that is 0/0.
double F1Score(const Confusion& c);

}  // namespace svit::binary

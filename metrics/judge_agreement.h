// Judge reliability: how much a judge's scores move when the same item is
// judged again (repeat spread), and how well two judges agree on the same
// items (Cohen's kappa for labels, Krippendorff's alpha with the interval
// metric for scores). Pure functions; NaN where a statistic is undefined.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace svit::agreement {

// Sample variance (ddof=1); NaN below two values.
double SampleVariance(const std::vector<double>& values);

struct RepeatSpread {
  size_t items = 0;                // items with at least two repeated scores
  double mean_item_variance = 0;   // mean over items of the sample variance of their scores
  double mean_item_std = 0;        // mean over items of the sample std of their scores
};

// `scores[i]` holds item i's scores from the repeated judgements.
RepeatSpread SummarizeRepeats(const std::vector<std::vector<double>>& scores);

// Cohen's kappa of two raters labelling the same items: (po - pe) / (1 - pe)
// with pe from each rater's marginal label frequencies. Sizes must match.
double CohenKappa(const std::vector<std::string>& rater_a, const std::vector<std::string>& rater_b);

// Krippendorff's alpha with the interval metric (squared difference).
// `units[u]` holds the values the coders gave unit u, NaN for "not coded";
// units with fewer than two values are not pairable and are ignored.
double KrippendorffAlphaInterval(const std::vector<std::vector<double>>& units);

}  // namespace svit::agreement

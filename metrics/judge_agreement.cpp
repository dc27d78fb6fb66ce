#include "metrics/judge_agreement.h"

#include <cmath>
#include <limits>
#include <map>

namespace svit::agreement {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double SampleVariance(const std::vector<double>& values) {
  if (values.size() < 2) return kNaN;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return squares / static_cast<double>(values.size() - 1);
}

RepeatSpread SummarizeRepeats(const std::vector<std::vector<double>>& scores) {
  RepeatSpread spread;
  double variance_sum = 0, std_sum = 0;
  for (const auto& item : scores) {
    if (item.size() < 2) continue;
    double variance = SampleVariance(item);
    variance_sum += variance;
    std_sum += std::sqrt(variance);
    ++spread.items;
  }
  double n = static_cast<double>(spread.items);
  spread.mean_item_variance = spread.items ? variance_sum / n : kNaN;
  spread.mean_item_std = spread.items ? std_sum / n : kNaN;
  return spread;
}

double CohenKappa(const std::vector<std::string>& rater_a, const std::vector<std::string>& rater_b) {
  if (rater_a.size() != rater_b.size() || rater_a.empty()) return kNaN;
  double n = static_cast<double>(rater_a.size());
  std::map<std::string, double> marginal_a, marginal_b;
  double agreed = 0;
  for (size_t i = 0; i < rater_a.size(); ++i) {
    marginal_a[rater_a[i]] += 1;
    marginal_b[rater_b[i]] += 1;
    if (rater_a[i] == rater_b[i]) agreed += 1;
  }
  double observed = agreed / n;
  double expected = 0;
  for (const auto& [label, count] : marginal_a) {
    auto it = marginal_b.find(label);
    if (it != marginal_b.end()) expected += (count / n) * (it->second / n);
  }
  if (expected == 1.0) return kNaN;  // both raters used one and the same label throughout
  return (observed - expected) / (1 - expected);
}

namespace {

// Sum over ordered pairs i != j of (x_i - x_j)^2, which equals 2 n sum (x - mean)^2.
double SumOfSquaredPairDifferences(const std::vector<double>& values) {
  double n = static_cast<double>(values.size());
  double mean = 0;
  for (double v : values) mean += v;
  mean /= n;
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return 2 * n * squares;
}

}  // namespace

double KrippendorffAlphaInterval(const std::vector<std::vector<double>>& units) {
  // Coincidence form: alpha = 1 - D_o / D_e over the pairable values, with
  // D_o = 1/n sum_u (pair differences within u) / (m_u - 1) and
  // D_e = 1/(n (n - 1)) (pair differences among all pairable values).
  std::vector<double> pairable;
  double observed_sum = 0;
  for (const auto& unit : units) {
    std::vector<double> values;
    for (double v : unit) {
      if (!std::isnan(v)) values.push_back(v);
    }
    if (values.size() < 2) continue;
    observed_sum += SumOfSquaredPairDifferences(values) / static_cast<double>(values.size() - 1);
    pairable.insert(pairable.end(), values.begin(), values.end());
  }
  if (pairable.size() < 2) return kNaN;
  double n = static_cast<double>(pairable.size());
  double observed = observed_sum / n;
  double expected = SumOfSquaredPairDifferences(pairable) / (n * (n - 1));
  if (expected == 0) return kNaN;  // every value is the same
  return 1 - observed / expected;
}

}  // namespace svit::agreement

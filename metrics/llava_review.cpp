#include "metrics/llava_review.h"

#include <cmath>
#include <limits>
#include <map>

#include "metrics/python_number.h"
#include "metrics/python_text.h"

namespace svit::llava {

bool ParseScorePair(std::string_view review, double* reference, double* model) {
  std::string first_line(review.substr(0, review.find('\n')));
  for (char& c : first_line) {
    if (c == ',') c = ' ';
  }
  size_t space = first_line.find(' ');
  if (space == std::string::npos || first_line.find(' ', space + 1) != std::string::npos) {
    return false;  // not exactly two fields
  }
  double a, b;
  if (!py::ParseFloat(std::string_view(first_line).substr(0, space), &a) ||
      !py::ParseFloat(std::string_view(first_line).substr(space + 1), &b)) {
    return false;
  }
  *reference = a;
  *model = b;
  return true;
}

namespace {

struct Accumulator {
  size_t reviews = 0, failures = 0, averaged = 0;
  double reference_sum = 0, model_sum = 0;  // summed in file order, as numpy does per column
};

}  // namespace

std::vector<SummaryRow> Summarize(const std::vector<Review>& reviews, FailurePolicy policy) {
  std::map<std::string, Accumulator> by_key;  // std::map: sorted like Python's sorted(dict.items())
  auto add = [&](const std::string& key, const Review& r) {
    Accumulator& acc = by_key[key];
    ++acc.reviews;
    if (!r.parsed) ++acc.failures;
    if (!r.parsed && policy == FailurePolicy::kExclude) return;
    ++acc.averaged;
    acc.reference_sum += r.parsed ? r.reference : -1.0;
    acc.model_sum += r.parsed ? r.model : -1.0;
  };
  for (const Review& r : reviews) {
    add(r.category, r);
    add("all", r);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SummaryRow> rows;
  for (const auto& [key, acc] : by_key) {
    SummaryRow row;
    row.key = key;
    row.reviews = acc.reviews;
    row.parse_failures = acc.failures;
    row.averaged = acc.averaged;
    double n = static_cast<double>(acc.averaged);
    row.reference_mean = acc.averaged ? acc.reference_sum / n : nan;
    row.model_mean = acc.averaged ? acc.model_sum / n : nan;
    row.reference_mean_3dp = py::Round(row.reference_mean, 3);
    row.model_mean_3dp = py::Round(row.model_mean, 3);
    // Python raises ZeroDivisionError here; svit-eval reports "no value".
    row.relative_score = row.reference_mean_3dp == 0
                             ? nan
                             : py::Round(row.model_mean_3dp / row.reference_mean_3dp * 100, 1);
    row.reference_score_x10 = py::Round(row.reference_mean_3dp * 10, 1);
    row.model_score_x10 = py::Round(row.model_mean_3dp * 10, 1);
    row.relative_score_unrounded = row.reference_mean == 0 ? nan : row.model_mean / row.reference_mean * 100;
    rows.push_back(row);
  }
  return rows;
}

std::string FormatSummary(const std::string& config, const std::vector<SummaryRow>& rows) {
  std::string out = config + "\n";
  for (const SummaryRow& row : rows) {
    out += row.key + " " + py::FloatRepr(row.relative_score) + " " +
           py::FloatRepr(row.reference_score_x10) + " " + py::FloatRepr(row.model_score_x10) + "\n";
  }
  out += "=================================\n";
  return out;
}

}  // namespace svit::llava

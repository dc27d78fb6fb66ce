#include "metrics/mmvet_grade.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "metrics/python_number.h"
#include "metrics/python_text.h"

namespace svit::mmvet {

bool ParseGrade(std::string_view content, double* grade, std::string* token) {
  std::string_view first = py::Strip(content.substr(0, content.find(' ')));
  token->assign(first);
  double value;
  if (!py::ParseFloat(first, &value)) return false;
  if (std::isnan(value) || value < 0.0 || value > 1.0) return false;
  *grade = value;
  return true;
}

namespace {

// Capabilities without repeats, in listed order: the official code takes set(capability).
std::vector<std::string> UniqueInOrder(const std::vector<std::string>& names) {
  std::vector<std::string> unique;
  for (const auto& n : names) {
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
  }
  return unique;
}

struct ColumnBuilder {
  std::string name;
  std::vector<std::string> key;  // sorted capability set (combinations only)
  size_t samples = 0;
  std::vector<double> sums, counts;
};

Column Finish(const ColumnBuilder& b, size_t runs, int decimals) {
  Column c;
  c.name = b.name;
  c.samples = b.samples;
  for (size_t i = 0; i < runs; ++i) {
    c.per_run.push_back(b.counts[i] > 0 ? b.sums[i] / b.counts[i] * 100
                                        : std::numeric_limits<double>::quiet_NaN());
  }
  c.mean = numpy::Mean(c.per_run);
  c.rounded = numpy::Round(c.mean, decimals);
  return c;
}

std::vector<Column> FinishSorted(const std::deque<ColumnBuilder>& found, size_t runs, int decimals) {
  std::vector<ColumnBuilder> builders(found.begin(), found.end());
  std::stable_sort(builders.begin(), builders.end(),
                   [](const ColumnBuilder& a, const ColumnBuilder& b) { return a.samples > b.samples; });
  std::vector<Column> columns;
  for (const auto& b : builders) columns.push_back(Finish(b, runs, decimals));
  return columns;
}

}  // namespace

Summary Summarize(const std::vector<GradedSample>& samples, size_t runs, int decimals) {
  // A deque keeps references valid while columns are added.
  std::deque<ColumnBuilder> capabilities, combinations;
  ColumnBuilder total;
  total.name = "total";
  total.sums.assign(runs, 0.0);
  total.counts.assign(runs, 0.0);
  auto find_or_add = [&](std::deque<ColumnBuilder>* list, const std::string& name,
                         const std::vector<std::string>& key) -> ColumnBuilder& {
    for (auto& b : *list) {
      if (b.key == key) return b;
    }
    ColumnBuilder b;
    b.name = name;
    b.key = key;
    b.sums.assign(runs, 0.0);
    b.counts.assign(runs, 0.0);
    list->push_back(std::move(b));
    return list->back();
  };
  for (const GradedSample& s : samples) {
    std::vector<std::string> caps = UniqueInOrder(s.capabilities);
    std::vector<ColumnBuilder*> columns = {&total};
    for (const auto& cap : caps) columns.push_back(&find_or_add(&capabilities, cap, {cap}));
    std::vector<std::string> set_key = caps;
    std::sort(set_key.begin(), set_key.end());
    std::string combination_name;
    for (const auto& cap : caps) combination_name += (combination_name.empty() ? "" : "_") + cap;
    columns.push_back(&find_or_add(&combinations, combination_name, set_key));
    for (ColumnBuilder* column : columns) {
      ++column->samples;
      for (size_t i = 0; i < runs; ++i) {
        if (!s.scores[i]) continue;
        column->sums[i] += *s.scores[i];
        column->counts[i] += 1;
      }
    }
  }
  Summary summary;
  summary.capabilities = FinishSorted(capabilities, runs, decimals);
  summary.combinations = FinishSorted(combinations, runs, decimals);
  summary.total = Finish(total, runs, decimals);
  for (double v : summary.total.per_run) summary.total_runs_rounded.push_back(numpy::Round(v, decimals));
  summary.std = numpy::Std(summary.total.per_run);
  summary.std_rounded = numpy::Round(summary.std, decimals);
  return summary;
}

}  // namespace svit::mmvet

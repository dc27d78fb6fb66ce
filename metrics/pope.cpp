#include "metrics/pope.h"

#include <limits>
#include <string>

namespace svit::pope {
namespace {

double Divide(double numerator, double denominator) {
  if (denominator == 0) return std::numeric_limits<double>::quiet_NaN();
  return numerator / denominator;
}

}  // namespace

bool AnswerIsYes(std::string_view text) {
  size_t dot = text.find('.');
  if (dot != std::string_view::npos) text = text.substr(0, dot);
  std::string kept;
  kept.reserve(text.size());
  for (char c : text) {
    if (c != ',') kept.push_back(c);
  }
  // str.split(' '): single spaces only, empty words kept (they never match).
  size_t start = 0;
  while (start <= kept.size()) {
    size_t end = kept.find(' ', start);
    if (end == std::string::npos) end = kept.size();
    std::string_view word(kept.data() + start, end - start);
    if (word == "No" || word == "not" || word == "no") return false;
    start = end + 1;
  }
  return true;
}

Metrics ComputeMetrics(const std::vector<bool>& predicted_yes, const std::vector<bool>& label_yes) {
  Metrics m;
  Counts& c = m.counts;
  size_t yes = 0;
  for (size_t i = 0; i < predicted_yes.size(); ++i) {
    bool pred = predicted_yes[i], label = label_yes[i];
    yes += pred;
    size_t& cell = pred ? (label ? c.tp : c.fp) : (label ? c.fn : c.tn);
    ++cell;
  }
  m.yes_ratio = Divide(static_cast<double>(yes), static_cast<double>(predicted_yes.size()));
  m.precision = Divide(static_cast<double>(c.tp), static_cast<double>(c.tp + c.fp));
  m.recall = Divide(static_cast<double>(c.tp), static_cast<double>(c.tp + c.fn));
  m.f1 = Divide(2 * m.precision * m.recall, m.precision + m.recall);
  m.accuracy = Divide(static_cast<double>(c.tp + c.tn), static_cast<double>(c.tp + c.tn + c.fp + c.fn));
  return m;
}

}  // namespace svit::pope

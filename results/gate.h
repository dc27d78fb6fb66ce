// The regression gate and the comparison's CI outputs. Rules (--gate):
//   any-significant-drop          a headline metric is significantly worse
//                                 (Holm-adjusted p < alpha, in its bad direction)
//   significant-drop=SELECTOR     the same for the selected metrics only
//   max-drop=[SELECTOR:]POINTS    a selected metric moved more than POINTS (in
//                                 the metric's own units) in its bad direction
// SELECTOR is TASK (its headline metrics), TASK/METRIC_PATH, METRIC_PATH (in
// any task) or '*'. A selector that matches nothing is a usage error, so a
// typo cannot pass a gate silently.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "results/comparison.h"

namespace svit {

struct GateRule {
  enum class Kind { kAnySignificantDrop, kSignificantDrop, kMaxDrop };
  Kind kind = Kind::kAnySignificantDrop;
  std::string selector = "*";
  double points = 0.0;
  std::string text;  // as written
};

Status ParseGateRule(const std::string& text, GateRule* out);

struct GateFailure {
  std::string rule;
  std::string task, metric;
  std::string message;
};

struct GateOutcome {
  std::vector<GateRule> rules;
  std::vector<GateFailure> failures;
  bool passed() const { return failures.empty(); }
};

// InvalidInput when a rule's selector matches no compared metric.
Status ApplyGate(const Comparison& comparison, const std::vector<GateRule>& rules, GateOutcome* out);

// JUnit XML: one test case per compared metric (failed when a rule rejects
// it), for CI systems that show test reports.
std::string GateJunitXml(const Comparison& comparison, const GateOutcome& gate);

// A Markdown summary for a CI step summary or a pull-request comment; `gate`
// may be null when no rule was given.
std::string ComparisonMarkdown(const Comparison& comparison, const GateOutcome* gate);

// The plain-text table `compare` prints.
std::string ComparisonText(const Comparison& comparison, const GateOutcome* gate);

}  // namespace svit

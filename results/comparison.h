// Comparing two runs (BASE and CANDIDATE) task by task: for each metric both
// values, the paired delta with its bootstrap interval, a p-value (exact
// McNemar for binary per-sample outcomes on independent samples, otherwise a
// paired permutation test, cluster-aware when samples share an image), the
// Holm-adjusted p-value across the suite, and a verdict; breakdowns per
// category; the samples whose outcome changed. Runs whose protocols differ
// (prompt template or dataset hash, or the sample set) are refused unless
// allowed, with the differences spelled out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "metrics/statistics.h"
#include "results/run_set.h"

namespace svit {

struct CompareOptions {
  stats::ResampleOptions resample;
  double alpha = 0.05;
  bool allow_protocol_mismatch = false;
  bool all_metrics = false;        // every numeric leaf, not only the headline ones
  std::string cluster_field;       // "" = auto (image_id, image), "none" = no clusters
  size_t max_changed_samples = 200;  // per task, most changed first
};

enum class Verdict { kBetter, kWorse, kNoSignificantChange, kChanged, kUntested };
const char* VerdictName(Verdict verdict);  // "better", "worse", "no significant change", ...

// Which way is good for a metric, from its name: FP/FN/error rates lower,
// yes-ratio neither, everything else higher.
enum class Direction { kHigherIsBetter, kLowerIsBetter, kNeutral };
Direction MetricDirection(const std::string& metric_path);

struct MetricRow {
  std::string task;
  std::string metric;       // key path joined with '/', or "category=value" for breakdowns
  std::string breakdown_field;  // the category field of a breakdown row ("" for metrics)
  bool headline = false;
  double base = 0.0, candidate = 0.0, delta = 0.0;
  std::optional<stats::Interval> base_ci, candidate_ci, delta_ci;
  std::optional<double> p_value, p_adjusted;
  std::string method;       // "mcnemar-exact", "permutation", "permutation-exact", ...
  std::string recipe;       // how it was recomputed, or why it was not
  size_t samples = 0;
  Verdict verdict = Verdict::kUntested;
};

struct ChangedSample {
  std::string id;
  double base_score = 0.0, candidate_score = 0.0;
  std::string base_status, candidate_status;
  std::string base_prediction, candidate_prediction;
  std::string category;
};

struct TaskComparison {
  std::string task;
  std::vector<MetricRow> metrics;
  std::vector<MetricRow> breakdowns;
  std::vector<ChangedSample> changed;  // most changed first, at most max_changed_samples
  size_t changed_total = 0, improved = 0, regressed = 0;
  std::string cluster_field;
  std::vector<std::string> notes;
};

struct Comparison {
  std::string base_run, candidate_run, base_model, candidate_model;
  std::vector<TaskComparison> tasks;
  std::vector<std::string> only_in_base, only_in_candidate;
  std::vector<std::string> protocol_differences;  // allowed ones, when allowed
  CompareOptions options;
};

// Protocol differences between the two runs' common tasks, one line each
// ("pope: dataset_sha256 differs (2222... vs 9999...)"), plus differing
// sample sets.
std::vector<std::string> ProtocolDifferences(const RunSet& base, const RunSet& candidate);

// InvalidInput when protocols differ and the options do not allow it, or
// when the runs have no task in common.
Status CompareRuns(const RunSet& base, const RunSet& candidate, const CompareOptions& options,
                   Comparison* out);

// The whole comparison as JSON (for reports and other tools).
nlohmann::json ComparisonToJson(const Comparison& comparison);

}  // namespace svit

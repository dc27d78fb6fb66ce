// Recomputing a task's reported metrics from its per-sample records, so that
// bootstrap intervals and paired tests are about the number the task really
// reports. A Recipe says how a metric follows from the samples (a mean of
// per-sample scores, a yes/no F1, MME's acc + acc+ score, restricted to a
// category or combined over categories). For each metric the first recipe
// that reproduces the reported unrounded value (relative error <= 1e-6) on
// every run involved is used; a metric no recipe reproduces is shown without
// an interval or test, never with a guessed one. docs/statistics.md lists the
// recipes and the per-sample fields they read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "metrics/statistics.h"

namespace svit {

// Per-sample fields shared by every model on the same samples (the sample's
// category, its image, its yes/no label), read from per_sample details.
struct SampleTable {
  std::vector<std::string> ids;
  struct Categorical {
    std::vector<int32_t> value;      // index into names, -1 when absent
    std::vector<std::string> names;  // in order of first appearance
  };
  std::map<std::string, Categorical> categories;  // by detail field name
  std::vector<uint32_t> clusters;  // dense image numbers; empty when no image field
  std::string cluster_field;       // the detail field clusters came from
  std::vector<int8_t> label_yes;   // 1 yes, 0 no, -1 absent
  bool has_labels = false;
};

// One model's outcome on each sample of a SampleTable (same order).
struct Outcomes {
  std::vector<double> score;
  std::vector<uint8_t> counted;  // answered, missing or unparseable with a finite score
  std::vector<uint8_t> answered;  // any status but failed; score may still be missing
  std::vector<int8_t> says_yes;  // extracted answer yes 1, no 0, other -1
};

// Detail fields read as categories (breakdowns) and as image clusters.
const std::vector<std::string>& CategoryFields();
const std::vector<std::string>& ClusterFields();

// Builds the table from the first result's samples, in its order; `others`
// must hold the same ids (checked by the caller). `cluster_field` "" picks
// the first of ClusterFields() present, "none" disables clustering.
SampleTable BuildSampleTable(const ScoreResult& first, const std::string& cluster_field);
// Outcomes of `result` in the table's order (ids the result lacks are not
// counted).
Outcomes BuildOutcomes(const SampleTable& table, const ScoreResult& result);

struct Recipe {
  enum class Kind { kMean, kYesNo, kMmeScore };
  enum class Measure { kAccuracy, kPrecision, kRecall, kF1, kYesRatio, kTP, kFP, kTN, kFN };
  enum class Combine { kPooled, kMeanOfEach, kSumOfEach };
  Kind kind = Kind::kMean;
  Measure measure = Measure::kAccuracy;
  double scale = 100.0;
  bool include_failed = false;     // kMean: failed samples count as 0 rather than not at all
  std::string field;               // restrict to these values of a category field ("" = all)
  std::vector<std::string> values;
  Combine combine = Combine::kPooled;

  std::string Describe() const;
  // The same statistic restricted to one category value.
  Recipe ForCategory(const std::string& category_field, const std::string& value) const;
};

// The recipe's value over the samples at `indices` (repetitions allowed).
double Evaluate(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes,
                const std::vector<uint32_t>& indices);
double EvaluateAll(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes);
// The samples a recipe looks at (its category restriction, or all).
std::vector<uint32_t> RecipeSamples(const Recipe& recipe, const SampleTable& table);

// A kMean recipe as a ratio of sums: per sample, the score it adds and
// whether it is counted (both 0 outside the recipe's category restriction),
// for the fast cluster-sum bootstrap (stats::PairedRatio).
void MeanRatioTerms(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes,
                    std::vector<double>* numerator, std::vector<double>* denominator);

// The first recipe reproducing `reported[i]` from `outcomes[i]` for every i.
// `path` is the metric's key path (e.g. {"adversarial", "f1"}) and guides
// which categories and measures are tried.
std::optional<Recipe> FindRecipe(const SampleTable& table, const std::vector<const Outcomes*>& outcomes,
                                 const std::vector<double>& reported,
                                 const std::vector<std::string>& path);

// True when a kMean recipe's counted scores are all 0 or 1 in every model.
bool IsBinary(const Recipe& recipe, const std::vector<const Outcomes*>& outcomes);

// Numeric leaves of a metrics tree as (path, value), in document order.
std::vector<std::pair<std::vector<std::string>, double>> NumericLeaves(const nlohmann::json& metrics);
std::string JoinPath(const std::vector<std::string>& path);
std::vector<std::string> SplitPath(const std::string& path);  // on '/'
// The value at `path`, if it is a number.
std::optional<double> MetricAt(const nlohmann::json& metrics, const std::vector<std::string>& path);
// The same for a '/'-joined path whose keys may themselves contain '/'
// (VQAv2's "perAnswerType/yes/no"): keys are matched longest first.
std::optional<double> MetricAt(const nlohmann::json& metrics, const std::string& joined_path);

// A single run's metric with its bootstrap interval (when a recipe is found).
struct MetricEstimate {
  double value = 0.0;
  std::optional<stats::Interval> ci;
  std::optional<Recipe> recipe;
};
// `reported` is the value to explain; `path` names it (and guides the recipe
// search, as in FindRecipe).
MetricEstimate EstimateMetric(const ScoreResult& result, double reported,
                              const std::vector<std::string>& path, const std::string& cluster_field,
                              const stats::ResampleOptions& options);

}  // namespace svit

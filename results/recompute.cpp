#include "results/recompute.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <numeric>
#include <unordered_map>

namespace svit {
namespace {

// MME's subtask groups (official eval_tool/calculation.py).
const std::vector<std::string> kMmePerception = {"existence", "count",    "position", "color",
                                                 "posters",   "celebrity", "scene",   "landmark",
                                                 "artwork",   "OCR"};
const std::vector<std::string> kMmeCognition = {"commonsense_reasoning", "numerical_calculation",
                                                "text_translation", "code_reasoning"};

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string DetailText(const nlohmann::json& detail, const std::string& field) {
  if (!detail.is_object()) return {};
  auto it = detail.find(field);
  if (it == detail.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer() || it->is_number_unsigned() || it->is_boolean()) return it->dump();
  return {};
}

int8_t YesNo(const std::string& text) {
  const std::string lower = Lower(text);
  if (lower == "yes") return 1;
  if (lower == "no") return 0;
  return -1;
}

// Indices restricted to the recipe's category values, or all of them.
void Restrict(const Recipe& recipe, const SampleTable& table, const std::vector<std::string>& values,
              const std::vector<uint32_t>& indices, std::vector<uint32_t>* out) {
  out->clear();
  auto it = table.categories.find(recipe.field);
  if (it == table.categories.end()) return;
  std::vector<uint8_t> wanted(it->second.names.size(), 0);
  for (size_t v = 0; v < it->second.names.size(); ++v) {
    wanted[v] = std::find(values.begin(), values.end(), it->second.names[v]) != values.end();
  }
  for (uint32_t i : indices) {
    const int32_t v = it->second.value[i];
    if (v >= 0 && wanted[v]) out->push_back(i);
  }
}

double Mean(const Recipe& r, const Outcomes& o, const std::vector<uint32_t>& indices) {
  double sum = 0.0;
  size_t count = 0;
  for (uint32_t i : indices) {
    if (o.counted[i]) {
      sum += o.score[i];
      ++count;
    } else if (r.include_failed) {
      ++count;
    }
  }
  return count ? r.scale * sum / static_cast<double>(count) : std::nan("");
}

double YesNoMeasure(const Recipe& r, const SampleTable& t, const Outcomes& o,
                    const std::vector<uint32_t>& indices) {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (uint32_t i : indices) {
    if (!o.answered[i] || t.label_yes[i] < 0) continue;
    const bool yes = o.says_yes[i] == 1;
    if (t.label_yes[i] == 1) {
      (yes ? tp : fn) += 1;
    } else {
      (yes ? fp : tn) += 1;
    }
  }
  const double n = tp + fp + tn + fn;
  double value = std::nan("");
  switch (r.measure) {
    case Recipe::Measure::kAccuracy: value = (tp + tn) / n; break;
    case Recipe::Measure::kPrecision: value = tp / (tp + fp); break;
    case Recipe::Measure::kRecall: value = tp / (tp + fn); break;
    case Recipe::Measure::kF1: {
      const double precision = tp / (tp + fp), recall = tp / (tp + fn);
      value = 2 * precision * recall / (precision + recall);
      break;
    }
    case Recipe::Measure::kYesRatio: value = (tp + fp) / n; break;
    case Recipe::Measure::kTP: value = tp; break;
    case Recipe::Measure::kFP: value = fp; break;
    case Recipe::Measure::kTN: value = tn; break;
    case Recipe::Measure::kFN: value = fn; break;
  }
  return r.scale * value;
}

// 100 * acc + 100 * acc+, where acc+ counts images whose questions are all
// right. Cluster draws put an image's questions next to each other in
// increasing sample order, so a new image starts when the cluster changes or
// the sample order restarts (the same image drawn twice in a row).
double MmeScore(const SampleTable& t, const Outcomes& o, const std::vector<uint32_t>& indices) {
  if (indices.empty() || t.clusters.empty()) return std::nan("");
  double correct = 0, images = 0, images_correct = 0;
  bool image_correct = true;
  for (size_t k = 0; k < indices.size(); ++k) {
    const uint32_t i = indices[k];
    const bool right = o.counted[i] && o.score[i] >= 1.0;
    correct += right;
    if (k == 0 || t.clusters[i] != t.clusters[indices[k - 1]] || i <= indices[k - 1]) {
      if (k > 0) images_correct += image_correct;
      images += 1;
      image_correct = true;
    }
    image_correct = image_correct && right;
  }
  images_correct += image_correct;
  return 100.0 * correct / static_cast<double>(indices.size()) + 100.0 * images_correct / images;
}

double EvaluateKind(const Recipe& r, const SampleTable& t, const Outcomes& o,
                    const std::vector<uint32_t>& indices) {
  switch (r.kind) {
    case Recipe::Kind::kMean: return Mean(r, o, indices);
    case Recipe::Kind::kYesNo: return YesNoMeasure(r, t, o, indices);
    case Recipe::Kind::kMmeScore: return MmeScore(t, o, indices);
  }
  return std::nan("");
}

bool Reproduces(double recomputed, double reported) {
  return std::isfinite(recomputed) &&
         std::fabs(recomputed - reported) <= 1e-6 * std::max(1.0, std::fabs(reported));
}

std::vector<Recipe::Measure> MeasuresFor(const std::string& leaf) {
  using M = Recipe::Measure;
  if (leaf == "TP") return {M::kTP};
  if (leaf == "FP") return {M::kFP};
  if (leaf == "TN") return {M::kTN};
  if (leaf == "FN") return {M::kFN};
  const std::string name = Lower(leaf);
  if (name.find("f1") != std::string::npos) return {M::kF1};
  if (name.find("prec") != std::string::npos) return {M::kPrecision};
  if (name.find("recall") != std::string::npos) return {M::kRecall};
  if (name.find("yes") != std::string::npos) return {M::kYesRatio};
  if (name.find("acc") != std::string::npos) return {M::kAccuracy};
  return {M::kF1, M::kAccuracy, M::kPrecision, M::kRecall, M::kYesRatio};
}

const char* MeasureName(Recipe::Measure m) {
  switch (m) {
    case Recipe::Measure::kAccuracy: return "accuracy";
    case Recipe::Measure::kPrecision: return "precision";
    case Recipe::Measure::kRecall: return "recall";
    case Recipe::Measure::kF1: return "F1";
    case Recipe::Measure::kYesRatio: return "yes ratio";
    case Recipe::Measure::kTP: return "true positives";
    case Recipe::Measure::kFP: return "false positives";
    case Recipe::Measure::kTN: return "true negatives";
    case Recipe::Measure::kFN: return "false negatives";
  }
  return "";
}

std::string FormatScale(double scale) { return scale == 1.0 ? "" : "100 x "; }

}  // namespace

const std::vector<std::string>& CategoryFields() {
  static const std::vector<std::string> kFields = {
      "category", "l2_category", "l2-category", "split", "subtask", "capability", "answer_type",
      "question_type", "data_type"};
  return kFields;
}

const std::vector<std::string>& ClusterFields() {
  static const std::vector<std::string> kFields = {"image_id", "image"};
  return kFields;
}

SampleTable BuildSampleTable(const ScoreResult& first, const std::string& cluster_field) {
  SampleTable table;
  const size_t n = first.per_sample.size();
  table.ids.reserve(n);
  for (const auto& s : first.per_sample) table.ids.push_back(s.id);
  for (const auto& field : CategoryFields()) {
    SampleTable::Categorical categorical;
    categorical.value.assign(n, -1);
    std::unordered_map<std::string, int32_t> index;
    for (size_t i = 0; i < n; ++i) {
      const std::string value = DetailText(first.per_sample[i].detail, field);
      if (value.empty()) continue;
      auto [it, added] = index.emplace(value, static_cast<int32_t>(categorical.names.size()));
      if (added) categorical.names.push_back(value);
      categorical.value[i] = it->second;
    }
    if (!categorical.names.empty()) table.categories.emplace(field, std::move(categorical));
  }
  std::vector<std::string> cluster_candidates;
  if (cluster_field.empty()) {
    cluster_candidates = ClusterFields();
  } else if (cluster_field != "none") {
    cluster_candidates = {cluster_field};
  }
  for (const auto& field : cluster_candidates) {
    std::vector<std::string> keys(n);
    bool complete = n > 0;
    for (size_t i = 0; i < n && complete; ++i) {
      keys[i] = DetailText(first.per_sample[i].detail, field);
      complete = !keys[i].empty();
    }
    if (!complete) continue;
    std::unordered_map<std::string, uint32_t> index;
    table.clusters.resize(n);
    for (size_t i = 0; i < n; ++i) {
      table.clusters[i] = index.emplace(keys[i], static_cast<uint32_t>(index.size())).first->second;
    }
    table.cluster_field = field;
    break;
  }
  table.label_yes.assign(n, -1);
  for (size_t i = 0; i < n; ++i) {
    table.label_yes[i] = YesNo(DetailText(first.per_sample[i].detail, "label"));
    table.has_labels = table.has_labels || table.label_yes[i] >= 0;
  }
  return table;
}

Outcomes BuildOutcomes(const SampleTable& table, const ScoreResult& result) {
  std::unordered_map<std::string_view, const SampleScore*> by_id;
  for (const auto& s : result.per_sample) by_id.emplace(s.id, &s);
  const size_t n = table.ids.size();
  Outcomes o;
  o.score.assign(n, 0.0);
  o.counted.assign(n, 0);
  o.answered.assign(n, 0);
  o.says_yes.assign(n, -1);
  for (size_t i = 0; i < n; ++i) {
    auto it = by_id.find(table.ids[i]);
    if (it == by_id.end()) continue;
    const SampleScore& s = *it->second;
    const bool failed = s.status == SampleStatus::kFailed;
    o.answered[i] = !failed;
    o.counted[i] = !failed && std::isfinite(s.score);
    o.score[i] = o.counted[i] ? s.score : 0.0;
    o.says_yes[i] = YesNo(s.extracted);
  }
  return o;
}

std::string Recipe::Describe() const {
  std::string text;
  switch (kind) {
    case Kind::kMean:
      text = FormatScale(scale) + "mean per-sample score over " +
             (include_failed ? "all samples (failed = 0)" : "samples not failed");
      break;
    case Kind::kYesNo:
      text = FormatScale(scale) + MeasureName(measure) + " of yes/no answers against 'label'";
      break;
    case Kind::kMmeScore:
      text = "MME score 100*acc + 100*acc+ (acc+ per image)";
      break;
  }
  if (!field.empty()) {
    const char* how = combine == Combine::kPooled     ? " where "
                      : combine == Combine::kMeanOfEach ? ", averaged over "
                                                        : ", summed over ";
    text += how + field + " in {";
    for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + values[i];
    text += "}";
  }
  return text;
}

Recipe Recipe::ForCategory(const std::string& category_field, const std::string& value) const {
  Recipe r = *this;
  r.field = category_field;
  r.values = {value};
  r.combine = Combine::kPooled;
  return r;
}

double Evaluate(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes,
                const std::vector<uint32_t>& indices) {
  if (recipe.field.empty()) return EvaluateKind(recipe, table, outcomes, indices);
  std::vector<uint32_t> subset;
  if (recipe.combine == Recipe::Combine::kPooled) {
    Restrict(recipe, table, recipe.values, indices, &subset);
    return EvaluateKind(recipe, table, outcomes, subset);
  }
  double total = 0.0;
  for (const auto& value : recipe.values) {
    Restrict(recipe, table, {value}, indices, &subset);
    total += EvaluateKind(recipe, table, outcomes, subset);
  }
  return recipe.combine == Recipe::Combine::kSumOfEach
             ? total
             : total / static_cast<double>(recipe.values.size());
}

double EvaluateAll(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes) {
  std::vector<uint32_t> all(table.ids.size());
  std::iota(all.begin(), all.end(), 0u);
  return Evaluate(recipe, table, outcomes, all);
}

void MeanRatioTerms(const Recipe& recipe, const SampleTable& table, const Outcomes& outcomes,
                    std::vector<double>* numerator, std::vector<double>* denominator) {
  numerator->assign(table.ids.size(), 0.0);
  denominator->assign(table.ids.size(), 0.0);
  for (uint32_t i : RecipeSamples(recipe, table)) {
    if (outcomes.counted[i]) {
      (*numerator)[i] = outcomes.score[i];
      (*denominator)[i] = 1.0;
    } else if (recipe.include_failed) {
      (*denominator)[i] = 1.0;
    }
  }
}

std::vector<uint32_t> RecipeSamples(const Recipe& recipe, const SampleTable& table) {
  std::vector<uint32_t> all(table.ids.size());
  std::iota(all.begin(), all.end(), 0u);
  if (recipe.field.empty()) return all;
  std::vector<uint32_t> subset;
  Restrict(recipe, table, recipe.values, all, &subset);
  return subset;
}

std::optional<Recipe> FindRecipe(const SampleTable& table, const std::vector<const Outcomes*>& outcomes,
                                 const std::vector<double>& reported,
                                 const std::vector<std::string>& path) {
  std::vector<Recipe> candidates;
  const std::string leaf = path.empty() ? "" : path.back();
  auto add_means = [&](const std::string& field, const std::vector<std::string>& values) {
    for (bool include_failed : {false, true}) {
      for (double scale : {100.0, 1.0}) {
        Recipe r;
        r.scale = scale;
        r.include_failed = include_failed;
        r.field = field;
        r.values = values;
        candidates.push_back(r);
      }
    }
  };
  auto add_yes_no = [&](const std::string& field, const std::vector<std::string>& values,
                        Recipe::Combine combine) {
    if (!table.has_labels) return;
    for (auto measure : MeasuresFor(leaf)) {
      for (double scale : {1.0, 100.0}) {
        Recipe r;
        r.kind = Recipe::Kind::kYesNo;
        r.measure = measure;
        r.scale = scale;
        r.field = field;
        r.values = values;
        r.combine = combine;
        candidates.push_back(r);
      }
    }
  };
  auto add_mme = [&](const std::string& field, const std::vector<std::string>& values,
                     Recipe::Combine combine) {
    if (table.clusters.empty()) return;
    Recipe r;
    r.kind = Recipe::Kind::kMmeScore;
    r.field = field;
    r.values = values;
    r.combine = combine;
    candidates.push_back(r);
  };

  add_means("", {});
  add_yes_no("", {}, Recipe::Combine::kPooled);
  for (const auto& [field, categorical] : table.categories) {
    // A path segment naming a category value: the metric of that category.
    for (const auto& value : categorical.names) {
      if (std::find(path.begin(), path.end(), value) == path.end()) continue;
      add_means(field, {value});
      add_yes_no(field, {value}, Recipe::Combine::kPooled);
      add_mme(field, {value}, Recipe::Combine::kPooled);
    }
    add_yes_no(field, categorical.names, Recipe::Combine::kMeanOfEach);
    // MME totals: perception, cognition, or every subtask.
    std::vector<std::string> perception, cognition;
    for (const auto& value : categorical.names) {
      if (std::count(kMmePerception.begin(), kMmePerception.end(), value)) perception.push_back(value);
      if (std::count(kMmeCognition.begin(), kMmeCognition.end(), value)) cognition.push_back(value);
    }
    const std::string joined = Lower(JoinPath(path));
    if (!perception.empty() && joined.find("percep") != std::string::npos) {
      add_mme(field, perception, Recipe::Combine::kSumOfEach);
    }
    if (!cognition.empty() && joined.find("cogni") != std::string::npos) {
      add_mme(field, cognition, Recipe::Combine::kSumOfEach);
    }
    add_mme(field, categorical.names, Recipe::Combine::kSumOfEach);
  }

  for (const Recipe& recipe : candidates) {
    bool all = !outcomes.empty();
    for (size_t m = 0; m < outcomes.size() && all; ++m) {
      all = Reproduces(EvaluateAll(recipe, table, *outcomes[m]), reported[m]);
    }
    if (all) return recipe;
  }
  return std::nullopt;
}

bool IsBinary(const Recipe& recipe, const std::vector<const Outcomes*>& outcomes) {
  if (recipe.kind != Recipe::Kind::kMean) return false;
  for (const Outcomes* o : outcomes) {
    for (size_t i = 0; i < o->score.size(); ++i) {
      if (o->counted[i] && o->score[i] != 0.0 && o->score[i] != 1.0) return false;
    }
  }
  return true;
}

std::vector<std::pair<std::vector<std::string>, double>> NumericLeaves(const nlohmann::json& metrics) {
  std::vector<std::pair<std::vector<std::string>, double>> leaves;
  std::vector<std::string> path;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    for (const auto& [key, value] : node.items()) {
      path.push_back(key);
      if (value.is_object()) {
        walk(value);
      } else if (value.is_number()) {
        leaves.emplace_back(path, value.get<double>());
      }
      path.pop_back();
    }
  };
  if (metrics.is_object()) walk(metrics);
  return leaves;
}

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) out += (i ? "/" : "") + path[i];
  return out;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::optional<double> MetricAt(const nlohmann::json& metrics, const std::vector<std::string>& path) {
  const nlohmann::json* node = &metrics;
  for (const auto& key : path) {
    if (!node->is_object()) return std::nullopt;
    auto it = node->find(key);
    if (it == node->end()) return std::nullopt;
    node = &*it;
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::optional<double> MetricAt(const nlohmann::json& metrics, const std::string& joined_path) {
  if (metrics.is_number() && joined_path.empty()) return metrics.get<double>();
  if (!metrics.is_object()) return std::nullopt;
  for (size_t end = joined_path.size();; end = joined_path.rfind('/', end - 1)) {
    auto it = metrics.find(joined_path.substr(0, end));
    if (it != metrics.end()) {
      auto value = MetricAt(*it, end == joined_path.size() ? std::string() : joined_path.substr(end + 1));
      if (value) return value;
    }
    if (end == 0 || end == std::string::npos || joined_path.rfind('/', end - 1) == std::string::npos) break;
  }
  return std::nullopt;
}

MetricEstimate EstimateMetric(const ScoreResult& result, double reported,
                              const std::vector<std::string>& path, const std::string& cluster_field,
                              const stats::ResampleOptions& options) {
  MetricEstimate estimate;
  estimate.value = reported;
  SampleTable table = BuildSampleTable(result, cluster_field);
  Outcomes outcomes = BuildOutcomes(table, result);
  estimate.recipe = FindRecipe(table, {&outcomes}, {reported}, path);
  if (!estimate.recipe) return estimate;
  const Recipe recipe = *estimate.recipe;
  if (recipe.kind == Recipe::Kind::kMean) {
    std::vector<double> numerator, denominator;
    MeanRatioTerms(recipe, table, outcomes, &numerator, &denominator);
    stats::Estimate e = stats::BootstrapRatio(stats::SumByCluster(numerator, denominator, table.clusters),
                                              recipe.scale, options);
    if (e.resamples > 0) estimate.ci = e.ci;
    return estimate;
  }
  stats::Estimate e = stats::BootstrapInterval(
      table.ids.size(),
      [&](const std::vector<uint32_t>& idx) { return Evaluate(recipe, table, outcomes, idx); },
      table.clusters, options);
  if (e.resamples > 0) estimate.ci = e.ci;
  return estimate;
}

}  // namespace svit

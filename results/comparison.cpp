#include "results/comparison.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/sha256.h"
#include "results/recompute.h"

namespace svit {
namespace {

std::string Short(const std::string& hash) { return hash.size() > 12 ? hash.substr(0, 12) + "..." : hash; }

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Headline metrics: the numeric leaves at the shallowest depth that has any.
std::vector<std::vector<std::string>> MetricPaths(const nlohmann::json& base,
                                                  const nlohmann::json& candidate, bool all) {
  std::vector<std::vector<std::string>> paths;
  auto leaves = NumericLeaves(base);
  size_t min_depth = SIZE_MAX;
  for (const auto& [path, value] : leaves) {
    if (MetricAt(candidate, path)) min_depth = std::min(min_depth, path.size());
  }
  for (const auto& [path, value] : leaves) {
    if (!MetricAt(candidate, path)) continue;
    if (all || path.size() == min_depth) paths.push_back(path);
  }
  return paths;
}

Outcomes Mix(const Outcomes& keep, const Outcomes& other, const std::vector<uint8_t>& swapped) {
  Outcomes mixed = keep;
  for (size_t i = 0; i < swapped.size(); ++i) {
    if (!swapped[i]) continue;
    mixed.score[i] = other.score[i];
    mixed.counted[i] = other.counted[i];
    mixed.answered[i] = other.answered[i];
    mixed.says_yes[i] = other.says_yes[i];
  }
  return mixed;
}

Verdict Decide(Direction direction, double delta, std::optional<double> p_adjusted, double alpha) {
  if (!p_adjusted) return Verdict::kUntested;
  if (*p_adjusted >= alpha || delta == 0.0) return Verdict::kNoSignificantChange;
  if (direction == Direction::kNeutral) return Verdict::kChanged;
  const bool up = delta > 0;
  return (up == (direction == Direction::kHigherIsBetter)) ? Verdict::kBetter : Verdict::kWorse;
}

// Fills the statistics of `row` for `recipe` over the aligned samples.
void Analyse(const Recipe& recipe, const SampleTable& table, const Outcomes& base,
             const Outcomes& candidate, const CompareOptions& options, MetricRow* row) {
  row->recipe = recipe.Describe();
  const std::vector<uint32_t> looked_at = RecipeSamples(recipe, table);
  row->samples = looked_at.size();
  const bool binary = IsBinary(recipe, {&base, &candidate}) && table.clusters.empty();
  if (binary) {
    uint64_t base_only = 0, candidate_only = 0;
    for (uint32_t i : looked_at) {
      if (!base.counted[i] || !candidate.counted[i]) continue;
      base_only += base.score[i] > candidate.score[i];
      candidate_only += candidate.score[i] > base.score[i];
    }
    row->p_value = stats::ExactMcNemar(base_only, candidate_only);
    row->method = "mcnemar-exact";
  }
  const std::string clusters_note = table.clusters.empty() ? "" : " (clusters: " + table.cluster_field + ")";
  if (recipe.kind == Recipe::Kind::kMean) {
    // Means are ratios of sums: bootstrap and permutation over cluster sums.
    std::vector<double> numerator, denominator;
    MeanRatioTerms(recipe, table, base, &numerator, &denominator);
    const stats::ClusterSums base_sums = stats::SumByCluster(numerator, denominator, table.clusters);
    MeanRatioTerms(recipe, table, candidate, &numerator, &denominator);
    const stats::ClusterSums candidate_sums = stats::SumByCluster(numerator, denominator, table.clusters);
    stats::PairedRatioResult r = stats::PairedRatio(base_sums, candidate_sums, recipe.scale, options.resample, !binary);
    if (r.base.resamples) row->base_ci = r.base.ci;
    if (r.candidate.resamples) row->candidate_ci = r.candidate.ci;
    if (r.bootstrap.resamples) row->delta_ci = r.bootstrap.ci;
    if (!binary) {
      row->p_value = r.permutation.p_value;
      row->method = std::string(r.permutation.exact ? "permutation-exact" : "permutation") + clusters_note;
    }
    return;
  }
  const size_t n = table.ids.size();
  const auto& clusters = table.clusters;
  auto value = [&](const Outcomes& o) {
    return [&](const std::vector<uint32_t>& idx) { return Evaluate(recipe, table, o, idx); };
  };
  stats::Estimate b = stats::BootstrapInterval(n, value(base), clusters, options.resample);
  stats::Estimate c = stats::BootstrapInterval(n, value(candidate), clusters, options.resample);
  if (b.resamples) row->base_ci = b.ci;
  if (c.resamples) row->candidate_ci = c.ci;
  stats::PairedResult paired = stats::PairedBootstrap(
      n,
      [&](const std::vector<uint32_t>& idx) {
        return Evaluate(recipe, table, candidate, idx) - Evaluate(recipe, table, base, idx);
      },
      clusters, options.resample);
  if (paired.resamples) row->delta_ci = paired.ci;
  stats::PairedResult permutation = stats::PairedPermutation(
      n,
      [&](const std::vector<uint8_t>& swapped) {
        const Outcomes b2 = Mix(base, candidate, swapped);
        const Outcomes c2 = Mix(candidate, base, swapped);
        return EvaluateAll(recipe, table, c2) - EvaluateAll(recipe, table, b2);
      },
      clusters, options.resample);
  row->p_value = permutation.p_value;
  row->method = std::string(permutation.exact ? "permutation-exact" : "permutation") + clusters_note;
}

ChangedSample MakeChanged(const SampleScore& b, const SampleScore& c, const SampleTable& table,
                          size_t index) {
  ChangedSample changed;
  changed.id = b.id;
  changed.base_score = b.score;
  changed.candidate_score = c.score;
  changed.base_status = SampleStatusName(b.status);
  changed.candidate_status = SampleStatusName(c.status);
  changed.base_prediction = b.prediction;
  changed.candidate_prediction = c.prediction;
  for (const auto& [field, categorical] : table.categories) {
    if (categorical.value[index] >= 0) {
      changed.category = categorical.names[categorical.value[index]];
      break;
    }
  }
  return changed;
}

double ScoreOrZero(double score) { return std::isfinite(score) ? score : 0.0; }

void CompareTask(const TaskResult& base_task, const TaskResult& candidate_task,
                 const CompareOptions& options, TaskComparison* out) {
  const ScoreResult& base_score = base_task.score;
  const ScoreResult& candidate_score = candidate_task.score;
  out->task = base_score.task;

  // Align on the ids both runs have (all of them unless a mismatch was allowed).
  std::unordered_map<std::string_view, const SampleScore*> candidate_by_id;
  for (const auto& s : candidate_score.per_sample) candidate_by_id.emplace(s.id, &s);
  ScoreResult common;
  common.task = base_score.task;
  for (const auto& s : base_score.per_sample) {
    if (candidate_by_id.count(s.id)) common.per_sample.push_back(s);
  }
  SampleTable table = BuildSampleTable(common, options.cluster_field);
  Outcomes base = BuildOutcomes(table, base_score);
  Outcomes candidate = BuildOutcomes(table, candidate_score);
  out->cluster_field = table.cluster_field;

  std::optional<Recipe> first_recipe;
  for (const auto& path : MetricPaths(base_score.metrics_unrounded, candidate_score.metrics_unrounded,
                                      options.all_metrics)) {
    MetricRow row;
    row.task = out->task;
    row.metric = JoinPath(path);
    row.headline = true;
    row.base = *MetricAt(base_score.metrics_unrounded, path);
    row.candidate = *MetricAt(candidate_score.metrics_unrounded, path);
    row.delta = row.candidate - row.base;
    row.samples = table.ids.size();
    auto recipe = FindRecipe(table, {&base, &candidate}, {row.base, row.candidate}, path);
    if (recipe) {
      if (!first_recipe) first_recipe = recipe;
      Analyse(*recipe, table, base, candidate, options, &row);
    } else {
      row.recipe = "not reproducible from the per-sample records: no interval or test";
    }
    out->metrics.push_back(std::move(row));
  }

  // Breakdowns: the task's own statistic within each category.
  Recipe per_category;
  if (first_recipe) per_category = *first_recipe;
  for (const auto& [field, categorical] : table.categories) {
    if (categorical.names.size() < 2 || categorical.names.size() > 200) continue;
    for (const auto& value : categorical.names) {
      Recipe recipe = per_category.ForCategory(field, value);
      MetricRow row;
      row.task = out->task;
      row.metric = field + "=" + value;
      row.breakdown_field = field;
      row.base = EvaluateAll(recipe, table, base);
      row.candidate = EvaluateAll(recipe, table, candidate);
      row.delta = row.candidate - row.base;
      if (!std::isfinite(row.base) || !std::isfinite(row.candidate)) continue;
      Analyse(recipe, table, base, candidate, options, &row);
      out->breakdowns.push_back(std::move(row));
    }
  }

  for (size_t i = 0; i < common.per_sample.size(); ++i) {
    const SampleScore& b = common.per_sample[i];
    const SampleScore& c = *candidate_by_id.at(b.id);
    const double delta = ScoreOrZero(c.score) - ScoreOrZero(b.score);
    if (delta == 0.0 && b.status == c.status) continue;
    ++out->changed_total;
    if (delta > 0) ++out->improved;
    if (delta < 0) ++out->regressed;
    out->changed.push_back(MakeChanged(b, c, table, i));
  }
  std::stable_sort(out->changed.begin(), out->changed.end(), [](const auto& a, const auto& b) {
    return std::fabs(ScoreOrZero(a.candidate_score) - ScoreOrZero(a.base_score)) >
           std::fabs(ScoreOrZero(b.candidate_score) - ScoreOrZero(b.base_score));
  });
  if (out->changed.size() > options.max_changed_samples) out->changed.resize(options.max_changed_samples);
  if (common.per_sample.size() != base_score.per_sample.size() ||
      common.per_sample.size() != candidate_score.per_sample.size()) {
    out->notes.push_back("compared on the " + std::to_string(common.per_sample.size()) +
                         " samples both runs have");
  }
}

void AdjustAndDecide(std::vector<MetricRow*> family, double alpha) {
  std::vector<double> p;
  std::vector<MetricRow*> tested;
  for (MetricRow* row : family) {
    if (row->p_value) {
      p.push_back(*row->p_value);
      tested.push_back(row);
    }
  }
  std::vector<double> adjusted = stats::HolmAdjust(p);
  for (size_t i = 0; i < tested.size(); ++i) tested[i]->p_adjusted = adjusted[i];
  for (MetricRow* row : family) {
    row->verdict = Decide(MetricDirection(row->metric), row->delta, row->p_adjusted, alpha);
  }
}

nlohmann::json IntervalJson(const std::optional<stats::Interval>& ci) {
  if (!ci) return nullptr;
  return nlohmann::json::array({ci->low, ci->high});
}

nlohmann::json RowJson(const MetricRow& row) {
  nlohmann::json j = {{"task", row.task},           {"metric", row.metric},
                      {"headline", row.headline},   {"base", row.base},
                      {"candidate", row.candidate}, {"delta", row.delta},
                      {"base_ci", IntervalJson(row.base_ci)},
                      {"candidate_ci", IntervalJson(row.candidate_ci)},
                      {"delta_ci", IntervalJson(row.delta_ci)},
                      {"method", row.method},       {"recipe", row.recipe},
                      {"samples", row.samples},     {"verdict", VerdictName(row.verdict)}};
  j["p_value"] = row.p_value ? nlohmann::json(*row.p_value) : nlohmann::json(nullptr);
  j["p_adjusted"] = row.p_adjusted ? nlohmann::json(*row.p_adjusted) : nlohmann::json(nullptr);
  if (!row.breakdown_field.empty()) j["breakdown_field"] = row.breakdown_field;
  return j;
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBetter: return "better";
    case Verdict::kWorse: return "worse";
    case Verdict::kNoSignificantChange: return "no significant change";
    case Verdict::kChanged: return "changed";
    case Verdict::kUntested: return "not tested";
  }
  return "";
}

Direction MetricDirection(const std::string& metric_path) {
  std::string leaf = metric_path.substr(metric_path.rfind('/') == std::string::npos
                                            ? 0
                                            : metric_path.rfind('/') + 1);
  if (leaf == "FP" || leaf == "FN") return Direction::kLowerIsBetter;
  leaf = Lower(leaf);
  if (leaf.find("yes_ratio") != std::string::npos || leaf.find("yes ratio") != std::string::npos) {
    return Direction::kNeutral;
  }
  // Whole words only: "answer_type=number" is not a word error rate.
  std::string word;
  for (size_t i = 0; i <= leaf.size(); ++i) {
    char c = i < leaf.size() ? leaf[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
      continue;
    }
    for (const char* lower_better : {"error", "errors", "wer", "loss", "failed", "missing", "unparseable"}) {
      if (word == lower_better) return Direction::kLowerIsBetter;
    }
    word.clear();
  }
  return Direction::kHigherIsBetter;
}

namespace {

// The judge's identity shortened for a message: its requested model and a hash of the rest.
std::string JudgeLabel(const std::string& identity) {
  if (identity.empty()) return "no judge";
  size_t end = identity.find(' ');
  return identity.substr(0, end) + " #" + Sha256Hex(identity).substr(0, 8);
}

}  // namespace

std::vector<std::string> ProtocolDifferences(const RunSet& base, const RunSet& candidate) {
  std::vector<std::string> differences;
  for (const auto& [name, b] : base.tasks) {
    auto it = candidate.tasks.find(name);
    if (it == candidate.tasks.end()) continue;
    const TaskResult& c = it->second;
    auto check = [&](const char* what, const std::string& x, const std::string& y) {
      if (!x.empty() && !y.empty() && x != y) {
        differences.push_back(name + ": " + what + " differs (" + Short(x) + " vs " + Short(y) + ")");
      }
    };
    check("prompt_template_sha256", b.protocol.prompt_template_sha256, c.protocol.prompt_template_sha256);
    check("dataset_sha256", b.protocol.dataset_sha256, c.protocol.dataset_sha256);
    if (b.protocol.judge != c.protocol.judge) {
      differences.push_back(name + ": judge differs (" + JudgeLabel(b.protocol.judge) + " vs " +
                            JudgeLabel(c.protocol.judge) + ")");
    }
    std::unordered_set<std::string_view> base_ids, candidate_ids;
    for (const auto& s : b.score.per_sample) base_ids.insert(s.id);
    for (const auto& s : c.score.per_sample) candidate_ids.insert(s.id);
    std::vector<std::string> only_base, only_candidate;
    for (const auto& s : b.score.per_sample) {
      if (!candidate_ids.count(s.id)) only_base.push_back(s.id);
    }
    for (const auto& s : c.score.per_sample) {
      if (!base_ids.count(s.id)) only_candidate.push_back(s.id);
    }
    if (!only_base.empty() || !only_candidate.empty()) {
      std::string line = name + ": sample sets differ (" + std::to_string(only_base.size()) +
                         " only in base, " + std::to_string(only_candidate.size()) +
                         " only in candidate";
      if (!only_base.empty()) line += "; e.g. " + only_base.front();
      else line += "; e.g. " + only_candidate.front();
      differences.push_back(line + ")");
    }
  }
  return differences;
}

Status CompareRuns(const RunSet& base, const RunSet& candidate, const CompareOptions& options,
                   Comparison* out) {
  *out = Comparison();
  out->options = options;
  out->base_run = base.run_id;
  out->candidate_run = candidate.run_id;
  out->base_model = base.model_name;
  out->candidate_model = candidate.model_name;
  std::vector<std::string> common;
  for (const auto& [name, task] : base.tasks) {
    if (candidate.tasks.count(name)) {
      common.push_back(name);
    } else {
      out->only_in_base.push_back(name);
    }
  }
  for (const auto& [name, task] : candidate.tasks) {
    if (!base.tasks.count(name)) out->only_in_candidate.push_back(name);
  }
  if (common.empty()) {
    return Status::InvalidInput("runs " + base.run_id + " and " + candidate.run_id +
                                " have no task in common");
  }
  std::vector<std::string> differences = ProtocolDifferences(base, candidate);
  if (!differences.empty() && !options.allow_protocol_mismatch) {
    std::string message = "refusing to compare runs whose protocols differ:";
    for (const auto& d : differences) message += "\n  " + d;
    message += "\n(pass --allow-protocol-mismatch to compare anyway)";
    return Status::InvalidInput(message);
  }
  out->protocol_differences = differences;

  for (const auto& name : common) {
    TaskComparison task;
    CompareTask(base.tasks.at(name), candidate.tasks.at(name), options, &task);
    out->tasks.push_back(std::move(task));
  }
  // Holm across the suite's metrics; each task's breakdown by one field is
  // its own family.
  std::vector<MetricRow*> suite;
  for (auto& task : out->tasks) {
    for (auto& row : task.metrics) suite.push_back(&row);
    std::map<std::string, std::vector<MetricRow*>> families;
    for (auto& row : task.breakdowns) families[row.breakdown_field].push_back(&row);
    for (auto& [field, family] : families) AdjustAndDecide(family, options.alpha);
  }
  AdjustAndDecide(suite, options.alpha);
  return Status::OK();
}

nlohmann::json ComparisonToJson(const Comparison& c) {
  nlohmann::json j;
  j["base"] = {{"run_id", c.base_run}, {"model", c.base_model}};
  j["candidate"] = {{"run_id", c.candidate_run}, {"model", c.candidate_model}};
  j["settings"] = {{"resamples", c.options.resample.resamples},
                   {"seed", c.options.resample.seed},
                   {"confidence", c.options.resample.confidence},
                   {"alpha", c.options.alpha}};
  j["only_in_base"] = c.only_in_base;
  j["only_in_candidate"] = c.only_in_candidate;
  j["protocol_differences"] = c.protocol_differences;
  j["tasks"] = nlohmann::json::array();
  for (const auto& t : c.tasks) {
    nlohmann::json task = {{"task", t.task},
                           {"cluster_field", t.cluster_field},
                           {"changed_total", t.changed_total},
                           {"improved", t.improved},
                           {"regressed", t.regressed},
                           {"notes", t.notes}};
    task["metrics"] = nlohmann::json::array();
    for (const auto& row : t.metrics) task["metrics"].push_back(RowJson(row));
    task["breakdowns"] = nlohmann::json::array();
    for (const auto& row : t.breakdowns) task["breakdowns"].push_back(RowJson(row));
    task["changed"] = nlohmann::json::array();
    for (const auto& s : t.changed) {
      task["changed"].push_back({{"id", s.id},
                                 {"category", s.category},
                                 {"base_score", std::isfinite(s.base_score) ? nlohmann::json(s.base_score) : nlohmann::json(nullptr)},
                                 {"candidate_score", std::isfinite(s.candidate_score) ? nlohmann::json(s.candidate_score) : nlohmann::json(nullptr)},
                                 {"base_status", s.base_status},
                                 {"candidate_status", s.candidate_status},
                                 {"base_prediction", s.base_prediction},
                                 {"candidate_prediction", s.candidate_prediction}});
    }
    j["tasks"].push_back(std::move(task));
  }
  return j;
}

}  // namespace svit

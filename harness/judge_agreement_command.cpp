// `svit-eval judge-agreement A B`: how well two judges agree on the same
// judged task over the same samples and answers: Cohen's kappa on each
// sample's label and Krippendorff's alpha (interval metric) on its score
// (metrics/judge_agreement.h). Samples a judge did not score (unparsable,
// refused, failed, missing) on either side are excluded and counted.
#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <unordered_map>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "metrics/judge_agreement.h"
#include "results/run_set.h"
#include "tasks/prediction_files.h"

namespace po = boost::program_options;

namespace svit {
namespace {

constexpr const char* kCommand = "judge-agreement";

int Fail(const Status& status) { return ReportFailure(kCommand, status); }

void PrintHelp() {
  std::printf(
      "usage: svit-eval judge-agreement A B [--task NAME] [--output agreement.json]\n\n"
      "How well two judges agree on the same judged task, samples and answers. A and B are\n"
      "results of 'svit-eval score --output' (or run folders / run.json whose task entries\n"
      "carry the judge's identity), each judged by a different judge. Prints the number of\n"
      "samples compared, the samples excluded because either judge did not score them\n"
      "(unparsable, refused, failed, missing), both judges' identities, and:\n"
      "  Cohen's kappa on each sample's label:\n"
      "    llava-bench  who the review prefers: model, tie or reference (the model's score\n"
      "                 against the reference answer's score)\n"
      "    mm-vet       correct (grade 1.0), partial (between), incorrect (grade 0.0)\n"
      "    other tasks  the per-sample score itself (e.g. 1 / 0 for a judged choice)\n"
      "  Krippendorff's alpha (interval metric) on each sample's score (llava-bench: the\n"
      "  model's score 1-10; mm-vet: the grade 0-1).\n"
      "Both results must be of the same task with the same sample ids and the same answers\n"
      "(exit 2 otherwise). Two results from the same judge model are compared with a\n"
      "warning: that measures the judge's consistency with itself, not agreement between judges.\n\n"
      "  --task NAME          the task to compare when a run holds several judged tasks\n"
      "  --output, -o FILE    write {task, a, b, items, compared, excluded, labels {definition,\n"
      "                       cohen_kappa, observed_agreement, pairs}, scores {definition,\n"
      "                       krippendorff_alpha_interval, mean_absolute_difference}, notes}\n\n"
      "Exit codes: 0 ok, 2 usage or bad input.\n");
}

struct Side {
  std::string name;  // "A" or "B"
  std::string path;
  TaskResult result;
};

Status LoadSide(const std::string& name, const std::string& path, const std::string& task, Side* side) {
  side->name = name;
  side->path = path;
  RunSet run;
  SVIT_RETURN_IF_ERROR(LoadRunSet(path, &run));
  std::vector<std::string> judged;
  for (const auto& [task_name, result] : run.tasks) {
    if (!result.score.judge.is_null()) judged.push_back(task_name);
  }
  std::string chosen = task;
  if (chosen.empty()) {
    if (run.tasks.size() == 1) {
      chosen = run.tasks.begin()->first;
    } else if (judged.size() == 1) {
      chosen = judged[0];
    } else {
      return Status::InvalidInput(path + ": holds " + std::to_string(judged.size()) + " judged tasks (" +
                                  FormatIdList(judged) + "); name one with --task");
    }
  }
  auto it = run.tasks.find(chosen);
  if (it == run.tasks.end()) return Status::InvalidInput(path + ": has no result for task " + chosen);
  side->result = std::move(it->second);
  if (side->result.score.judge.is_null()) {
    return Status::InvalidInput(path + ": the " + chosen +
                                " result records no judge (field 'judge'); judge agreement needs judged results");
  }
  return Status::OK();
}

// The kind of label and score a task's samples carry.
struct LabelRule {
  std::string label_definition;
  std::string score_definition;
};

LabelRule RuleFor(const std::string& task) {
  if (task == "llava-bench") {
    return {"who the review prefers: model, tie or reference", "the model's review score, 1-10"};
  }
  if (task == "mm-vet") return {"the grade: correct (1.0), partial or incorrect (0.0)", "the grade, 0-1"};
  return {"the per-sample score as a label", "the per-sample score"};
}

std::string ScoreText(double score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", score);
  return text;
}

Status LabelOf(const std::string& task, const SampleScore& s, const std::string& where, std::string* label) {
  if (!std::isfinite(s.score)) {
    return Status::InvalidInput(where + ": sample " + s.id + " has status answered but no numeric score");
  }
  if (task == "llava-bench") {
    const nlohmann::json* reference = s.detail.is_object() && s.detail.contains("reference_score")
                                          ? &s.detail["reference_score"]
                                          : nullptr;
    if (!reference || !reference->is_number()) {
      return Status::InvalidInput(where + ": sample " + s.id + " is scored but has no number 'reference_score'");
    }
    double ref = reference->get<double>();
    *label = s.score > ref ? "model" : s.score < ref ? "reference" : "tie";
  } else if (task == "mm-vet") {
    *label = s.score >= 1.0 ? "correct" : s.score <= 0.0 ? "incorrect" : "partial";
  } else {
    *label = ScoreText(s.score);
  }
  return Status::OK();
}

// Same requested model and same reported models: the same judge.
bool SameJudge(const nlohmann::json& a, const nlohmann::json& b) {
  return a.value("model", "") == b.value("model", "") &&
         a.value("reported_models", nlohmann::json::array()) == b.value("reported_models", nlohmann::json::array());
}

std::string Describe(const nlohmann::json& judge) {
  std::string description = judge.value("description", "");
  if (!description.empty()) return description;
  return judge.value("model", "model not recorded") + " via " + judge.value("endpoint", "?");
}

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

std::string FormatStatistic(double value) {
  if (!std::isfinite(value)) return "undefined";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

}  // namespace

int RunJudgeAgreementCommand(const std::vector<std::string>& args) {
  po::options_description visible("judge-agreement options");
  visible.add_options()
      ("help,h", "show this help")
      ("task", po::value<std::string>(), "")
      ("output,o", po::value<std::string>(), "");
  po::options_description all = visible;
  all.add_options()("results", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("results", -1);
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine(kCommand, args, all, &positional, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    PrintHelp();
    return 0;
  }
  std::vector<std::string> paths;
  if (vm.count("results")) paths = vm["results"].as<std::vector<std::string>>();
  if (paths.size() != 2) {
    return Fail(Status::InvalidInput("needs exactly two results A and B, got " + std::to_string(paths.size()) +
                                     " (see 'svit-eval judge-agreement --help')"));
  }
  std::string task = vm.count("task") ? vm["task"].as<std::string>() : "";
  Side a, b;
  Status status = LoadSide("A", paths[0], task, &a);
  if (status.ok()) status = LoadSide("B", paths[1], task, &b);
  if (!status.ok()) return Fail(status);
  const std::string& task_a = a.result.score.task;
  if (task_a != b.result.score.task) {
    return Fail(Status::InvalidInput("the results are of different tasks: " + a.path + " is " + task_a + ", " +
                                     b.path + " is " + b.result.score.task));
  }

  // The same samples, and the judges saw the same answers.
  std::unordered_map<std::string, const SampleScore*> a_by_id, b_by_id;
  for (const SampleScore& s : a.result.score.per_sample) a_by_id[s.id] = &s;
  for (const SampleScore& s : b.result.score.per_sample) b_by_id[s.id] = &s;
  std::vector<std::string> only_a, only_b, different_answers;
  for (const SampleScore& s : a.result.score.per_sample) {
    auto it = b_by_id.find(s.id);
    if (it == b_by_id.end()) {
      only_a.push_back(s.id);
    } else if (it->second->prediction != s.prediction) {
      different_answers.push_back(s.id);
    }
  }
  for (const SampleScore& s : b.result.score.per_sample) {
    if (!a_by_id.count(s.id)) only_b.push_back(s.id);
  }
  if (!only_a.empty() || !only_b.empty()) {
    std::string message = "the results cover different samples:";
    if (!only_a.empty()) message += " only " + a.path + " has " + FormatIdList(only_a) + ";";
    if (!only_b.empty()) message += " only " + b.path + " has " + FormatIdList(only_b) + ";";
    message.pop_back();
    return Fail(Status::InvalidInput(message));
  }
  if (!different_answers.empty()) {
    return Fail(Status::InvalidInput("the judges scored different answers for sample(s) " +
                                     FormatIdList(different_answers) +
                                     " (field 'prediction' differs); agreement needs the same answers judged twice"));
  }

  std::vector<std::string> notes;
  const nlohmann::json& judge_a = a.result.score.judge;
  const nlohmann::json& judge_b = b.result.score.judge;
  if (SameJudge(judge_a, judge_b)) {
    std::string warning = "both results come from the same judge model (" + judge_a.value("model", "not recorded") +
                          "): this measures the judge's consistency with itself, not agreement between two judges";
    std::fprintf(stderr, "svit-eval %s: warning: %s\n", kCommand, warning.c_str());
    notes.push_back(warning);
  }
  if (judge_a.value("prompt_template_sha256", "") != judge_b.value("prompt_template_sha256", "")) {
    notes.push_back("the judges' prompt templates differ (prompt_template_sha256): part of any disagreement "
                    "may come from the prompts");
  }

  std::vector<std::string> labels_a, labels_b;
  std::vector<std::vector<double>> units;
  std::map<std::string, size_t> excluded_a, excluded_b, pairs;
  size_t excluded = 0;
  double absolute_difference = 0;
  for (const SampleScore& sa : a.result.score.per_sample) {
    const SampleScore& sb = *b_by_id.at(sa.id);
    bool a_scored = sa.status == SampleStatus::kAnswered, b_scored = sb.status == SampleStatus::kAnswered;
    if (!a_scored) ++excluded_a[SampleStatusName(sa.status)];
    if (!b_scored) ++excluded_b[SampleStatusName(sb.status)];
    if (!a_scored || !b_scored) {
      ++excluded;
      continue;
    }
    std::string la, lb;
    status = LabelOf(task_a, sa, a.path, &la);
    if (status.ok()) status = LabelOf(task_a, sb, b.path, &lb);
    if (!status.ok()) return Fail(status);
    ++pairs[la + " / " + lb];
    labels_a.push_back(std::move(la));
    labels_b.push_back(std::move(lb));
    units.push_back({sa.score, sb.score});
    absolute_difference += std::fabs(sa.score - sb.score);
  }
  size_t compared = units.size();
  size_t agreed = 0;
  for (size_t i = 0; i < compared; ++i) agreed += labels_a[i] == labels_b[i];
  double kappa = agreement::CohenKappa(labels_a, labels_b);
  double alpha = agreement::KrippendorffAlphaInterval(units);
  double observed = compared ? static_cast<double>(agreed) / static_cast<double>(compared) : std::nan("");
  double mean_difference = compared ? absolute_difference / static_cast<double>(compared) : std::nan("");
  if (compared == 0) notes.push_back("no sample was scored by both judges: nothing to compare");
  if (compared > 0 && !std::isfinite(kappa)) {
    notes.push_back("Cohen's kappa is undefined: both judges gave every sample the same one label");
  }
  LabelRule rule = RuleFor(task_a);

  auto excluded_text = [](const std::map<std::string, size_t>& counts) {
    std::string text;
    for (const auto& [status_name, count] : counts) {
      text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + status_name;
    }
    return text.empty() ? std::string("none") : text;
  };
  std::ostream& out = std::cout;
  out << "judge agreement on " << task_a << ": " << compared << " of " << a.result.score.per_sample.size()
      << " samples compared, " << excluded << " excluded (A: " << excluded_text(excluded_a)
      << "; B: " << excluded_text(excluded_b) << ")\n";
  out << "A: " << a.path << "\n  judge: " << Describe(judge_a) << "\n";
  out << "B: " << b.path << "\n  judge: " << Describe(judge_b) << "\n";
  out << "labels (" << rule.label_definition << "):\n  Cohen's kappa " << FormatStatistic(kappa)
      << ", observed agreement " << agreed << " of " << compared << "\n";
  for (const auto& [pair, count] : pairs) out << "    A / B = " << pair << ": " << count << "\n";
  out << "scores (" << rule.score_definition << "):\n  Krippendorff's alpha (interval) " << FormatStatistic(alpha)
      << ", mean |A - B| " << FormatStatistic(mean_difference) << "\n";
  for (const auto& note : notes) out << "note: " << note << "\n";

  if (vm.count("output")) {
    nlohmann::json result = {
        {"task", task_a},
        {"a", {{"source", a.path}, {"judge", judge_a}}},
        {"b", {{"source", b.path}, {"judge", judge_b}}},
        {"items", a.result.score.per_sample.size()},
        {"compared", compared},
        {"excluded", {{"items", excluded}, {"a", excluded_a}, {"b", excluded_b}}},
        {"labels",
         {{"definition", rule.label_definition},
          {"cohen_kappa", Number(kappa)},
          {"observed_agreement", Number(observed)},
          {"pairs", pairs}}},
        {"scores",
         {{"definition", rule.score_definition},
          {"krippendorff_alpha_interval", Number(alpha)},
          {"mean_absolute_difference", Number(mean_difference)}}},
        {"notes", notes},
    };
    const std::string& path = vm["output"].as<std::string>();
    status = WriteTextFile(path, result.dump(2) + "\n");
    if (!status.ok()) return Fail(status);
    out << "result written to " << path << "\n";
  }
  return 0;
}

}  // namespace svit

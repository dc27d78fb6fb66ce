// `svit-eval pairwise`: a live judge compares two models' answers to the same
// LLaVA-Bench questions, each question in both answer orders
// (tasks/llava_bench.h JudgeLlavaPairwise, metrics/pairwise.h), and reports
// A's win/tie/loss rates with Wilson intervals, the position-inconsistency
// rate, a per-category breakdown and the judge's identity and usage.
#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <unordered_map>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/judge_options.h"
#include "harness/run_arguments.h"
#include "harness/runner_judge_client.h"
#include "results/run_files.h"
#include "results/run_set.h"
#include "tasks/judge_settings.h"
#include "tasks/llava_bench.h"
#include "tasks/prediction_files.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace svit {
namespace {

constexpr const char* kCommand = "pairwise";
constexpr const char* kTask = "llava-bench";

int Fail(const Status& status) { return ReportFailure(kCommand, status); }

std::string OptionValue(const po::variables_map& vm, const std::string& name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

void PrintHelp() {
  std::printf(
      "usage: svit-eval pairwise --task llava-bench --questions FILE --context FILE --rule FILE\n"
      "                          --a [LABEL=]ANSWERS --b [LABEL=]ANSWERS --judge NAME=URL --judge-model ID\n"
      "                          [--judge-cache FILE] [--output result.json]\n\n"
      "A judge model compares two models' answers to the same LLaVA-Bench questions with\n"
      "LLaVA's review prompt: every question is judged twice, once with A as Assistant 1 and\n"
      "once with B as Assistant 1. An order's verdict is whoever got the higher score; an\n"
      "item's verdict is the one both orders agree on, and orders that disagree make a tie.\n"
      "Prints A's win/tie/loss rates over the items judged in both orders with 95%% Wilson\n"
      "intervals, the position-inconsistency rate (items whose verdict changed with the order),\n"
      "how often the answer shown first won, the same per category, the reviews that did not\n"
      "parse, were refused or failed (never scored), and the judge's identity, usage and cost.\n\n"
      "  --task llava-bench   the only task with pairwise judging\n"
      "  --questions FILE     questions.jsonl / qa90_questions.jsonl {question_id, image, text, category}\n"
      "  --context FILE       context.jsonl (In-the-Wild) or caps_boxes_coco2014_val_80.jsonl (COCO)\n"
      "  --rule FILE          llava/eval/table/rule.json\n"
      "  --a, --b [LABEL=]PATH  each model's answers: a LLaVA answer file {question_id, text}\n"
      "                       (any order), or a model folder of 'svit-eval run' (<run>/<model>,\n"
      "                       or its run.json), whose llava-bench answers are used. Both must\n"
      "                       answer exactly the question ids of --questions; answers that failed\n"
      "                       in the run are not judged and are counted. LABEL names the side.\n"
      "  --judge-temperature T  judge sampling temperature (default 0.2, as LLaVA's scripts)\n"
      "  --judge-max-tokens N   judge max_tokens (default 1024)\n"
      "  --output, -o FILE    write the JSON result: {task, mode, a, b, summary, categories,\n"
      "                       counts, judge, notes, per_item: [{id, category, verdict,\n"
      "                       position_consistent, a_first, b_first}]}\n\n"
      "Live judge (required; recorded reviews cannot be replayed: LLaVA's review files hold\n"
      "one reference-vs-model review per question, not two orders of A vs B):\n"
      "%s"
      "  --judge-cache FILE           SQLite response cache: a re-run re-judges only changed answers\n\n"
      "Exit codes: 0 ok, 2 usage or bad input (e.g. the answer ids differ from the questions'),\n"
      "3 the judge could not be reached.\n",
      JudgeOptionsHelp());
}

// One side's answers by question id.
struct Answer {
  std::string text;
  std::string error;  // not empty: the model's request failed, nothing to judge
};

struct AnswerSide {
  std::string name;    // "A" or "B"
  std::string label;   // LABEL=, the run's model name, or the file name
  std::string source;  // the path read
  std::unordered_map<std::string, Answer> by_id;
};

Status ReadRunAnswers(const std::string& path, AnswerSide* side) {
  RunRecord record;
  SVIT_RETURN_IF_ERROR(ReadRunRecord(path, &record));
  for (const TaskRun& task : record.tasks) {
    if (task.task != kTask) continue;
    if (side->label.empty()) side->label = record.model_name;
    for (const SampleRun& sample : task.samples) side->by_id[sample.id] = {sample.response, sample.error};
    return Status::OK();
  }
  return Status::InvalidInput(path + ": the run of model " + record.model_name + " has no " + kTask + " task");
}

Status ReadAnswerFileSide(const std::string& path, AnswerSide* side) {
  std::vector<LlavaAnswer> answers;
  SVIT_RETURN_IF_ERROR(ReadLlavaAnswers(path, &answers));
  std::unordered_map<std::string, size_t> line_of;
  for (LlavaAnswer& answer : answers) {
    auto [it, inserted] = line_of.emplace(answer.question_id, answer.line);
    if (!inserted) {
      return Status::InvalidInput(path + ":" + std::to_string(answer.line) + ": second answer to question_id " +
                                  answer.question_id + " (first on line " + std::to_string(it->second) + ")");
    }
    side->by_id[answer.question_id] = {std::move(answer.text), ""};
  }
  if (side->label.empty()) side->label = fs::path(path).filename().string();
  return Status::OK();
}

// `argument` is [LABEL=]PATH: a run's model folder or run.json, else an answer file.
Status ReadSide(const std::string& name, const std::string& argument, AnswerSide* side) {
  side->name = name;
  SplitRunArgument(argument, &side->label, &side->source);
  const std::string& path = side->source;
  std::error_code ec;
  if (fs::is_directory(path, ec) || fs::path(path).filename() == "run.json") return ReadRunAnswers(path, side);
  return ReadAnswerFileSide(path, side);
}

// Both sides must answer exactly the benchmark's question ids.
Status CheckIds(const LlavaBench& bench, const AnswerSide& side) {
  std::vector<std::string> missing, extra;
  std::unordered_map<std::string, bool> known;
  for (const LlavaQuestion& q : bench.questions()) {
    known[q.question_id] = true;
    if (!side.by_id.count(q.question_id)) missing.push_back(q.question_id);
  }
  for (const auto& [id, answer] : side.by_id) {
    if (!known.count(id)) extra.push_back(id);
  }
  if (missing.empty() && extra.empty()) return Status::OK();
  std::sort(extra.begin(), extra.end());
  std::string message = "--" + std::string(side.name == "A" ? "a" : "b") + " " + side.source + ":";
  if (!missing.empty()) message += " no answer to question ids " + FormatIdList(missing) + ";";
  if (!extra.empty()) message += " answers to ids " + FormatIdList(extra) + " that " + bench.questions_path() + " does not have;";
  message.back() = ' ';
  return Status::InvalidInput(message + "(both sides must answer exactly the same questions)");
}

const char* VerdictName(pairwise::Verdict verdict) {
  switch (verdict) {
    case pairwise::Verdict::kWin: return "a_wins";
    case pairwise::Verdict::kTie: return "tie";
    case pairwise::Verdict::kLoss: return "b_wins";
  }
  return "unknown";
}

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

nlohmann::json RateJson(const pairwise::Rate& rate) {
  return {{"count", rate.count}, {"rate", Number(rate.rate)}, {"ci95", {rate.ci.low, rate.ci.high}}};
}

nlohmann::json SummaryJson(const pairwise::Summary& s) {
  return {{"items", s.items},
          {"decided", s.decided},
          {"undecided", s.undecided},
          {"a_wins", RateJson(s.wins)},
          {"ties", RateJson(s.ties)},
          {"b_wins", RateJson(s.losses)},
          {"position_inconsistent", RateJson(s.position_inconsistent)},
          {"decisive_orders", s.decisive_orders},
          {"first_position_wins", RateJson(s.first_position_wins)}};
}

// "25.0% [4.6, 69.9]" or "-" when nothing was decided.
std::string FormatRate(const pairwise::Rate& rate) {
  if (!std::isfinite(rate.rate)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%5.1f%% [%.1f, %.1f]", rate.rate * 100, rate.ci.low * 100, rate.ci.high * 100);
  return text;
}

void PrintSummary(const std::string& title, const pairwise::Summary& s, std::ostream& out) {
  out << title << ": " << s.decided << " of " << s.items << " items judged in both orders";
  if (s.undecided) out << " (" << s.undecided << " undecided: a review did not parse or failed)";
  out << "\n";
  out << "  A wins                 " << s.wins.count << "  " << FormatRate(s.wins) << "\n";
  out << "  ties                   " << s.ties.count << "  " << FormatRate(s.ties) << "\n";
  out << "  B wins                 " << s.losses.count << "  " << FormatRate(s.losses) << "\n";
  out << "  position-inconsistent  " << s.position_inconsistent.count << "  " << FormatRate(s.position_inconsistent)
      << "\n";
  out << "  first position won     " << s.first_position_wins.count << " of " << s.decisive_orders
      << " decisive reviews  " << FormatRate(s.first_position_wins) << "\n";
}

nlohmann::json ReviewJson(const LlavaReview& review, bool a_first) {
  nlohmann::json j = {{"outcome", VerdictOutcomeName(review.outcome)}};
  if (review.outcome == VerdictOutcome::kScored) {
    j["score_a"] = a_first ? review.score1 : review.score2;
    j["score_b"] = a_first ? review.score2 : review.score1;
  }
  j[review.outcome == VerdictOutcome::kFailed ? "error" : "review"] = review.content;
  return j;
}

struct OutcomeCounts {
  size_t scored = 0, malformed = 0, refused = 0, failed = 0;
  void Add(const LlavaReview& review) {
    switch (review.outcome) {
      case VerdictOutcome::kScored: ++scored; break;
      case VerdictOutcome::kMalformed: ++malformed; break;
      case VerdictOutcome::kRefused: ++refused; break;
      case VerdictOutcome::kFailed: ++failed; break;
    }
  }
};

}  // namespace

int RunPairwiseCommand(const std::vector<std::string>& args) {
  po::options_description options("pairwise options");
  options.add_options()
      ("help,h", "show this help")
      ("task", po::value<std::string>(), "")
      ("questions", po::value<std::string>(), "")
      ("context", po::value<std::string>(), "")
      ("rule", po::value<std::string>(), "")
      ("answers-ref", po::value<std::string>(), "")
      ("a", po::value<std::string>(), "")
      ("b", po::value<std::string>(), "")
      ("judge-temperature", po::value<std::string>(), "")
      ("judge-max-tokens", po::value<std::string>(), "")
      ("output,o", po::value<std::string>(), "");
  AddJudgeOptions(&options);
  options.add_options()("judge-cache", po::value<std::string>(), "");
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine(kCommand, args, options, nullptr, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    PrintHelp();
    return 0;
  }
  if (!vm.count("task")) return Fail(Status::InvalidInput("--task is required (pairwise judging: llava-bench)"));
  if (OptionValue(vm, "task") != kTask) {
    return Fail(Status::InvalidInput("task " + OptionValue(vm, "task") +
                                     " has no pairwise judging; only llava-bench has (see 'svit-eval pairwise --help')"));
  }
  if (vm.count("answers-ref")) {
    return Fail(Status::InvalidInput(
        "pairwise judging puts A and B in the review prompt; the reference answers take no part (drop --answers-ref)"));
  }
  for (const char* name : {"questions", "context", "rule", "a", "b", "judge"}) {
    if (!vm.count(name)) {
      return Fail(Status::InvalidInput(std::string("--") + name + " is required (see 'svit-eval pairwise --help')"));
    }
  }
  std::optional<JudgeSpec> judge_spec;
  Status status = ReadJudgeOptions(vm, &judge_spec);
  LlavaJudgeSettings settings;
  if (status.ok() && vm.count("judge-temperature")) {
    status = ParseDouble("judge-temperature", OptionValue(vm, "judge-temperature"), 0, 2, &settings.temperature);
  }
  if (status.ok() && vm.count("judge-max-tokens")) {
    status = ParseInt("judge-max-tokens", OptionValue(vm, "judge-max-tokens"), 1, 1 << 20, &settings.max_tokens);
  }
  if (!status.ok()) return Fail(status);

  LlavaBench bench;
  AnswerSide side_a, side_b;
  status = bench.Load(OptionValue(vm, "questions"), OptionValue(vm, "context"), OptionValue(vm, "rule"));
  if (status.ok()) status = ReadSide("A", OptionValue(vm, "a"), &side_a);
  if (status.ok()) status = ReadSide("B", OptionValue(vm, "b"), &side_b);
  if (status.ok()) status = CheckIds(bench, side_a);
  if (status.ok()) status = CheckIds(bench, side_b);
  if (!status.ok()) return Fail(status);

  // Questions where a model's request failed in its run have nothing to judge.
  std::vector<LlavaPairwiseItem> items;
  std::vector<int> item_of_question(bench.questions().size(), -1);
  std::vector<std::string> failed_a, failed_b;
  for (size_t i = 0; i < bench.questions().size(); ++i) {
    const LlavaQuestion& q = bench.questions()[i];
    const Answer& a = side_a.by_id.at(q.question_id);
    const Answer& b = side_b.by_id.at(q.question_id);
    if (!a.error.empty()) failed_a.push_back(q.question_id);
    if (!b.error.empty()) failed_b.push_back(q.question_id);
    if (!a.error.empty() || !b.error.empty()) continue;
    item_of_question[i] = static_cast<int>(items.size());
    items.push_back({&q, a.text, b.text});
  }

  std::unique_ptr<ResponseCache> cache;
  if (vm.count("judge-cache")) status = ResponseCache::Open(OptionValue(vm, "judge-cache"), &cache);
  std::unique_ptr<RunnerJudgeClient> client;
  if (status.ok()) status = RunnerJudgeClient::Create(*judge_spec, cache.get(), RunnerOptions(), &client);
  if (!status.ok()) return Fail(status);
  JudgeSession session(client.get(), LlavaJudgeProtocol(bench, settings, /*pairwise=*/true));
  LlavaPairwiseResult judged;
  status = JudgeLlavaPairwise(bench, items, settings, &session, &judged);
  if (!status.ok()) return Fail(status);

  // Per category, in the order categories first appear.
  std::vector<std::string> categories;
  std::map<std::string, std::vector<pairwise::ItemVerdicts>> verdicts_by_category;
  OutcomeCounts a_first_counts, b_first_counts;
  for (size_t k = 0; k < items.size(); ++k) {
    const std::string& category = items[k].question->review_category;
    if (!verdicts_by_category.count(category)) categories.push_back(category);
    verdicts_by_category[category].push_back(judged.verdicts[k]);
    a_first_counts.Add(judged.a_first[k]);
    b_first_counts.Add(judged.b_first[k]);
  }

  std::vector<std::string> notes;
  if (!failed_a.empty() || !failed_b.empty()) {
    notes.push_back(std::to_string(bench.questions().size() - items.size()) +
                    " questions are not judged because a model's answer failed in its run (A: " +
                    std::to_string(failed_a.size()) + ", B: " + std::to_string(failed_b.size()) + ")");
  }
  size_t unparsed = a_first_counts.malformed + a_first_counts.refused + b_first_counts.malformed + b_first_counts.refused;
  if (unparsed > 0) {
    notes.push_back(std::to_string(unparsed) + " reviews did not parse or were refused; their items count as "
                                               "undecided, never as ties");
  }
  for (auto& note : session.Notes()) notes.push_back(std::move(note));

  std::ostream& out = std::cout;
  out << "pairwise " << kTask << " (" << bench.script() << ", both answer orders): A = " << side_a.label
      << " vs B = " << side_b.label << ", " << bench.questions().size() << " questions, " << items.size()
      << " judged\n";
  out << "judge: " << session.Describe() << "\n\n";
  PrintSummary("all", judged.summary, out);
  std::map<std::string, pairwise::Summary> category_summaries;
  for (const std::string& category : categories) {
    category_summaries[category] = pairwise::Summarize(verdicts_by_category[category]);
    out << "\n";
    PrintSummary(category, category_summaries[category], out);
  }
  auto print_counts = [&](const char* order, const OutcomeCounts& c) {
    out << "  " << order << ": " << c.scored << " scored, " << c.malformed << " did not parse, " << c.refused
        << " refused, " << c.failed << " failed requests\n";
  };
  out << "\nreviews per order (only parsed reviews are scored):\n";
  print_counts("A first", a_first_counts);
  print_counts("B first", b_first_counts);
  for (const auto& note : notes) out << "note: " << note << "\n";

  if (vm.count("output")) {
    nlohmann::json result;
    result["task"] = kTask;
    result["mode"] = "pairwise";
    result["inputs"] = {{"questions", OptionValue(vm, "questions")},
                        {"context", OptionValue(vm, "context")},
                        {"rule", OptionValue(vm, "rule")}};
    std::vector<std::string> judge_options = JudgeOptionNames();
    judge_options.push_back("judge-cache");
    for (const std::string& name : judge_options) {
      if (!vm.count(name)) continue;
      result["inputs"][name] = name == "judge" ? MaskUrlCredentials(OptionValue(vm, name)) : OptionValue(vm, name);
    }
    result["a"] = {{"label", side_a.label}, {"source", side_a.source}};
    result["b"] = {{"label", side_b.label}, {"source", side_b.source}};
    result["summary"] = SummaryJson(judged.summary);
    result["categories"] = nlohmann::json::object();
    for (const auto& [category, summary] : category_summaries) result["categories"][category] = SummaryJson(summary);
    auto counts_json = [](const OutcomeCounts& c) {
      return nlohmann::json{{"scored", c.scored}, {"malformed", c.malformed}, {"refused", c.refused}, {"failed", c.failed}};
    };
    result["counts"] = {{"questions", bench.questions().size()},
                        {"judged", items.size()},
                        {"answer_failed_a", failed_a.size()},
                        {"answer_failed_b", failed_b.size()},
                        {"a_first", counts_json(a_first_counts)},
                        {"b_first", counts_json(b_first_counts)}};
    result["judge"] = session.Record();
    result["notes"] = notes;
    nlohmann::json per_item = nlohmann::json::array();
    for (size_t i = 0; i < bench.questions().size(); ++i) {
      const LlavaQuestion& q = bench.questions()[i];
      nlohmann::json item = {{"id", q.question_id}, {"category", q.review_category}};
      int k = item_of_question[i];
      if (k < 0) {
        item["verdict"] = nullptr;
        item["not_judged"] = std::string("model answer failed:") + (side_a.by_id.at(q.question_id).error.empty() ? "" : " A") +
                             (side_b.by_id.at(q.question_id).error.empty() ? "" : " B");
        per_item.push_back(std::move(item));
        continue;
      }
      const pairwise::ItemVerdicts& v = judged.verdicts[k];
      bool decided = v.a_first && v.b_first;
      item["verdict"] = decided ? nlohmann::json(VerdictName(pairwise::Combine(*v.a_first, *v.b_first))) : nullptr;
      item["position_consistent"] = decided ? nlohmann::json(*v.a_first == *v.b_first) : nullptr;
      item["a_first"] = ReviewJson(judged.a_first[k], /*a_first=*/true);
      item["b_first"] = ReviewJson(judged.b_first[k], /*a_first=*/false);
      per_item.push_back(std::move(item));
    }
    result["per_item"] = std::move(per_item);
    const std::string& path = OptionValue(vm, "output");
    status = WriteTextFile(path, result.dump(2) + "\n");
    if (!status.ok()) return Fail(status);
    out << "result written to " << path << "\n";
  }
  return 0;
}

}  // namespace svit

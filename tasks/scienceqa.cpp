// ScienceQA: problems.json and pid_splits.json with LLaVA's answer
// JSON-lines, scored exactly as haotian-liu/LLaVA llava/eval/eval_science_qa.py.
//
// Every problem of the split is scored in split order. A reply none of the
// script's rules can read is scored "FAILED" (wrong) and counted as
// unparseable. A problem without an answer line is scored as the script does:
// reply "FAILED", prompt "Unknown" (so never counted as an image question);
// it is reported as missing.
// With a live judge (ScoreWithJudge), an answered reply the rules read as
// "FAILED" goes to the choice-extraction judge (tasks/mcq_judge.h): its
// letter is scored like a parsed one, Z as wrong; a reply still unread stays
// "FAILED"; a failed judge request leaves the problem out like a failed
// model request.
// Accuracy = correct / total * 100. IMG-Accuracy is over the answers whose
// recorded prompt contains "<image>"; an answer with no recorded prompt (a run
// rather than a LLaVA file) counts as an image question when the problem has
// an image. When no answer is an image question, IMG-Accuracy is reported as
// null ("n/a" in the printed line) where the script would divide by zero.
//
// Prompt (LLaVA-1.5's llava_test_CQM-A.json with --single-pred-prompt):
// "Context: <hint>\n" when the hint is not empty, the question, the options
// "A. ...", then the option-letter instruction.
//
// Restrict: the script run with a split of only those pids (it scores the
// split's problems, not the answer lines): a kept problem without an answer
// is still 'FAILED'; dropped problems are in no count.
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "metrics/science_qa.h"
#include "tasks/all_tasks.h"
#include "tasks/judged_task.h"
#include "tasks/llava_prompts.h"
#include "tasks/mcq_judge.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr std::string_view kImageToken = "<image>";

struct Problem {
  size_t num_choices = 0;
  int64_t answer = 0;
  bool has_image = false;
};

class ScienceQaTask : public JudgedTask {
 public:
  ScienceQaTask() {
    info_.name = "scienceqa";
    info_.family = TaskFamily::kReasoning;
    info_.description = "ScienceQA (IMG); LLaVA eval_science_qa.py accuracy and IMG-accuracy";
    info_.options = {
        {"problems", "problems.json", true, true, ""},
        {"splits", "pid_splits.json", true, true, ""},
        {"split", "the split of pid_splits.json to score", false, false, "test"},
    };
    info_.metrics = {"acc", "correct", "count", "img_acc", "img_correct", "img_count"};
    info_.predictions_format = "LLaVA answer JSON-lines {question_id: pid, prompt, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    std::string split = config.Has("split") ? config.Get("split") : "test";
    std::vector<std::string> pids;
    SVIT_RETURN_IF_ERROR(LoadSplit(config.Get("splits"), split, &pids));
    return LoadProblems(config.Get("problems"), pids);
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    return RestrictSamples(ids, &samples_, &positions_, &problems_);
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, AnswerFileFormat(), out));
    std::vector<const Prediction*> aligned;
    return AlignPredictions(*out, positions_, samples_.size(), &aligned)
        .WithContext(path + " (ids must be pids of the scored split)");
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    return Evaluate(predictions, nullptr, result);
  }

  // The script scores without a judge; a judge only reads what it cannot.
  bool NeedsLiveJudge() const override { return false; }

  Status ScoreWithJudge(const std::vector<Prediction>& predictions, JudgeClient* judge,
                        ScoreResult* result) const override {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    std::vector<McqFallbackItem> items;
    std::vector<size_t> sample_of_item;
    auto undecided = [](const std::string& text) { return sqa::ParseAnswer(text) == "FAILED"; };
    McqItemsForUndecided(samples_, aligned, undecided, &items, &sample_of_item);
    McqFallbackRules rules{"they stay 'FAILED' (wrong), as eval_science_qa.py scores them",
                           "left out of every count and accuracy, like a failed model request"};
    return ScoreWithMcqFallback(
        items, sample_of_item, samples_.size(), judge, rules,
        [&](const auto& fallback, ScoreResult* out) { return Evaluate(predictions, &fallback, out); }, result);
  }

 private:
  // The script's rules, then (with `fallback`: a judge pass, one entry per
  // sample) the judge's letters; each answered sample's matched_by says which.
  Status Evaluate(const std::vector<Prediction>& predictions,
                  const std::vector<std::optional<McqFallbackResult>>* fallback, ScoreResult* result) const {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    result->task = info_.name;
    result->per_sample.resize(samples_.size());
    size_t correct = 0, img_correct = 0, img_total = 0;
    for (size_t i = 0; i < samples_.size(); ++i) {
      const Problem& problem = problems_[i];
      const Prediction* p = aligned[i];
      SampleScore& s = result->per_sample[i];
      s.id = samples_[i].id;
      bool answered = p && !p->failed;
      std::string reply = answered ? p->text : "FAILED";
      bool is_multimodal = false;
      if (answered) {
        is_multimodal = p->prompt.empty() ? problem.has_image
                                          : p->prompt.find(kImageToken) != std::string::npos;
      }
      s.prediction = reply;
      s.extracted = sqa::ParseAnswer(reply);
      const McqFallbackResult* judged = fallback && (*fallback)[i] ? &*(*fallback)[i] : nullptr;
      if (judged) {
        RecordMcqFallback(*judged, &s.detail);
        if (!judged->letter.empty()) s.extracted = judged->letter;  // Z is no choice: pred_idx -1
      }
      if (!p) {
        s.status = SampleStatus::kMissing;
        ++result->counts.missing;
      } else if (p->failed) {
        // A request that got no answer says nothing about the model: left
        // out of every count rather than scored as a wrong answer.
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      } else if (judged && judged->failed) {
        s.status = SampleStatus::kFailed;  // no verdict: left out, never scored as wrong
        ++result->counts.failed;
        continue;
      } else if (s.extracted == "FAILED") {
        s.status = SampleStatus::kUnparseable;
        ++result->counts.unparseable;
      } else {
        ++result->counts.answered;
      }
      int pred_idx = sqa::ChoiceIndex(s.extracted, problem.num_choices);
      bool is_correct = pred_idx == problem.answer;
      s.score = is_correct ? 1.0 : 0.0;
      if (fallback && !judged && p) s.detail["matched_by"] = "rules";
      s.detail.update({{"pred_idx", pred_idx},
                       {"ground_truth", llava::OptionLetter(static_cast<size_t>(problem.answer))},
                       {"is_multimodal", is_multimodal}});
      correct += is_correct;
      img_total += is_multimodal;
      img_correct += is_correct && is_multimodal;
    }
    result->counts.total = samples_.size();
    size_t total = samples_.size() - result->counts.failed;

    double acc = static_cast<double>(correct) / static_cast<double>(total) * 100.0;
    result->metrics_unrounded["acc"] = acc;
    result->metrics["acc"] = py::Round(acc, 2);
    std::string img_text = "n/a";
    if (img_total > 0) {
      double img_acc = static_cast<double>(img_correct) / static_cast<double>(img_total) * 100.0;
      result->metrics_unrounded["img_acc"] = img_acc;
      result->metrics["img_acc"] = py::Round(img_acc, 2);
      img_text = py::FormatFixed(img_acc, 2) + "%";
    } else {
      result->metrics_unrounded["img_acc"] = result->metrics["img_acc"] = nullptr;
      result->notes.push_back(
          "no answer is an image question: IMG-Accuracy is undefined (eval_science_qa.py would "
          "divide by zero)");
    }
    for (nlohmann::json* metrics : {&result->metrics, &result->metrics_unrounded}) {
      (*metrics)["correct"] = correct;
      (*metrics)["count"] = total;
      (*metrics)["img_correct"] = img_correct;
      (*metrics)["img_count"] = img_total;
    }
    result->official_output = "Total: " + std::to_string(total) + ", Correct: " +
                              std::to_string(correct) + ", Accuracy: " +
                              py::FormatFixed(acc, 2) + "%, IMG-Accuracy: " + img_text + "\n";
    if (result->counts.missing > 0) {
      result->notes.push_back(std::to_string(result->counts.missing) +
                              " problems have no answer and are scored as 'FAILED' (wrong), as "
                              "eval_science_qa.py does");
    }
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every count and accuracy");
    }
    return Status::OK();
  }

  static Status LoadSplit(const std::string& path, const std::string& split,
                          std::vector<std::string>* pids) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    if (!HasField(root, split)) {
      return Status::InvalidInput(path + ": no split '" + split + "'");
    }
    JsonArray list;
    SVIT_RETURN_IF_ERROR(GetArray(root, split, Where{path}, &list));
    size_t index = 0;
    for (JsonValue value : list) {
      std::string_view pid;
      if (value.get(pid) != simdjson::SUCCESS) {
        return Status::InvalidInput(Where{path, 0, split, index}.ToString() +
                                    ": expected a pid string, got " + std::string(JsonTypeName(value)));
      }
      pids->emplace_back(pid);
      ++index;
    }
    if (pids->empty()) return Status::InvalidInput(path + ": split '" + split + "' is empty");
    return Status::OK();
  }

  Status LoadProblems(const std::string& path, const std::vector<std::string>& pids) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    samples_.clear();
    problems_.clear();
    positions_.clear();
    for (const std::string& pid : pids) {
      std::string label = "problem " + pid;
      Where where{path, 0, label};
      JsonValue value;
      if (root.at_key(pid).get(value) != simdjson::SUCCESS) {
        return Status::InvalidInput(where.ToString() + ": listed in the split but not in " + path);
      }
      JsonObject item;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &item));
      Sample s;
      s.id = pid;
      std::string_view text;
      SVIT_RETURN_IF_ERROR(GetString(item, "question", where, &text));
      s.question.assign(text);
      JsonArray choices;
      SVIT_RETURN_IF_ERROR(GetArray(item, "choices", where, &choices));
      for (JsonValue choice : choices) {
        if (choice.get(text) != simdjson::SUCCESS) {
          return Status::InvalidInput(where.ToString() + ": field 'choices' must hold strings, got " +
                                      std::string(JsonTypeName(choice)));
        }
        s.choices.emplace_back(text);
      }
      Problem problem;
      problem.num_choices = s.choices.size();
      SVIT_RETURN_IF_ERROR(GetInt64(item, "answer", where, &problem.answer));
      if (problem.answer < 0 || static_cast<size_t>(problem.answer) >= s.choices.size()) {
        return Status::InvalidInput(where.ToString() + ": answer " + std::to_string(problem.answer) +
                                    " is not the index of one of its " +
                                    std::to_string(s.choices.size()) + " choices");
      }
      std::string hint;
      if (HasField(item, "hint")) {
        SVIT_RETURN_IF_ERROR(GetString(item, "hint", where, &text));
        hint.assign(text);
      }
      if (HasField(item, "image")) {
        SVIT_RETURN_IF_ERROR(GetString(item, "image", where, &text));
        problem.has_image = true;
        s.images.push_back(ImageRef{pid + "/" + std::string(text), ""});
      }
      std::string stem = hint.empty() ? s.question : "Context: " + hint + "\n" + s.question;
      s.prompt = llava::MultipleChoicePrompt(stem, s.choices);
      if (!positions_.emplace(pid, samples_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": listed twice in the split");
      }
      samples_.push_back(std::move(s));
      problems_.push_back(problem);
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::vector<Sample> samples_;    // split order
  std::vector<Problem> problems_;  // per sample
  std::unordered_map<std::string, size_t> positions_;
};

}  // namespace

std::unique_ptr<Task> MakeScienceQaTask() { return std::make_unique<ScienceQaTask>(); }

}  // namespace svit

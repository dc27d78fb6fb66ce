// VQAv2: the official question and annotation files, scored as
// GT-Vision-Lab/VQA vqaEval.py does (optionally after LLaVA's EvalAI answer
// processing, as scripts/convert_vqav2_for_submission.py applies it).
#include <unordered_map>

#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/all_tasks.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"
#include "tasks/vqa_format.h"

namespace svit {
namespace {

class Vqav2Task : public Task {
 public:
  Vqav2Task() {
    info_.name = "vqav2";
    info_.family = TaskFamily::kVqa;
    info_.description = "VQAv2 open-ended VQA; GT-Vision-Lab/VQA vqaEval.py accuracy";
    info_.options = {
        {"questions", "v2_OpenEnded_mscoco_<split>_questions.json", true, true, ""},
        {"annotations", "v2_mscoco_<split>_annotations.json", true, true, ""},
        {"answer-processor",
         "raw: vqaEval.py on the answer as is; llava: LLaVA's EvalAIAnswerProcessor first",
         false, false, "raw"},
    };
    info_.metrics = {"overall", "perAnswerType", "perQuestionType"};
    info_.predictions_format =
        "official results JSON [{question_id, answer}] or LLaVA answer JSON-lines {question_id, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    processor_ = config.Get("answer-processor");
    if (processor_ != "raw" && processor_ != "llava") {
      return Status::InvalidInput("--answer-processor must be 'raw' or 'llava', got '" +
                                  processor_ + "'");
    }
    return LoadVqaFormat(config.Get("questions"), config.Get("annotations"), {llava::kShortAnswer},
                         &set_);
  }

  const std::vector<Sample>& samples() const override { return set_.samples; }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, VqaAnswerFileFormat(), out));
    std::vector<std::string> unknown;
    for (const auto& p : *out) {
      if (!set_.index.count(p.id)) unknown.push_back(p.id);
    }
    if (!unknown.empty()) {
      return Status::InvalidInput(path + ": " + std::to_string(unknown.size()) +
                                  " result(s) for question ids not in the annotations "
                                  "(vqaEval.py requires the same question set): " +
                                  FormatIdList(unknown));
    }
    return Status::OK();
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    const auto& annotations = set_.annotations;
    const auto& ids = set_.ids;
    std::vector<const Prediction*> by_question;
    SVIT_RETURN_IF_ERROR(
        AlignPredictions(predictions, set_.index, annotations.size(), &by_question));
    std::vector<std::string> missing;
    for (size_t i = 0; i < annotations.size(); ++i) {
      if (!by_question[i]) missing.push_back(ids[i]);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(
          std::to_string(missing.size()) + " of " + std::to_string(annotations.size()) +
          " questions have no prediction; vqaEval.py requires every annotated question to be "
          "answered: " + FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(annotations.size());
    // Sums are accumulated in annotation order, as the reference does.
    double total = 0.0;
    size_t scored = 0;
    std::vector<std::string> type_order[2];
    std::unordered_map<std::string, std::pair<double, size_t>> sums[2];
    auto add = [&](int kind, const std::string& key, double acc) {
      auto [it, inserted] = sums[kind].try_emplace(key, 0.0, 0);
      if (inserted) type_order[kind].push_back(key);
      it->second.first += acc;
      it->second.second += 1;
    };
    for (size_t i = 0; i < annotations.size(); ++i) {
      const Prediction& p = *by_question[i];
      const VqaAnnotation& q = annotations[i];
      SampleScore& s = result->per_sample[i];
      s.id = ids[i];
      s.prediction = p.text;
      if (p.failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      }
      std::string answer = processor_ == "llava" ? vqa::EvalAiProcess(p.text) : p.text;
      vqa::VqaEvalAnswers gt = vqa::PrepareVqaEvalAnswers(q.answers);
      s.extracted = vqa::VqaEvalProcessPrediction(answer, gt);
      double acc = vqa::LeaveOneOutAccuracy(s.extracted, gt.answers);
      s.score = acc;
      total += acc;
      ++scored;
      add(0, q.answer_type, acc);
      add(1, q.question_type, acc);
    }
    result->counts.total = annotations.size();
    result->counts.answered = scored;
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every accuracy");
    }

    auto percent = [](double sum, size_t n) { return n ? 100.0 * sum / static_cast<double>(n) : 0.0; };
    double overall = percent(total, scored);
    result->metrics_unrounded["overall"] = overall;
    result->metrics["overall"] = py::Round(overall, 2);
    const char* names[2] = {"perAnswerType", "perQuestionType"};
    for (int kind = 0; kind < 2; ++kind) {
      nlohmann::json rounded = nlohmann::json::object(), raw = nlohmann::json::object();
      for (const auto& key : type_order[kind]) {
        const auto& [sum, n] = sums[kind].at(key);
        raw[key] = percent(sum, n);
        rounded[key] = py::Round(percent(sum, n), 2);
      }
      result->metrics[names[kind]] = rounded;
      result->metrics_unrounded[names[kind]] = raw;
    }

    std::string text = "Overall Accuracy is: " + py::FormatFixed(py::Round(overall, 2), 2) + "\n\n";
    text += "Per Answer Type Accuracy is the following:\n";
    for (const auto& key : type_order[0]) {
      const auto& [sum, n] = sums[0].at(key);
      text += key + " : " + py::FormatFixed(py::Round(percent(sum, n), 2), 2) + "\n";
    }
    result->official_output = text;
    if (processor_ == "llava") {
      result->notes.push_back("answers passed through LLaVA's EvalAIAnswerProcessor before vqaEval.py");
    }
    return Status::OK();
  }

 private:
  TaskInfo info_;
  std::string processor_ = "raw";
  VqaFormatSet set_;
};

}  // namespace

std::unique_ptr<Task> MakeVqav2Task() { return std::make_unique<Vqav2Task>(); }

}  // namespace svit

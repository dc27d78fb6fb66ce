// VQAv2: the official question and annotation files, scored as
// GT-Vision-Lab/VQA vqaEval.py does (optionally after LLaVA's EvalAI answer
// processing, as scripts/convert_vqav2_for_submission.py applies it).
#include <cstdio>
#include <mutex>
#include <thread>

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
    // The two files are independent: read them on both cores.
    Status questions_status;
    std::thread questions_reader([&] {
      questions_status = LoadVqaQuestions(config.Get("questions"), &questions_);
    });
    Status annotations_status = LoadVqaAnnotations(config.Get("annotations"), &annotations_);
    questions_reader.join();
    SVIT_RETURN_IF_ERROR(questions_status);
    SVIT_RETURN_IF_ERROR(annotations_status);
    return CheckSameQuestionSet(questions_, annotations_, config.Get("annotations"));
  }

  const std::vector<Sample>& samples() const override {
    // Built on first use: scoring never needs them.
    std::lock_guard<std::mutex> lock(samples_mutex_);
    if (!samples_built_) samples_ = BuildVqaSamples(questions_, {llava::kShortAnswer});
    samples_built_ = true;
    return samples_;
  }

  // vqaEval.evaluate(quesIds) scores any subset of the annotated questions.
  Status Restrict(const std::unordered_set<std::string>& ids) override {
    SVIT_RETURN_IF_ERROR(RestrictVqaSet(ids, &questions_, &annotations_));
    std::lock_guard<std::mutex> lock(samples_mutex_);
    samples_built_ = false;
    samples_.clear();
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, VqaAnswerFileFormat(), out));
    std::vector<std::string> unknown;
    for (const auto& p : *out) {
      if (!annotations_.index.count(p.id)) unknown.push_back(p.id);
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
    const size_t n = annotations_.size();
    std::vector<const Prediction*> by_question(n, nullptr);
    for (const auto& p : predictions) {
      auto it = annotations_.index.find(p.id);
      if (it == annotations_.index.end()) {
        return Status::InvalidInput("prediction for unknown question id " + p.id);
      }
      by_question[it->second] = &p;
    }
    std::vector<std::string> missing;
    for (size_t i = 0; i < n; ++i) {
      if (!by_question[i]) missing.push_back(annotations_.ids[i]);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(
          std::to_string(missing.size()) + " of " + std::to_string(n) +
          " questions have no prediction; vqaEval.py requires every annotated question to be "
          "answered: " + FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(n);
    // Normalisation dominates; score halves of the set on both cores. Sums
    // are taken afterwards in annotation order, as the reference does.
    auto score_range = [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const Prediction& p = *by_question[i];
        SampleScore& s = result->per_sample[i];
        s.id = annotations_.ids[i];
        s.prediction = p.text;
        if (p.failed) {
          s.status = SampleStatus::kFailed;
          continue;
        }
        vqa::VqaEvalAnswers prepared = vqa::PrepareVqaEvalAnswers(AnswersOf(annotations_, i));
        std::string answer = processor_ == "llava" ? vqa::EvalAiProcess(p.text) : p.text;
        s.extracted = vqa::VqaEvalProcessPrediction(answer, prepared);
        s.score = vqa::LeaveOneOutAccuracy(s.extracted, prepared.answers);
      }
    };
    size_t half = n / 2;
    std::thread worker(score_range, 0, half);
    score_range(half, n);
    worker.join();

    double total = 0.0;
    size_t scored = 0;
    const size_t types = annotations_.type_names.size();
    std::vector<double> answer_sum(types, 0.0), question_sum(types, 0.0);
    std::vector<size_t> answer_count(types, 0), question_count(types, 0);
    std::vector<uint32_t> answer_order, question_order;  // first-appearance order
    for (size_t i = 0; i < n; ++i) {
      const SampleScore& s = result->per_sample[i];
      if (s.status == SampleStatus::kFailed) {
        ++result->counts.failed;
        continue;
      }
      total += s.score;
      ++scored;
      uint32_t at = annotations_.answer_type[i], qt = annotations_.question_type[i];
      if (answer_count[at]++ == 0) answer_order.push_back(at);
      if (question_count[qt]++ == 0) question_order.push_back(qt);
      answer_sum[at] += s.score;
      question_sum[qt] += s.score;
    }
    result->counts.total = n;
    result->counts.answered = scored;
    result->columns = VqaSampleColumns(annotations_);
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every accuracy");
    }

    // vqaEval.py: round(100*float(sum)/len, 2), multiplying before dividing.
    auto percent = [](double sum, size_t count) { return count ? 100.0 * sum / static_cast<double>(count) : 0.0; };
    double overall = percent(total, scored);
    result->metrics_unrounded["overall"] = overall;
    result->metrics["overall"] = py::Round(overall, 2);
    auto per_type = [&](const char* name, const std::vector<uint32_t>& order,
                        const std::vector<double>& sums, const std::vector<size_t>& counts) {
      nlohmann::json rounded = nlohmann::json::object(), raw = nlohmann::json::object();
      for (uint32_t t : order) {
        raw[annotations_.type_names[t]] = percent(sums[t], counts[t]);
        rounded[annotations_.type_names[t]] = py::Round(percent(sums[t], counts[t]), 2);
      }
      result->metrics[name] = rounded;
      result->metrics_unrounded[name] = raw;
    };
    per_type("perAnswerType", answer_order, answer_sum, answer_count);
    per_type("perQuestionType", question_order, question_sum, question_count);

    std::string text = "Overall Accuracy is: " + Format2(result->metrics["overall"]) + "\n\n";
    text += "Per Answer Type Accuracy is the following:\n";
    for (uint32_t t : answer_order) {
      const std::string& name = annotations_.type_names[t];
      text += name + " : " + Format2(result->metrics["perAnswerType"][name]) + "\n";
    }
    result->official_output = text;
    if (processor_ == "llava") {
      result->notes.push_back("answers passed through LLaVA's EvalAIAnswerProcessor before vqaEval.py");
    }
    return Status::OK();
  }

 private:
  static std::string Format2(const nlohmann::json& value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.02f", value.get<double>());
    return buffer;
  }

  TaskInfo info_;
  std::string processor_ = "raw";
  VqaQuestions questions_;
  VqaAnnotations annotations_;
  mutable std::mutex samples_mutex_;
  mutable bool samples_built_ = false;
  mutable std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<Task> MakeVqav2Task() { return std::make_unique<Vqav2Task>(); }

}  // namespace svit

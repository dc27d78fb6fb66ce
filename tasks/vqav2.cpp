// VQAv2: the official question and annotation files, scored as
// GT-Vision-Lab/VQA vqaEval.py does (optionally after LLaVA's EvalAI answer
// processing, as scripts/convert_vqav2_for_submission.py applies it).
#include <cstdio>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/json_file.h"
#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/all_tasks.h"
#include "tasks/prediction_files.h"

namespace svit {
namespace {

constexpr char kShortAnswerSuffix[] = "\nAnswer the question using a single word or phrase.";

struct VqaQuestion {
  std::string question_type;
  std::string answer_type;
  std::vector<std::string> answers;  // raw human answers in file order
};

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
    SVIT_RETURN_IF_ERROR(LoadQuestions(config.Get("questions")));
    SVIT_RETURN_IF_ERROR(LoadAnnotations(config.Get("annotations")));
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  // vqaEval.evaluate(quesIds) scores any subset of the annotated questions.
  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<Sample> samples;
    for (auto& s : samples_) {
      if (ids.count(s.id)) samples.push_back(std::move(s));
    }
    samples_ = std::move(samples);
    std::vector<VqaQuestion> annotations;
    std::vector<std::string> kept_ids;
    index_.clear();
    for (size_t i = 0; i < annotations_.size(); ++i) {
      if (!ids.count(ids_[i])) continue;
      index_.emplace(ids_[i], annotations.size());
      annotations.push_back(std::move(annotations_[i]));
      kept_ids.push_back(std::move(ids_[i]));
    }
    annotations_ = std::move(annotations);
    ids_ = std::move(kept_ids);
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    AnswerFileFormat format;
    format.list_id_key = "question_id";
    format.list_text_key = "answer";
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    std::vector<std::string> unknown;
    for (const auto& p : *out) {
      if (!index_.count(p.id)) unknown.push_back(p.id);
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
    std::vector<const Prediction*> by_question(annotations_.size(), nullptr);
    for (const auto& p : predictions) {
      auto it = index_.find(p.id);
      if (it == index_.end()) {
        return Status::InvalidInput("prediction for unknown question id " + p.id);
      }
      by_question[it->second] = &p;
    }
    std::vector<std::string> missing;
    for (size_t i = 0; i < annotations_.size(); ++i) {
      if (!by_question[i]) missing.push_back(ids_[i]);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(
          std::to_string(missing.size()) + " of " + std::to_string(annotations_.size()) +
          " questions have no prediction; vqaEval.py requires every annotated question to be "
          "answered: " + FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(annotations_.size());
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
    for (size_t i = 0; i < annotations_.size(); ++i) {
      const Prediction& p = *by_question[i];
      const VqaQuestion& q = annotations_[i];
      SampleScore& s = result->per_sample[i];
      s.id = ids_[i];
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
    result->counts.total = annotations_.size();
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

    std::string text = "Overall Accuracy is: " + Format2(result->metrics["overall"]) + "\n\n";
    text += "Per Answer Type Accuracy is the following:\n";
    for (const auto& key : type_order[0]) {
      text += key + " : " + Format2(result->metrics["perAnswerType"][key]) + "\n";
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

  Status LoadQuestions(const std::string& path) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    JsonArray questions;
    SVIT_RETURN_IF_ERROR(GetArray(root, "questions", Where{path}, &questions));
    std::string subtype = "val2014";
    std::string_view text;
    if (HasField(root, "data_subtype") && GetString(root, "data_subtype", Where{path}, &text).ok()) {
      subtype.assign(text);
    }
    samples_.clear();
    samples_.reserve(questions.size());
    std::unordered_set<std::string> seen;
    seen.reserve(questions.size());
    size_t index = 0;
    for (JsonValue value : questions) {
      Where where{path, 0, "questions", index++};
      JsonObject q;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &q));
      Sample s;
      SVIT_RETURN_IF_ERROR(GetId(q, "question_id", where, &s.id));
      int64_t image_id;
      SVIT_RETURN_IF_ERROR(GetInt64(q, "image_id", where, &image_id));
      SVIT_RETURN_IF_ERROR(GetString(q, "question", where, &text));
      if (!seen.insert(s.id).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + s.id);
      }
      s.question.assign(text);
      s.prompt = s.question + kShortAnswerSuffix;
      char file[96];
      std::snprintf(file, sizeof file, "COCO_%s_%012lld.jpg", subtype.c_str(),
                    static_cast<long long>(image_id));
      s.images.push_back(ImageRef{file, ""});
      samples_.push_back(std::move(s));
    }
    return Status::OK();
  }

  Status LoadAnnotations(const std::string& path) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    JsonArray annotations;
    SVIT_RETURN_IF_ERROR(GetArray(root, "annotations", Where{path}, &annotations));
    annotations_.clear();
    ids_.clear();
    index_.clear();
    annotations_.reserve(annotations.size());
    ids_.reserve(annotations.size());
    index_.reserve(annotations.size());
    size_t index = 0;
    for (JsonValue value : annotations) {
      Where where{path, 0, "annotations", index++};
      JsonObject a;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &a));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(a, "question_id", where, &id));
      VqaQuestion q;
      std::string_view text;
      SVIT_RETURN_IF_ERROR(GetString(a, "question_type", where, &text));
      q.question_type.assign(text);
      SVIT_RETURN_IF_ERROR(GetString(a, "answer_type", where, &text));
      q.answer_type.assign(text);
      JsonArray answers;
      SVIT_RETURN_IF_ERROR(GetArray(a, "answers", where, &answers));
      size_t answer_index = 0;
      for (JsonValue answer_value : answers) {
        Where answer_where{path, 0, "annotations", where.index};
        JsonObject answer;
        SVIT_RETURN_IF_ERROR(GetObject(answer_value, answer_where, &answer));
        SVIT_RETURN_IF_ERROR(GetString(answer, "answer", answer_where, &text).WithContext(
            "answers[" + std::to_string(answer_index) + "]"));
        q.answers.emplace_back(text);
        ++answer_index;
      }
      if (q.answers.empty()) {
        return Status::InvalidInput(where.ToString() + ": question " + id + " has no answers");
      }
      if (!index_.emplace(id, annotations_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + id);
      }
      ids_.push_back(std::move(id));
      annotations_.push_back(std::move(q));
    }
    // Questions and annotations must describe the same set.
    std::vector<std::string> unannotated;
    for (const auto& s : samples_) {
      if (!index_.count(s.id)) unannotated.push_back(s.id);
    }
    if (!unannotated.empty() || samples_.size() != annotations_.size()) {
      return Status::InvalidInput(path + ": annotations (" + std::to_string(annotations_.size()) +
                                  ") and questions (" + std::to_string(samples_.size()) +
                                  ") are not the same question set" +
                                  (unannotated.empty() ? std::string()
                                                       : "; not annotated: " + FormatIdList(unannotated)));
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::string processor_ = "raw";
  std::vector<Sample> samples_;
  std::vector<VqaQuestion> annotations_;  // annotation-file order
  std::vector<std::string> ids_;          // question id of each annotation
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

std::unique_ptr<Task> MakeVqav2Task() { return std::make_unique<Vqav2Task>(); }

}  // namespace svit

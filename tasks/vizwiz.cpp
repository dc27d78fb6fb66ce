// VizWiz VQA: the annotation list of a labelled split (val.json:
// [{image, question, answers: [{answer, answer_confidence}], answerable,
// answer_type}]) and the model's answers, scored with VQA accuracy as the
// VizWiz evaluation server reports it.
//
// Ids: VizWiz has one question per image, so a sample's id is its image file
// name. Answers are read as the upload LLaVA submits
// (scripts/convert_vizwiz_for_submission.py: [{image, answer}]) or as LLaVA
// answer JSON-lines whose question_id is the image file name; with
// --llava-questions (LLaVA's llava_<split>.jsonl, {question_id, image} per line)
// other question ids are translated to image names. As the converter
// asserts, every question needs an answer.
//
// Scoring: the reply goes through EvalAIAnswerProcessor (what the converter
// uploads), and so do the human answers (as lmms-eval's vizwiz_vqa does; the
// VizWiz API compares against its already-normalised answers as given). Per
// question, the mean over the 10 human answers of min(1, #other matches / 3)
// (float sum, as the VizWiz API's vqaEval); overall and perAnswerType =
// round(100 * mean, 2). Unanswerability, as the VizWiz API reports it: the
// prediction "unanswerable" marks a question unanswerable; average precision
// and F1 of that against answerable == 0 (scikit-learn semantics).
//
// Restrict: the subset is an annotation list of only those images (every
// metric is over the scored questions, so it is the subset's own); every
// question of the subset needs an answer.
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/binary_classification.h"
#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/all_tasks.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr std::string_view kUnanswerable = "unanswerable";

struct VizWizAnnotation {
  std::vector<std::string> answers;  // EvalAI-processed human answers
  std::string answer_type;
  bool answerable = true;
};

class VizWizTask : public Task {
 public:
  VizWizTask() {
    info_.name = "vizwiz";
    info_.family = TaskFamily::kVqa;
    info_.description = "VizWiz VQA (labelled split); VQA accuracy with EvalAI answer processing";
    info_.options = {
        {"annotations", "VizWiz annotation list (e.g. val.json)", true, true, ""},
        {"llava-questions", "LLaVA question file llava_<split>.jsonl mapping question_id to image", true,
         false, ""},
    };
    info_.metrics = {"overall", "perAnswerType", "unanswerability"};
    info_.predictions_format =
        "upload list [{image, answer}] or LLaVA answer JSON-lines {question_id, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    SVIT_RETURN_IF_ERROR(LoadAnnotations(config.Get("annotations")));
    question_images_.clear();
    if (config.Has("llava-questions")) {
      SVIT_RETURN_IF_ERROR(LoadQuestionMap(config.Get("llava-questions")));
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    return RestrictSamples(ids, &samples_, &positions_, &annotations_);
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    AnswerFileFormat format;
    format.list_id_key = "image";
    format.list_text_key = "answer";
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    if (!question_images_.empty()) {
      for (auto& p : *out) {
        auto it = question_images_.find(p.id);
        if (it != question_images_.end()) p.id = it->second;
      }
      SVIT_RETURN_IF_ERROR(CheckDuplicatePredictions(*out, path, /*line_numbers=*/true));
    }
    std::vector<const Prediction*> aligned;
    return AlignPredictions(*out, positions_, samples_.size(), &aligned)
        .WithContext(path + " (ids are image file names; pass --llava-questions to map LLaVA question ids)");
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    std::vector<std::string> missing;
    for (size_t i = 0; i < samples_.size(); ++i) {
      if (!aligned[i]) missing.push_back(samples_[i].id);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(
          std::to_string(missing.size()) + " of " + std::to_string(samples_.size()) +
          " questions have no answer; LLaVA's VizWiz converter requires every question answered: " +
          FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(samples_.size());
    double total = 0.0;
    size_t scored = 0;
    std::vector<std::string> type_order;
    std::unordered_map<std::string, std::pair<double, size_t>> by_type;
    std::vector<bool> truly_unanswerable, predicted_unanswerable;
    for (size_t i = 0; i < samples_.size(); ++i) {
      const Prediction& p = *aligned[i];
      const VizWizAnnotation& a = annotations_[i];
      SampleScore& s = result->per_sample[i];
      s.id = samples_[i].id;
      s.prediction = p.text;
      s.detail = {{"answer_type", a.answer_type}, {"answerable", a.answerable}};
      if (p.failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      }
      s.extracted = vqa::EvalAiProcess(p.text);
      s.score = vqa::LeaveOneOutAccuracy(s.extracted, a.answers);
      total += s.score;
      ++scored;
      auto [it, inserted] = by_type.try_emplace(a.answer_type, 0.0, 0);
      if (inserted) type_order.push_back(a.answer_type);
      it->second.first += s.score;
      it->second.second += 1;
      truly_unanswerable.push_back(!a.answerable);
      predicted_unanswerable.push_back(s.extracted == kUnanswerable);
    }
    if (scored == 0) return Status::InvalidInput("vizwiz: no answered predictions to score");
    result->counts.total = samples_.size();
    result->counts.answered = scored;

    auto percent = [](double sum, size_t n) { return 100.0 * sum / static_cast<double>(n); };
    auto put = [&](nlohmann::json& rounded, nlohmann::json& raw, const std::string& key, double value) {
      raw[key] = value;
      rounded[key] = py::Round(value, 2);
    };
    put(result->metrics, result->metrics_unrounded, "overall", percent(total, scored));
    nlohmann::json rounded = nlohmann::json::object(), raw = nlohmann::json::object();
    for (const auto& type : type_order) {
      const auto& [sum, n] = by_type.at(type);
      put(rounded, raw, type, percent(sum, n));
    }
    result->metrics["perAnswerType"] = rounded;
    result->metrics_unrounded["perAnswerType"] = raw;

    binary::Confusion confusion = binary::Count(truly_unanswerable, predicted_unanswerable);
    std::optional<double> average_precision = binary::AveragePrecision(confusion);
    rounded = nlohmann::json::object();
    raw = nlohmann::json::object();
    if (average_precision) {
      put(rounded, raw, "average_precision", 100.0 * *average_precision);
    } else {
      rounded["average_precision"] = raw["average_precision"] = nullptr;
      result->notes.push_back("no unanswerable question scored: average precision is undefined");
    }
    put(rounded, raw, "f1_score", 100.0 * binary::F1Score(confusion));
    result->metrics["unanswerability"] = rounded;
    result->metrics_unrounded["unanswerability"] = raw;

    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every metric");
    }
    return Status::OK();
  }

 private:
  Status LoadAnnotations(const std::string& path) {
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonArray items;
    if (doc.root().get(items) != simdjson::SUCCESS) {
      return Status::InvalidInput(path + ": expected a JSON array of VizWiz annotations, got " +
                                  std::string(JsonTypeName(doc.root())));
    }
    samples_.clear();
    annotations_.clear();
    positions_.clear();
    size_t index = 0;
    for (JsonValue value : items) {
      Where where{path, 0, "annotations", index++};
      JsonObject item;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &item));
      std::string_view image, question, text;
      SVIT_RETURN_IF_ERROR(GetString(item, "image", where, &image));
      SVIT_RETURN_IF_ERROR(GetString(item, "question", where, &question));
      VizWizAnnotation a;
      SVIT_RETURN_IF_ERROR(GetString(item, "answer_type", where, &text));
      a.answer_type.assign(text);
      int64_t answerable;
      SVIT_RETURN_IF_ERROR(GetInt64(item, "answerable", where, &answerable));
      a.answerable = answerable != 0;
      JsonArray answers;
      SVIT_RETURN_IF_ERROR(GetArray(item, "answers", where, &answers));
      size_t answer_index = 0;
      for (JsonValue answer_value : answers) {
        JsonObject answer;
        Status status = GetObject(answer_value, where, &answer);
        if (status.ok()) status = GetString(answer, "answer", where, &text);
        SVIT_RETURN_IF_ERROR(status.WithContext("answers[" + std::to_string(answer_index++) + "]"));
        a.answers.push_back(vqa::EvalAiProcess(text));
      }
      if (a.answers.empty()) {
        return Status::InvalidInput(where.ToString() + ": image " + std::string(image) +
                                    " has no answers");
      }
      Sample s;
      s.id.assign(image);
      if (!positions_.emplace(s.id, samples_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate image " + s.id +
                                    " (sample ids are image names)");
      }
      s.question.assign(question);
      s.prompt = llava::AppendLines(s.question, {llava::kUnanswerable, llava::kShortAnswer});
      s.images.push_back(ImageRef{s.id, ""});
      samples_.push_back(std::move(s));
      annotations_.push_back(std::move(a));
    }
    return Status::OK();
  }

  Status LoadQuestionMap(const std::string& path) {
    return ForEachJsonLine(path, [&](size_t line, JsonValue value) {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &id));
      std::string_view image;
      SVIT_RETURN_IF_ERROR(GetString(object, "image", where, &image));
      if (!positions_.count(std::string(image))) {
        return Status::InvalidInput(where.ToString() + ": image " + std::string(image) +
                                    " is not in the annotations");
      }
      if (!question_images_.emplace(id, image).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + id);
      }
      return Status::OK();
    });
  }

  TaskInfo info_;
  std::vector<Sample> samples_;
  std::vector<VizWizAnnotation> annotations_;
  std::unordered_map<std::string, size_t> positions_;              // image -> position
  std::unordered_map<std::string, std::string> question_images_;  // LLaVA question_id -> image
};

}  // namespace

std::unique_ptr<Task> MakeVizWizTask() { return std::make_unique<VizWizTask>(); }

}  // namespace svit

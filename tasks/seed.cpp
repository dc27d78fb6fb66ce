// SEED-Bench (v1): SEED-Bench.json ({questions: [{question_id,
// question_type_id, data_type, data_id, question, choice_a..d, answer}],
// question_type: {name: id}}) and LLaVA's answer JSON-lines, scored as
// haotian-liu/LLaVA scripts/convert_seed_for_submission.py prints it: a
// question is correct when the reply is exactly the answer letter (no
// stripping); a question without an answer counts as wrong and is reported
// as missing. Accuracy per question type (sorted by type id), in total, and
// over image and over video questions; each correct / count * 100.
//
// With a live judge (ScoreWithJudge), a reply that is not exactly one of the
// option letters A-D (which the script can only count as wrong) goes to the
// choice-extraction judge (tasks/mcq_judge.h); its letter is compared with
// the answer, Z counts as wrong, and a reply still unread stays as the script
// scores it (wrong).
//
// Ids: the script looks answers up by int(question_id); here both files' ids
// are compared by their decimal text, so integer and string ids match.
// Images: SEED-Bench-image/<data_id> for image questions; for video questions
// the middle frame LLaVA's extract_video_frames.py saves as
// SEED-Bench-video-image/<question_type_id>_<question_id>.png.
//
// Restrict: the script run on an annotation file of only those questions:
// every accuracy is over them, and a question type with none left is not
// listed.
#include <map>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/judged_task.h"
#include "tasks/llava_prompts.h"
#include "tasks/mcq_judge.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr const char* kChoiceKeys[] = {"choice_a", "choice_b", "choice_c", "choice_d"};

struct SeedQuestion {
  int64_t type_id = 0;
  bool is_video = false;
  std::string answer;
};

struct Count {
  size_t correct = 0;
  size_t total = 0;
};

class SeedTask : public JudgedTask {
 public:
  SeedTask() {
    info_.name = "seed";
    info_.family = TaskFamily::kReasoning;
    info_.description = "SEED-Bench (v1) multiple choice; LLaVA convert_seed_for_submission.py accuracy";
    info_.options = {{"annotations", "SEED-Bench.json", true, true, ""}};
    info_.metrics = {"total_accuracy", "image_accuracy", "video_accuracy", "per_question_type"};
    info_.predictions_format = "LLaVA answer JSON-lines {question_id, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    const std::string& path = config.Get("annotations");
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    SVIT_RETURN_IF_ERROR(LoadTypeNames(root, path));
    JsonArray questions;
    SVIT_RETURN_IF_ERROR(GetArray(root, "questions", Where{path}, &questions));
    samples_.clear();
    questions_.clear();
    positions_.clear();
    size_t index = 0;
    for (JsonValue value : questions) {
      Where where{path, 0, "questions", index++};
      JsonObject item;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &item));
      Sample s;
      SVIT_RETURN_IF_ERROR(GetId(item, "question_id", where, &s.id));
      SeedQuestion q;
      SVIT_RETURN_IF_ERROR(GetInt64(item, "question_type_id", where, &q.type_id));
      if (!type_names_.count(q.type_id)) {
        return Status::InvalidInput(where.ToString() + ": question_type_id " +
                                    std::to_string(q.type_id) + " is not in question_type");
      }
      std::string_view text;
      SVIT_RETURN_IF_ERROR(GetString(item, "data_type", where, &text));
      if (text != "image" && text != "video") {
        return Status::InvalidInput(where.ToString() + ": data_type must be 'image' or 'video', got '" +
                                    std::string(text) + "'");
      }
      q.is_video = text == "video";
      SVIT_RETURN_IF_ERROR(GetString(item, "answer", where, &text));
      q.answer.assign(text);
      SVIT_RETURN_IF_ERROR(GetString(item, "question", where, &text));
      s.question.assign(text);
      for (const char* key : kChoiceKeys) {
        SVIT_RETURN_IF_ERROR(GetString(item, key, where, &text));
        s.choices.emplace_back(text);
      }
      SVIT_RETURN_IF_ERROR(GetString(item, "data_id", where, &text));
      s.images.push_back(ImageRef{q.is_video ? "SEED-Bench-video-image/" + std::to_string(q.type_id) +
                                                   "_" + s.id + ".png"
                                             : "SEED-Bench-image/" + std::string(text),
                                  ""});
      s.prompt = llava::MultipleChoicePrompt(s.question, s.choices);
      if (!positions_.emplace(s.id, samples_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + s.id);
      }
      samples_.push_back(std::move(s));
      questions_.push_back(std::move(q));
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    return RestrictSamples(ids, &samples_, &positions_, &questions_);
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, AnswerFileFormat(), out));
    std::vector<const Prediction*> aligned;
    return AlignPredictions(*out, positions_, samples_.size(), &aligned).WithContext(path);
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
    auto undecided = [](const std::string& text) { return !IsOptionLetter(text); };
    McqItemsForUndecided(samples_, aligned, undecided, &items, &sample_of_item);
    McqFallbackRules rules{"scored wrong, as the script scores a reply that is not the letter",
                           "excluded from every accuracy, like a failed model request"};
    return ScoreWithMcqFallback(
        items, sample_of_item, samples_.size(), judge, rules,
        [&](const auto& fallback, ScoreResult* out) { return Evaluate(predictions, &fallback, out); }, result);
  }

 private:
  // What the script's rule (reply == answer letter) reads as a choice.
  static bool IsOptionLetter(const std::string& text) {
    return text.size() == 1 && text[0] >= 'A' && text[0] <= 'D';
  }

  // The script's rule, then (with `fallback`: a judge pass, one entry per
  // sample) the judge's letters; each sample's matched_by says which.
  Status Evaluate(const std::vector<Prediction>& predictions,
                  const std::vector<std::optional<McqFallbackResult>>* fallback, ScoreResult* result) const {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    result->task = info_.name;
    result->per_sample.resize(samples_.size());
    std::map<int64_t, Count> by_type;
    Count all, image, video;
    for (size_t i = 0; i < samples_.size(); ++i) {
      const SeedQuestion& q = questions_[i];
      const Prediction* p = aligned[i];
      SampleScore& s = result->per_sample[i];
      s.id = samples_[i].id;
      s.detail = {{"answer", q.answer}, {"question_type_id", q.type_id},
                  {"data_type", q.is_video ? "video" : "image"}};
      bool correct = false;
      if (!p) {
        s.status = SampleStatus::kMissing;
        ++result->counts.missing;
      } else if (p->failed) {
        s.prediction = p->text;
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;  // no answer: excluded from every accuracy, never scored as wrong
      } else if (const McqFallbackResult* judged = fallback && (*fallback)[i] ? &*(*fallback)[i] : nullptr) {
        RecordMcqFallback(*judged, &s.detail);
        s.prediction = s.extracted = p->text;
        if (judged->failed) {
          // No verdict: left out like a failed model request, never scored as wrong.
          s.status = SampleStatus::kFailed;
          ++result->counts.failed;
          continue;
        }
        if (!judged->letter.empty()) s.extracted = judged->letter;  // Z never equals an answer
        correct = s.extracted == q.answer;
        ++result->counts.answered;
      } else {
        s.prediction = s.extracted = p->text;
        correct = p->text == q.answer;
        ++result->counts.answered;
        if (fallback) s.detail["matched_by"] = "rules";  // the judge was asked about every other reply
      }
      s.score = correct ? 1.0 : 0.0;
      for (Count* count : {&by_type[q.type_id], &all, q.is_video ? &video : &image}) {
        count->correct += correct;
        ++count->total;
      }
    }
    result->counts.total = samples_.size();
    if (all.total == 0) return Status::InvalidInput("seed: the annotation file has no questions");

    auto accuracy = [](const Count& c) {
      return static_cast<double>(c.correct) / static_cast<double>(c.total) * 100.0;
    };
    std::string text;
    nlohmann::json rounded = nlohmann::json::object(), raw = nlohmann::json::object();
    for (const auto& [type_id, count] : by_type) {
      const std::string& name = type_names_.at(type_id);
      raw[name] = accuracy(count);
      rounded[name] = py::Round(accuracy(count), 2);
      text += name + ": " + py::FormatFixed(accuracy(count), 2) + "%\n";
    }
    result->metrics["per_question_type"] = rounded;
    result->metrics_unrounded["per_question_type"] = raw;
    text += "Total accuracy: " + py::FormatFixed(accuracy(all), 2) + "%\n";
    for (const auto& [key, label, count] :
         {std::tuple{"total_accuracy", "", all}, std::tuple{"image_accuracy", "image", image},
          std::tuple{"video_accuracy", "video", video}}) {
      if (count.total == 0) {
        result->metrics[key] = result->metrics_unrounded[key] = nullptr;
        result->notes.push_back(std::string("no ") + label +
                                " questions: their accuracy is undefined (the script would divide "
                                "by zero)");
        continue;
      }
      result->metrics_unrounded[key] = accuracy(count);
      result->metrics[key] = py::Round(accuracy(count), 2);
      if (*label) text += std::string(label) + " accuracy: " + py::FormatFixed(accuracy(count), 2) + "%\n";
    }
    result->official_output = text;
    if (result->counts.missing > 0) {
      result->notes.push_back(std::to_string(result->counts.missing) +
                              " questions have no answer and count as wrong, as the script does");
    }
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every accuracy");
    }
    return Status::OK();
  }

  Status LoadTypeNames(JsonObject root, const std::string& path) {
    type_names_.clear();
    JsonValue types_value;
    JsonObject types;
    SVIT_RETURN_IF_ERROR(GetField(root, "question_type", Where{path}, &types_value));
    SVIT_RETURN_IF_ERROR(GetObject(types_value, Where{path, 0, "question_type"}, &types));
    for (auto [name, id_value] : types) {
      int64_t id;
      if (id_value.get(id) != simdjson::SUCCESS) {
        return Status::InvalidInput(path + ": question_type '" + std::string(name) +
                                    "' must map to an integer id, got " +
                                    std::string(JsonTypeName(id_value)));
      }
      // The script inverts the map, so a later name for the same id wins.
      type_names_[id].assign(name);
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::vector<Sample> samples_;
  std::vector<SeedQuestion> questions_;
  std::unordered_map<std::string, size_t> positions_;
  std::map<int64_t, std::string> type_names_;
};

}  // namespace

std::unique_ptr<Task> MakeSeedTask() { return std::make_unique<SeedTask>(); }

}  // namespace svit

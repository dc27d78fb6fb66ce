// GQA: testdev_balanced_questions.json ({qid: {imageId, question, answer,
// isBalanced, types: {structural, semantic}, semantic: [{operation,
// argument}], ...}}) and LLaVA's answers, scored as LLaVA-1.5 does:
// scripts/convert_gqa_for_eval.py makes each reply a prediction with
// text.rstrip('.').lower(), and the official GQA eval.py (without the
// consistency, validity, plausibility, grounding and distribution parts LLaVA
// drops) counts a question correct when prediction == answer.
//
// Only questions with isBalanced (absent = balanced) are scored, and every one
// of them needs a prediction (eval.py raises otherwise). Metrics, as eval.py:
// accuracy, binary (structural type other than "query"), open ("query"),
// and accuracy per structural type, semantic type, reasoning steps and words
// in the question; each avg * 100. A question without `types` or `semantic`
// is left out of the breakdowns that need them.
//
// Also reported, under its own name: lmms_eval_exact_match, lmms-eval's gqa
// metric (exact_match with ignore_case and ignore_punctuation on the raw
// reply; on the converted prediction when the file is eval.py's predictions
// list), as a fraction.
//
// Restrict: eval.py run on a questions file holding only those questions:
// the balanced ones among them need predictions and every breakdown is over
// them (a type with no question left is not listed).
#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/exact_match.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

struct GqaQuestion {
  std::string answer;
  bool balanced = true;
  bool has_types = false;
  std::string structural;
  std::string semantic;
  int steps = -1;          // -1 when the question has no semantic program
  size_t words = 0;
};

// Accumulates 0/1 scores per key as eval.py's lists do.
template <typename Key>
struct Tally {
  std::map<Key, std::pair<double, size_t>> by_key;  // sorted as eval.py prints
  void Add(const Key& key, double score) {
    auto& [sum, n] = by_key[key];
    sum += score;
    ++n;
  }
};

// eval.py's avg(l) * 100, with avg of an empty list = 0.
double Percent(double sum, size_t n) { return n ? sum / static_cast<double>(n) * 100.0 : 0.0; }

class GqaTask : public Task {
 public:
  GqaTask() {
    info_.name = "gqa";
    info_.family = TaskFamily::kVqa;
    info_.description = "GQA testdev-balanced; LLaVA convert_gqa_for_eval.py + GQA eval.py accuracy";
    info_.options = {{"questions", "testdev_balanced_questions.json", true, true, ""}};
    info_.metrics = {"accuracy",
                     "binary",
                     "open",
                     "accuracyPerStructuralType",
                     "accuracyPerSemanticType",
                     "accuracyPerSteps",
                     "accuracyPerLength",
                     "lmms_eval_exact_match"};
    info_.predictions_format =
        "LLaVA answer JSON-lines {question_id, text} or eval.py predictions [{questionId, prediction}]";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    const std::string& path = config.Get("questions");
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    samples_.clear();
    questions_.clear();
    positions_.clear();
    for (auto [key, value] : root) {
      std::string id(key);
      std::string label = "question " + id;
      Where where{path, 0, label};
      JsonObject item;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &item));
      std::string_view image_id, question, text;
      SVIT_RETURN_IF_ERROR(GetString(item, "imageId", where, &image_id));
      SVIT_RETURN_IF_ERROR(GetString(item, "question", where, &question));
      GqaQuestion q;
      SVIT_RETURN_IF_ERROR(GetString(item, "answer", where, &text));
      q.answer.assign(text);
      if (HasField(item, "isBalanced")) {
        JsonValue balanced;
        SVIT_RETURN_IF_ERROR(GetField(item, "isBalanced", where, &balanced));
        if (balanced.get(q.balanced) != simdjson::SUCCESS) {
          return Status::InvalidInput(where.ToString() + ": field 'isBalanced' must be a boolean, got " +
                                      std::string(JsonTypeName(balanced)));
        }
      }
      if (HasField(item, "types")) {
        JsonValue types_value;
        JsonObject types;
        SVIT_RETURN_IF_ERROR(GetField(item, "types", where, &types_value));
        SVIT_RETURN_IF_ERROR(GetObject(types_value, where, &types).WithContext("types"));
        SVIT_RETURN_IF_ERROR(GetString(types, "structural", where, &text));
        q.structural.assign(text);
        SVIT_RETURN_IF_ERROR(GetString(types, "semantic", where, &text));
        q.semantic.assign(text);
        q.has_types = true;
      }
      if (HasField(item, "semantic")) {
        JsonArray program;
        SVIT_RETURN_IF_ERROR(GetArray(item, "semantic", where, &program));
        SVIT_RETURN_IF_ERROR(CountSteps(program, where, &q.steps));
      }
      q.words = py::Split(question).size();
      Sample s;
      s.id = id;
      s.question.assign(question);
      s.prompt = llava::AppendLines(s.question, {llava::kShortAnswer});
      s.images.push_back(ImageRef{std::string(image_id) + ".jpg", ""});
      if (!positions_.emplace(s.id, samples_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question id");
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
    AnswerFileFormat format;
    format.list_id_key = "questionId";
    format.list_text_key = "prediction";
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    std::vector<const Prediction*> aligned;
    return AlignPredictions(*out, positions_, samples_.size(), &aligned).WithContext(path);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    std::vector<std::string> missing;
    for (size_t i = 0; i < samples_.size(); ++i) {
      if (!aligned[i] && questions_[i].balanced) missing.push_back(samples_[i].id);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(std::to_string(missing.size()) +
                                  " balanced questions have no prediction; GQA eval.py requires "
                                  "a prediction for every question: " + FormatIdList(missing));
    }

    result->task = info_.name;
    result->per_sample.resize(samples_.size());
    double correct = 0.0, binary = 0.0, open = 0.0, lmms_matches = 0.0;
    size_t scored = 0, binary_n = 0, open_n = 0, unbalanced = 0;
    Tally<std::string> structural, semantic;
    Tally<int> steps;
    Tally<size_t> length;
    for (size_t i = 0; i < samples_.size(); ++i) {
      const GqaQuestion& q = questions_[i];
      SampleScore& s = result->per_sample[i];
      s.id = samples_[i].id;
      s.detail = {{"answer", q.answer}};
      const Prediction* p = aligned[i];
      if (p) s.prediction = p->text;
      if (!q.balanced) {
        // eval.py skips unbalanced questions entirely.
        s.detail["balanced"] = false;
        s.status = p ? SampleStatus::kAnswered : SampleStatus::kMissing;
        ++unbalanced;
        continue;
      }
      if (p->failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      }
      s.extracted = em::GqaPrediction(p->text);
      s.score = s.extracted == q.answer ? 1.0 : 0.0;
      bool lmms_match = em::LmmsEvalExactMatch(p->text, q.answer);
      s.detail["lmms_eval_exact_match"] = lmms_match;
      correct += s.score;
      lmms_matches += lmms_match ? 1.0 : 0.0;
      ++scored;
      length.Add(q.words, s.score);
      if (q.steps >= 0) steps.Add(q.steps, s.score);
      if (q.has_types) {
        structural.Add(q.structural, s.score);
        semantic.Add(q.semantic, s.score);
        if (q.structural == "query") {
          open += s.score;
          ++open_n;
        } else {
          binary += s.score;
          ++binary_n;
        }
      }
    }
    if (scored == 0) return Status::InvalidInput("gqa: no answered balanced questions to score");
    result->counts.total = samples_.size();
    result->counts.answered = scored;
    result->counts.missing = std::count(aligned.begin(), aligned.end(), nullptr);

    auto put = [](nlohmann::json* rounded, nlohmann::json* raw, const std::string& key, double value) {
      (*raw)[key] = value;
      (*rounded)[key] = py::Round(value, 2);
    };
    nlohmann::json& metrics = result->metrics;
    nlohmann::json& raw = result->metrics_unrounded;
    put(&metrics, &raw, "accuracy", Percent(correct, scored));
    put(&metrics, &raw, "binary", Percent(binary, binary_n));
    put(&metrics, &raw, "open", Percent(open, open_n));
    std::string text = "Binary: " + py::FormatFixed(Percent(binary, binary_n), 2) + "%\n" +
                       "Open: " + py::FormatFixed(Percent(open, open_n), 2) + "%\n" +
                       "Accuracy: " + py::FormatFixed(Percent(correct, scored), 2) + "%\n";
    auto breakdown = [&](const auto& tally, const char* name, const char* title) {
      nlohmann::json rounded = nlohmann::json::object(), values = nlohmann::json::object();
      text += std::string("\n") + title + ":\n";
      for (const auto& [key, entry] : tally.by_key) {
        std::string label = KeyText(key);
        double value = Percent(entry.first, entry.second);
        put(&rounded, &values, label, value);
        text += "  " + label + ": " + py::FormatFixed(value, 2) + "% (" +
                std::to_string(entry.second) + " questions)\n";
      }
      metrics[name] = rounded;
      raw[name] = values;
    };
    breakdown(structural, "accuracyPerStructuralType", "Accuracy / structural type");
    breakdown(semantic, "accuracyPerSemanticType", "Accuracy / semantic type");
    breakdown(steps, "accuracyPerSteps", "Accuracy / steps number");
    breakdown(length, "accuracyPerLength", "Accuracy / words number");
    result->official_output = text;

    double lmms = lmms_matches / static_cast<double>(scored);
    raw["lmms_eval_exact_match"] = lmms;
    metrics["lmms_eval_exact_match"] = py::Round(lmms, 4);
    if (unbalanced > 0) {
      result->notes.push_back(std::to_string(unbalanced) +
                              " unbalanced questions are not scored (eval.py scores isBalanced only)");
    }
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from every metric");
    }
    return Status::OK();
  }

 private:
  static std::string KeyText(const std::string& key) { return key; }
  template <typename Number>
  static std::string KeyText(Number key) { return std::to_string(key); }

  // eval.py's getStepsNum: program steps other than those whose
  // "operation: argument" mentions "exist", "query: name" or "choose name".
  static Status CountSteps(JsonArray program, const Where& where, int* steps) {
    *steps = 0;
    size_t index = 0;
    for (JsonValue step_value : program) {
      JsonObject step;
      std::string_view operation, argument;
      Status status = GetObject(step_value, where, &step);
      if (status.ok()) status = GetString(step, "operation", where, &operation);
      if (status.ok()) status = GetString(step, "argument", where, &argument);
      SVIT_RETURN_IF_ERROR(status.WithContext("semantic[" + std::to_string(index++) + "]"));
      std::string described = std::string(operation) + ": " + std::string(argument);
      bool final_query = described.find("exist") != std::string::npos ||
                         described.find("query: name") != std::string::npos ||
                         described.find("choose name") != std::string::npos;
      if (!final_query) ++*steps;
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::vector<Sample> samples_;
  std::vector<GqaQuestion> questions_;
  std::unordered_map<std::string, size_t> positions_;
};

}  // namespace

std::unique_ptr<Task> MakeGqaTask() { return std::make_unique<GqaTask>(); }

}  // namespace svit

// TextVQA: TextVQA_0.5.1_val.json and LLaVA's answer JSON-lines, scored as
// haotian-liu/LLaVA llava/eval/eval_textvqa.py does with m4c_evaluator's
// TextVQAAccuracyEvaluator.
//
// LLaVA's answer lines carry the TextVQA image id as question_id; the script
// recovers the question from the recorded prompt and joins each line to the
// annotation with the same (image_id, lower-cased question). Samples are the
// annotations (id = TextVQA question_id), so an answer line is mapped to a
// sample id when the file is read. Where two annotations share a join key the
// script keeps the last one's answers for every line with that key; the n-th
// line with a key goes to the n-th annotation with it, scored with those
// answers. The accuracy is over the answer lines only (the script does not
// require every question answered); unanswered questions are counted as
// missing and reported.
//
// Restrict: the script scores whatever answer lines it is given against the
// whole annotation file, so a subset is its questions' answer lines: the
// kept samples keep the answers the full file's join gives them (the last
// annotation's for a shared key), and the accuracy is over their lines.
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/all_tasks.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr size_t kAnswersPerQuestion = 10;  // the evaluator asserts exactly 10

std::string JoinKey(std::string_view image_id, std::string_view lowered_question) {
  std::string key(image_id);
  key += '\0';
  key += lowered_question;
  return key;
}

// eval_textvqa.py's prompt_processor: the question inside one of the three
// prompt layouts, lower-cased; false when the prompt has none of them.
bool QuestionFromPrompt(std::string_view prompt, std::string* question) {
  constexpr std::string_view kOcrPrefix = "OCR tokens: ";
  constexpr std::string_view kQuestion = "Question: ";
  constexpr std::string_view kShortAnswer = " Short answer:";
  constexpr std::string_view kReference = "Reference OCR token: ";
  constexpr std::string_view kReferenceStart = "Reference OCR token:";
  if (prompt.substr(0, kOcrPrefix.size()) == kOcrPrefix) {
    // re.search(r"Question: (.*?) Short answer:", prompt, re.DOTALL)
    size_t start = prompt.find(kQuestion);
    if (start == std::string_view::npos) return false;
    start += kQuestion.size();
    size_t end = prompt.find(kShortAnswer, start);
    if (end == std::string_view::npos) return false;
    *question = py::Lower(prompt.substr(start, end - start));
    return true;
  }
  std::vector<std::string_view> lines;  // prompt.split('\n')
  size_t begin = 0;
  while (true) {
    size_t newline = prompt.find('\n', begin);
    lines.push_back(prompt.substr(begin, newline == std::string_view::npos ? std::string_view::npos
                                                                            : newline - begin));
    if (newline == std::string_view::npos) break;
    begin = newline + 1;
  }
  if (prompt.find(kReference) != std::string_view::npos && lines.size() == 3) {
    bool reference_first = prompt.substr(0, kReferenceStart.size()) == kReferenceStart;
    *question = py::Lower(reference_first ? lines[1] : lines[0]);
    return true;
  }
  if (lines.size() == 2) {
    *question = py::Lower(lines[0]);
    return true;
  }
  return false;
}

class TextVqaTask : public Task {
 public:
  TextVqaTask() {
    info_.name = "textvqa";
    info_.family = TaskFamily::kVqa;
    info_.description = "TextVQA val; LLaVA eval_textvqa.py (m4c TextVQAAccuracyEvaluator)";
    info_.options = {{"annotations", "TextVQA_0.5.1_val.json", true, true, ""}};
    info_.metrics = {"accuracy"};
    info_.predictions_format =
        "LLaVA answer JSON-lines {question_id: TextVQA image_id, prompt, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    const std::string& path = config.Get("annotations");
    JsonDocument doc;
    SVIT_RETURN_IF_ERROR(doc.Load(path));
    JsonObject root;
    SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
    JsonArray data;
    SVIT_RETURN_IF_ERROR(GetArray(root, "data", Where{path}, &data));
    samples_.clear();
    answers_.clear();
    positions_.clear();
    by_key_.clear();
    keys_.clear();
    size_t index = 0;
    for (JsonValue value : data) {
      Where where{path, 0, "data", index++};
      JsonObject item;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &item));
      Sample s;
      SVIT_RETURN_IF_ERROR(GetId(item, "question_id", where, &s.id));
      std::string_view image_id, question, text;
      SVIT_RETURN_IF_ERROR(GetString(item, "image_id", where, &image_id));
      SVIT_RETURN_IF_ERROR(GetString(item, "question", where, &question));
      JsonArray answers;
      SVIT_RETURN_IF_ERROR(GetArray(item, "answers", where, &answers));
      std::vector<std::string> processed;
      for (JsonValue answer : answers) {
        if (answer.get(text) != simdjson::SUCCESS) {
          return Status::InvalidInput(where.ToString() + ": field 'answers' must hold strings, got " +
                                      std::string(JsonTypeName(answer)));
        }
        processed.push_back(vqa::EvalAiProcess(text));
      }
      if (processed.size() != kAnswersPerQuestion) {
        return Status::InvalidInput(where.ToString() + ": question " + s.id + " has " +
                                    std::to_string(processed.size()) +
                                    " answers; TextVQAAccuracyEvaluator requires exactly 10");
      }
      std::vector<std::string> ocr_tokens;
      if (HasField(item, "ocr_tokens")) {
        JsonArray tokens;
        SVIT_RETURN_IF_ERROR(GetArray(item, "ocr_tokens", where, &tokens));
        for (JsonValue token : tokens) {
          if (token.get(text) != simdjson::SUCCESS) {
            return Status::InvalidInput(where.ToString() +
                                        ": field 'ocr_tokens' must hold strings, got " +
                                        std::string(JsonTypeName(token)));
          }
          ocr_tokens.emplace_back(text);
        }
      }
      if (!positions_.emplace(s.id, samples_.size()).second) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + s.id);
      }
      s.question.assign(question);
      s.prompt = RenderPrompt(s.question, ocr_tokens);
      s.images.push_back(ImageRef{std::string(image_id) + ".jpg", ""});
      keys_.push_back(JoinKey(image_id, py::Lower(question)));
      by_key_[keys_.back()].push_back(samples_.size());
      answers_.push_back(std::move(processed));
      samples_.push_back(std::move(s));
    }
    // The script's join keeps the last annotation per key.
    shared_keys_ = 0;
    for (const auto& [key, positions] : by_key_) {
      if (positions.size() < 2) continue;
      shared_keys_ += positions.size();
      for (size_t position : positions) answers_[position] = answers_[positions.back()];
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    SVIT_RETURN_IF_ERROR(RestrictSamples(ids, &samples_, &positions_, &answers_, &keys_));
    shared_keys_ = 0;  // kept samples whose key the full file shares
    for (const auto& key : keys_) shared_keys_ += by_key_.at(key).size() > 1;
    by_key_.clear();
    for (size_t i = 0; i < keys_.size(); ++i) by_key_[keys_[i]].push_back(i);
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    AnswerFileFormat format;
    format.unique_ids = false;
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, format, out));
    std::unordered_map<std::string, size_t> used;  // join key -> lines seen
    std::vector<std::string> unknown;
    for (auto& p : *out) {
      std::string question;
      if (!QuestionFromPrompt(p.prompt, &question)) {
        return Status::InvalidInput(
            path + ":" + std::to_string(p.line) +
            ": field 'prompt' is missing or in none of the layouts eval_textvqa.py reads "
            "('<question>\\nReference OCR token: ...\\n<instruction>', '<question>\\n<instruction>', "
            "'OCR tokens: ... Question: <question> Short answer:')");
      }
      std::string key = JoinKey(p.id, question);
      auto it = by_key_.find(key);
      if (it == by_key_.end()) {
        unknown.push_back("line " + std::to_string(p.line) + " (image " + p.id + ", '" + question + "')");
        continue;
      }
      size_t nth = used[key]++;
      if (nth >= it->second.size()) {
        return Status::InvalidInput(path + ":" + std::to_string(p.line) +
                                    ": duplicate answer for image " + p.id + " and question '" +
                                    question + "'");
      }
      p.id = samples_[it->second[nth]].id;
    }
    if (!unknown.empty()) {
      return Status::InvalidInput(
          path + ": " + std::to_string(unknown.size()) +
          " answer(s) match no annotation by (image_id, lower-cased question): " +
          FormatIdList(unknown));
    }
    return Status::OK();
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, positions_, samples_.size(), &aligned));
    result->task = info_.name;
    result->per_sample.resize(samples_.size());
    std::vector<double> scores(samples_.size(), 0.0);
    for (size_t i = 0; i < samples_.size(); ++i) {
      SampleScore& s = result->per_sample[i];
      s.id = samples_[i].id;
      const Prediction* p = aligned[i];
      if (!p) {
        s.status = SampleStatus::kMissing;
        ++result->counts.missing;
        continue;
      }
      s.prediction = p->text;
      if (p->failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      }
      s.extracted = vqa::EvalAiProcess(p->text);
      s.score = vqa::LeaveOneOutAccuracy(s.extracted, answers_[i]);
      scores[i] = s.score;
    }
    // The script averages over its answer lines in file order.
    double sum = 0.0;
    size_t scored = 0;
    for (const auto& p : predictions) {
      if (p.failed) continue;
      sum += scores[positions_.at(p.id)];
      ++scored;
    }
    if (scored == 0) {
      return Status::InvalidInput("textvqa: no answered predictions to score");
    }
    result->counts.total = samples_.size();
    result->counts.answered = scored;
    double accuracy = 100.0 * (sum / static_cast<double>(scored));
    result->metrics_unrounded["accuracy"] = accuracy;
    result->metrics["accuracy"] = py::Round(accuracy, 2);
    result->official_output = "Samples: " + std::to_string(scored) +
                              "\nAccuracy: " + py::FormatFixed(accuracy, 2) + "%\n";
    if (result->counts.missing > 0) {
      result->notes.push_back(std::to_string(result->counts.missing) +
                              " questions have no answer; eval_textvqa.py averages over the "
                              "answers given, so they are not in the accuracy");
    }
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from the accuracy");
    }
    if (shared_keys_ > 0) {
      result->notes.push_back(std::to_string(shared_keys_) +
                              " annotations share an (image_id, question) key; as in "
                              "eval_textvqa.py they are scored with the last one's answers");
    }
    return Status::OK();
  }

 private:
  static std::string RenderPrompt(const std::string& question,
                                  const std::vector<std::string>& ocr_tokens) {
    if (ocr_tokens.empty()) return llava::AppendLines(question, {llava::kShortAnswer});
    std::string reference = "Reference OCR token: ";
    for (size_t i = 0; i < ocr_tokens.size(); ++i) {
      if (i) reference += ", ";
      reference += ocr_tokens[i];
    }
    return llava::AppendLines(question, {reference, llava::kShortAnswer});
  }

  TaskInfo info_;
  std::vector<Sample> samples_;
  std::vector<std::vector<std::string>> answers_;  // EvalAI-processed human answers per sample
  std::unordered_map<std::string, size_t> positions_;               // sample id -> position
  std::vector<std::string> keys_;                                   // join key per sample
  std::unordered_map<std::string, std::vector<size_t>> by_key_;     // join key -> positions
  size_t shared_keys_ = 0;
};

}  // namespace

std::unique_ptr<Task> MakeTextVqaTask() { return std::make_unique<TextVqaTask>(); }

}  // namespace svit

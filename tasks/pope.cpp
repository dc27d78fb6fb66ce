// POPE: AoiDragon/POPE label files (coco_pope_<category>.json, JSON-lines)
// with LLaVA's llava_pope_test.jsonl question file, scored as LLaVA's
// llava/eval/eval_pope.py does. eval_pope.py pairs each category's answers
// (in answer-file order) with the label lines BY POSITION; we keep that
// pairing, refuse a count mismatch (eval_pope.py would silently truncate
// and misalign), and report pairs whose question and label line differ.
//
// Restrict: on the full files the k-th answer of a category meets the
// category's k-th label line, which is the category's k-th question of the
// question file. A subset is scored as eval_pope.py scores label files
// holding only its questions' lines (in order): per category, over its kept
// questions; a category with none left is not scored, and mean_f1 is over
// the categories left.
#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/pope.h"
#include "metrics/python_format.h"
#include "tasks/all_tasks.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr std::string_view kShortAnswerSuffix = "\nAnswer the question using a single word or phrase.";
constexpr std::string_view kLabelPrefix = "coco_pope_";
constexpr std::string_view kLabelSuffix = ".json";

struct LabelLine {
  bool yes = false;
  std::string image;  // "" when the file does not say
  std::string text;
};

struct LabelFile {
  std::string category;
  std::string path;
  std::vector<LabelLine> lines;
};

struct PopeQuestion {
  std::string category;
  std::string image;
  std::string question;  // without LLaVA's suffix
};

// eval_pope.py: category = file name between "coco_pope_" and ".json".
bool CategoryFromFileName(const std::string& path, std::string* category) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.size() <= kLabelPrefix.size() + kLabelSuffix.size() || !name.starts_with(kLabelPrefix) ||
      !name.ends_with(kLabelSuffix)) {
    return false;
  }
  *category = name.substr(kLabelPrefix.size(), name.size() - kLabelPrefix.size() - kLabelSuffix.size());
  return true;
}

class PopeTask : public Task {
 public:
  PopeTask() {
    info_.name = "pope";
    info_.family = TaskFamily::kReasoning;
    info_.description = "POPE object hallucination (yes/no); LLaVA llava/eval/eval_pope.py";
    info_.options = {
        {"labels",
         "coco_pope_<category>.json label files (JSON-lines): their folder (eval_pope.py's "
         "--annotation-dir) or a comma-separated list; CATEGORY=FILE for a file named otherwise",
         true, true, ""},
        {"questions", "llava_pope_test.jsonl ({question_id, image, text, category})", true, true, ""},
    };
    info_.metrics = {"<category>/TP, FP, TN, FN, accuracy, precision, recall, f1, yes_ratio", "mean_f1"};
    info_.predictions_format =
        "LLaVA answer JSON-lines {question_id, text}; eval_pope.py pairs each category's answers "
        "with the label lines in file order";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    labels_.clear();
    SVIT_RETURN_IF_ERROR(LoadLabelFiles(config.Get("labels")));
    return LoadQuestions(config.Get("questions"));
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<size_t> kept;
    SVIT_RETURN_IF_ERROR(SelectSamples(samples_, ids, &kept));
    std::map<std::string, std::vector<LabelLine>> kept_lines;  // category -> its kept questions' lines
    std::unordered_map<std::string, size_t> questions_before;  // category -> questions seen
    for (size_t i = 0, next = 0; i < samples_.size() && next < kept.size(); ++i) {
      const std::string& category = questions_.at(samples_[i].id).category;
      size_t k = questions_before[category]++;
      if (kept[next] != i) continue;
      ++next;
      const LabelFile& labels = LabelsOf(category);
      if (k >= labels.lines.size()) {
        return Status::InvalidInput("question " + samples_[i].id + " is question " + std::to_string(k + 1) +
                                    " of category '" + category + "' but " + labels.path + " has " +
                                    std::to_string(labels.lines.size()) + " label lines");
      }
      kept_lines[category].push_back(labels.lines[k]);
    }
    std::erase_if(labels_, [&](const LabelFile& f) { return !kept_lines.count(f.category); });
    for (LabelFile& labels : labels_) labels.lines = std::move(kept_lines[labels.category]);
    KeepPositions(kept, &samples_);
    std::unordered_set<std::string_view> kept_ids;
    for (const Sample& s : samples_) kept_ids.insert(s.id);
    std::erase_if(questions_, [&](const auto& entry) { return !kept_ids.count(entry.first); });
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, AnswerFileFormat{}, out));
    std::vector<std::string> unknown;
    for (const auto& p : *out) {
      if (!questions_.count(p.id)) unknown.push_back(p.id);
    }
    if (!unknown.empty()) {
      return Status::InvalidInput(path + ": " + std::to_string(unknown.size()) +
                                  " answer(s) for question ids not in " + questions_path_ +
                                  " (eval_pope.py would fail on them): " + FormatIdList(unknown));
    }
    return Status::OK();
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    // Answers from a file keep the file's order (eval_pope.py pairs by it);
    // answers from a run carry no line and take the question-file order,
    // which is the order LLaVA's model_vqa_loader.py writes.
    std::vector<const Prediction*> ordered;
    ordered.reserve(predictions.size());
    std::unordered_map<std::string_view, const Prediction*> seen;
    for (const auto& p : predictions) {
      if (!questions_.count(p.id)) return Status::InvalidInput("answer for unknown question id " + p.id);
      if (!seen.emplace(p.id, &p).second) return Status::InvalidInput("two answers for question id " + p.id);
      ordered.push_back(&p);
    }
    bool from_run =
        std::all_of(predictions.begin(), predictions.end(), [](const Prediction& p) { return p.line == 0; });
    if (from_run) {
      std::stable_sort(ordered.begin(), ordered.end(), [&](const Prediction* a, const Prediction* b) {
        return question_order_.at(a->id) < question_order_.at(b->id);
      });
    }

    result->task = info_.name;
    std::map<std::string, size_t> unlabelled;  // category -> answers eval_pope.py ignores
    std::unordered_map<std::string, std::vector<const Prediction*>> by_category;
    for (const Prediction* p : ordered) {
      const std::string& category = questions_.at(p->id).category;
      if (!HasLabels(category)) {
        ++unlabelled[category];
        continue;
      }
      by_category[category].push_back(p);
    }

    std::string output;
    double f1_sum = 0;
    for (const LabelFile& labels : labels_) {
      const auto& answers = by_category[labels.category];
      if (answers.size() != labels.lines.size()) {
        return Status::InvalidInput(
            "category '" + labels.category + "': " + std::to_string(answers.size()) + " answers for " +
            std::to_string(labels.lines.size()) + " label lines in " + labels.path +
            "; eval_pope.py pairs answers and label lines by position, so it would silently drop " +
            std::to_string(labels.lines.size() > answers.size() ? labels.lines.size() - answers.size()
                                                                : answers.size() - labels.lines.size()) +
            " and misalign the rest. Every question of the category must be answered, and the "
            "label file must be the one the question file was made from");
      }
      SVIT_RETURN_IF_ERROR(ScoreCategory(labels, answers, result, &output, &f1_sum));
    }
    double mean_f1 = f1_sum / static_cast<double>(labels_.size());
    result->metrics["mean_f1"] = mean_f1;
    result->metrics_unrounded["mean_f1"] = mean_f1;
    result->official_output = output;
    result->counts.total = result->per_sample.size();
    result->counts.answered = result->counts.total - result->counts.failed;
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are left out of every count (their label lines "
                              "keep their positions)");
    }
    for (const auto& [category, count] : unlabelled) {
      result->notes.push_back(std::to_string(count) + " answers in category '" + category +
                              "' have no label file and are not scored (as in eval_pope.py)");
    }
    result->notes.push_back("mean_f1 is the mean F1 over the " + std::to_string(labels_.size()) +
                            " categories (LLaVA reports it x100)");
    return Status::OK();
  }

 private:
  bool HasLabels(const std::string& category) const {
    return std::any_of(labels_.begin(), labels_.end(),
                       [&](const LabelFile& f) { return f.category == category; });
  }

  // The label file of a category that has one.
  const LabelFile& LabelsOf(const std::string& category) const {
    return *std::find_if(labels_.begin(), labels_.end(),
                         [&](const LabelFile& f) { return f.category == category; });
  }

  Status ScoreCategory(const LabelFile& labels, const std::vector<const Prediction*>& answers,
                       ScoreResult* result, std::string* output, double* f1_sum) const {
    std::vector<bool> predicted, truth;
    size_t misaligned = 0;
    std::string first_misaligned;
    for (size_t k = 0; k < answers.size(); ++k) {
      const Prediction& p = *answers[k];
      const LabelLine& label = labels.lines[k];
      const PopeQuestion& q = questions_.at(p.id);
      SampleScore s;
      s.id = p.id;
      s.prediction = p.text;
      bool aligned =
          (label.image.empty() || label.image == q.image) && (label.text.empty() || label.text == q.question);
      if (!aligned && misaligned++ == 0) {
        first_misaligned = "answer " + p.id + " ('" + q.question + "', " + q.image + ") is paired with " +
                           labels.path + " line " + std::to_string(k + 1) + " ('" + label.text + "', " +
                           label.image + ")";
      }
      s.detail = {{"category", labels.category},
                  {"label", label.yes ? "yes" : "no"},
                  {"label_line", k + 1},
                  {"aligned", aligned}};
      if (p.failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
      } else {
        bool yes = pope::AnswerIsYes(p.text);
        s.extracted = yes ? "yes" : "no";
        s.score = yes == label.yes ? 1.0 : 0.0;
        predicted.push_back(yes);
        truth.push_back(label.yes);
      }
      result->per_sample.push_back(std::move(s));
    }
    if (predicted.empty()) {
      return Status::InvalidInput("category '" + labels.category +
                                  "': no answered question to score (every request failed)");
    }
    pope::Metrics m = pope::ComputeMetrics(predicted, truth);
    nlohmann::json values = {
        {"TP", m.counts.tp},       {"FP", m.counts.fp},        {"TN", m.counts.tn},  {"FN", m.counts.fn},
        {"accuracy", m.accuracy},  {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1},
        {"yes_ratio", m.yes_ratio}};
    // eval_pope.py prints full floats; its only rounding is the summary line.
    result->metrics[labels.category] = values;
    result->metrics_unrounded[labels.category] = values;
    *f1_sum += m.f1;

    auto& out = *output;
    out += "Category: " + labels.category + ", # samples: " + std::to_string(predicted.size()) + "\n";
    out += "TP\tFP\tTN\tFN\t\n";
    out += std::to_string(m.counts.tp) + "\t" + std::to_string(m.counts.fp) + "\t" +
           std::to_string(m.counts.tn) + "\t" + std::to_string(m.counts.fn) + "\n";
    out += "Accuracy: " + py::FloatRepr(m.accuracy) + "\n";
    out += "Precision: " + py::FloatRepr(m.precision) + "\n";
    out += "Recall: " + py::FloatRepr(m.recall) + "\n";
    out += "F1 score: " + py::FloatRepr(m.f1) + "\n";
    out += "Yes ratio: " + py::FloatRepr(m.yes_ratio) + "\n";
    out += py::FormatFixed(m.f1, 3) + ", " + py::FormatFixed(m.accuracy, 3) + ", " +
           py::FormatFixed(m.precision, 3) + ", " + py::FormatFixed(m.recall, 3) + ", " +
           py::FormatFixed(m.yes_ratio, 3) + "\n";
    out += "====================================\n";

    if (misaligned > 0) {
      result->notes.push_back("category '" + labels.category + "': " + std::to_string(misaligned) + " of " +
                              std::to_string(answers.size()) +
                              " answer/label pairs are for different questions, e.g. " + first_misaligned +
                              "; the numbers follow eval_pope.py's pairing by position");
    }
    if (m.counts.tp + m.counts.fp == 0 || m.counts.tp + m.counts.fn == 0 || !(m.precision + m.recall > 0)) {
      result->notes.push_back("category '" + labels.category +
                              "': eval_pope.py stops with ZeroDivisionError here; precision, recall "
                              "or F1 are undefined (null)");
    }
    return Status::OK();
  }

  Status AddLabelFile(std::string category, const std::string& path) {
    for (const auto& f : labels_) {
      if (f.category == category) {
        return Status::InvalidInput("--labels: category '" + category + "' given twice (" + f.path + " and " +
                                    path + ")");
      }
    }
    LabelFile file{std::move(category), path, {}};
    SVIT_RETURN_IF_ERROR(ForEachJsonLine(path, [&](size_t line, JsonValue value) {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      std::string_view text;
      SVIT_RETURN_IF_ERROR(GetString(object, "label", where, &text));
      if (text != "yes" && text != "no") {
        return Status::InvalidInput(where.ToString() + ": field 'label' must be \"yes\" or \"no\", got \"" +
                                    std::string(text) + "\"");
      }
      LabelLine label;
      label.yes = text == "yes";
      if (HasField(object, "image")) {
        SVIT_RETURN_IF_ERROR(GetString(object, "image", where, &text));
        label.image.assign(text);
      }
      if (HasField(object, "text")) {
        SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
        label.text.assign(text);
      }
      file.lines.push_back(std::move(label));
      return Status::OK();
    }));
    if (file.lines.empty()) return Status::InvalidInput(path + ": no label lines");
    labels_.push_back(std::move(file));
    return Status::OK();
  }

  Status LoadLabelFiles(const std::string& spec) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(spec, ec)) {
      // eval_pope.py reads every file of --annotation-dir (and asserts each
      // is a coco_pope_*.json); listing order is made deterministic here.
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(spec, ec)) files.push_back(entry.path().string());
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        std::string category;
        if (!CategoryFromFileName(file, &category)) {
          return Status::InvalidInput(file +
                                      ": the --labels folder may only hold coco_pope_<category>.json "
                                      "files (eval_pope.py asserts this)");
        }
        SVIT_RETURN_IF_ERROR(AddLabelFile(category, file));
      }
      if (labels_.empty()) return Status::InvalidInput(spec + ": no coco_pope_<category>.json files");
      return Status::OK();
    }
    size_t start = 0;
    while (start <= spec.size()) {
      size_t end = spec.find(',', start);
      if (end == std::string::npos) end = spec.size();
      std::string item = spec.substr(start, end - start);
      start = end + 1;
      if (item.empty()) continue;
      std::string category, path = item;
      size_t equals = item.find('=');
      if (equals != std::string::npos && !fs::exists(item, ec)) {
        category = item.substr(0, equals);
        path = item.substr(equals + 1);
      } else if (!CategoryFromFileName(item, &category)) {
        return Status::InvalidInput(item +
                                    ": cannot tell the POPE category from the file name (expected "
                                    "coco_pope_<category>.json); pass it as CATEGORY=" +
                                    item);
      }
      if (category.empty()) return Status::InvalidInput("--labels: empty category in '" + item + "'");
      SVIT_RETURN_IF_ERROR(AddLabelFile(category, path));
    }
    if (labels_.empty()) return Status::InvalidInput("--labels: no label file given");
    return Status::OK();
  }

  Status LoadQuestions(const std::string& path) {
    questions_.clear();
    question_order_.clear();
    samples_.clear();
    questions_path_ = path;
    std::unordered_map<std::string, size_t> first_line;
    SVIT_RETURN_IF_ERROR(ForEachJsonLine(path, [&](size_t line, JsonValue value) {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      std::string id;
      SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &id));
      std::string_view image, text, category;
      SVIT_RETURN_IF_ERROR(GetString(object, "image", where, &image));
      SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
      SVIT_RETURN_IF_ERROR(GetString(object, "category", where, &category));
      auto [it, inserted] = first_line.emplace(id, line);
      if (!inserted) {
        return Status::InvalidInput(where.ToString() + ": duplicate question_id " + id + " (first on line " +
                                    std::to_string(it->second) + ")");
      }
      PopeQuestion q{std::string(category), std::string(image), std::string(text)};
      if (q.question.ends_with(kShortAnswerSuffix))
        q.question.resize(q.question.size() - kShortAnswerSuffix.size());
      question_order_.emplace(id, question_order_.size());
      if (HasLabels(q.category)) {
        Sample s;
        s.id = id;
        s.question = q.question;
        s.prompt = q.question + std::string(kShortAnswerSuffix);
        s.images.push_back(ImageRef{q.image, ""});
        samples_.push_back(std::move(s));
      }
      questions_.emplace(std::move(id), std::move(q));
      return Status::OK();
    }));
    for (const auto& labels : labels_) {
      size_t count = 0;
      for (const auto& [id, q] : questions_) count += q.category == labels.category;
      if (count == 0) {
        return Status::InvalidInput(path + ": no question has category '" + labels.category + "' (from " +
                                    labels.path + ")");
      }
    }
    return Status::OK();
  }

  TaskInfo info_;
  std::vector<LabelFile> labels_;  // in the order they are scored and printed
  std::unordered_map<std::string, PopeQuestion> questions_;
  std::unordered_map<std::string, size_t> question_order_;
  std::string questions_path_;
  std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<Task> MakePopeTask() { return std::make_unique<PopeTask>(); }

}  // namespace svit

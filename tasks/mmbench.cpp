// MMBench dev (en: task "mmbench", cn: task "mmbench_cn"): the official TSV
// with base64 images, prompted as LLaVA's llava/eval/model_vqa_mmbench.py
// does (--single-pred-prompt; --lang cn for MMBench-CN), scored with the
// rule-based matching and CircularEval of lmms-eval's mmbench_evals.py
// (VLMEvalKit's rules). Circular copies of question i are the rows with
// index i + k * 1,000,000 and rotated options. Rows the rules cannot decide
// would go to a GPT matcher: they are marked unparseable, and a question
// they leave open counts as not hit and is reported as unresolved.
// With a live judge (ScoreWithJudge) they go to it, as VLMEvalKit does
// (tasks/mcq_judge.h): per row before the circular grouping, for the
// questions no rule-decided copy has already missed (VLMEvalKit's prefetch);
// the judge's letter then counts like a rule-inferred one, Z as wrong.
//
// Restrict: CircularEval scores whole questions, so the given rows are
// extended to every circular copy of their questions (samples() lists the
// extension; Score says so in a note). The subset is then scored as the
// rules score a TSV holding only those questions: every mean is over them,
// and a category with none left is not listed.
#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/base64.h"
#include "core/json_file.h"
#include "core/tsv_file.h"
#include "metrics/mmbench_matching.h"
#include "metrics/python_format.h"
#include "metrics/python_text.h"
#include "tasks/all_tasks.h"
#include "tasks/judged_task.h"
#include "tasks/mcq_judge.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

constexpr int64_t kCircularStride = 1000000;
constexpr char kLetters[] = "ABCD";

struct MmbenchRow {
  int64_t index = 0;
  char answer = 'A';
  std::string category;
  std::string l2_category;
  std::vector<std::string> options;  // LLaVA's: A.. up to the first missing one
  mmbench::Choices choices;          // lmms-eval's: every present option of A-D
  size_t line = 0;
};

// model_vqa_mmbench.py's is_none for cells pandas has already read.
bool IsNoneCell(std::string_view cell) {
  if (IsPandasNa(cell)) return true;
  std::string lower = py::Lower(cell);
  return lower == "nan" || lower == "none";
}

bool ParseIndex(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

bool HasCjk(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = py::NextCodePoint(text, &pos);
    if (cp >= 0x4E00 && cp <= 0x9FFF) return true;
  }
  return false;
}

class MmbenchTask : public JudgedTask {
 public:
  explicit MmbenchTask(bool chinese) : chinese_(chinese) {
    info_.name = chinese ? "mmbench_cn" : "mmbench";
    info_.family = TaskFamily::kReasoning;
    info_.description = std::string(chinese ? "MMBench-CN" : "MMBench") +
                        " dev multiple choice; lmms-eval/VLMEvalKit rule matching + CircularEval";
    info_.options = {
        {"data",
         std::string(chinese ? "mmbench_dev_cn_20231003.tsv" : "mmbench_dev_20230712.tsv") +
             " (index, question, hint, A-D, answer, category, l2-category, image as base64)",
         true, true, ""},
    };
    info_.metrics = {"overall", "category/<name>", "l2_category/<name>"};
    info_.predictions_format =
        "LLaVA model_vqa_mmbench.py answer JSON-lines {question_id: index, round_id: 0, text, options}, "
        "or a .tsv with index and prediction columns (VLMEvalKit)";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    rows_.clear();
    samples_.clear();
    row_of_.clear();
    restrict_note_.clear();
    data_path_ = config.Get("data");
    TsvTable table;
    SVIT_RETURN_IF_ERROR(table.Load(data_path_));
    Columns columns;
    for (size_t c = 0; c < kColumnCount; ++c) {
      columns[c] = table.Column(kColumnNames[c]);
      if (columns[c] == TsvTable::kNoColumn && c != kL2) {
        return Status::InvalidInput(data_path_ + ": no '" + std::string(kColumnNames[c]) + "' column" +
                                    (c == kAnswer ? " (a test split has no answers to score against)" : ""));
      }
    }
    has_l2_ = columns[kL2] != TsvTable::kNoColumn;
    size_t chinese_questions = 0;
    for (size_t r = 0; r < table.rows(); ++r) {
      SVIT_RETURN_IF_ERROR(AddRow(table, columns, r));
      chinese_questions += HasCjk(samples_.back().question);
    }
    if (rows_.empty()) return Status::InvalidInput(data_path_ + ": no rows");
    SVIT_RETURN_IF_ERROR(DecodeImages(table, columns));
    for (const auto& row : rows_) {
      if (row.index >= kCircularStride && !row_of_.count(row.index % kCircularStride)) {
        return Status::InvalidInput(data_path_ + ":" + std::to_string(row.line) + ": circular copy " +
                                    std::to_string(row.index) + " has no base question " +
                                    std::to_string(row.index % kCircularStride));
      }
    }
    language_note_.clear();
    if (!chinese_ && chinese_questions * 2 > rows_.size()) {
      language_note_ =
          "most questions are Chinese: for MMBench-CN use task mmbench_cn (its prompt asks for the "
          "letter in Chinese)";
    } else if (chinese_ && chinese_questions == 0) {
      language_note_ = "no question is Chinese: for English MMBench use task mmbench";
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<size_t> kept;
    SVIT_RETURN_IF_ERROR(SelectSamples(samples_, ids, &kept));
    std::unordered_set<int64_t> questions;
    for (size_t r : kept) questions.insert(rows_[r].index % kCircularStride);
    kept.clear();
    for (size_t r = 0; r < rows_.size(); ++r) {
      if (questions.count(rows_[r].index % kCircularStride)) kept.push_back(r);
    }
    KeepPositions(kept, &rows_);
    KeepPositions(kept, &samples_);
    row_of_.clear();
    for (size_t r = 0; r < rows_.size(); ++r) row_of_.emplace(rows_[r].index, r);
    restrict_note_ = "restricted to " + std::to_string(questions.size()) + " questions: the " +
                     std::to_string(ids.size()) + " rows asked for, extended to every circular copy (" +
                     std::to_string(rows_.size()) + " rows), as CircularEval scores whole questions";
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    out->clear();
    std::string lower = py::Lower(path);
    if (lower.ends_with(".xlsx")) {
      return Status::InvalidInput(
          path + ": .xlsx is not read; save the sheet as .tsv (index and prediction columns)");
    }
    if (lower.ends_with(".tsv")) return ReadPredictionTable(path, out);
    return ReadLlavaAnswers(path, out);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    return Evaluate(predictions, nullptr, result);
  }

  // The rules score without a judge; a judge only settles what they leave open.
  bool NeedsLiveJudge() const override { return false; }

  Status ScoreWithJudge(const std::vector<Prediction>& predictions, JudgeClient* judge,
                        ScoreResult* result) const override {
    std::vector<const Prediction*> by_row;
    SVIT_RETURN_IF_ERROR(AlignRows(predictions, &by_row));
    // Questions every copy of which has an answer, that the rules leave open.
    std::map<int64_t, std::vector<size_t>> groups;
    for (size_t r = 0; r < rows_.size(); ++r) groups[rows_[r].index % kCircularStride].push_back(r);
    std::vector<McqFallbackItem> items;
    std::vector<size_t> row_of_item;
    for (const auto& [base, members] : groups) {
      std::vector<mmbench::CopyAnswer> copies;
      for (size_t r : members) {
        if (!by_row[r] || by_row[r]->failed) break;
        copies.push_back({mmbench::CanInfer(by_row[r]->text, rows_[r].choices), rows_[r].answer});
      }
      if (copies.size() != members.size() || mmbench::EvaluateCircular(copies) != mmbench::Outcome::kUnresolved) {
        continue;
      }
      for (size_t k = 0; k < members.size(); ++k) {
        if (copies[k].extracted) continue;
        size_t r = members[k];
        McqFallbackItem item{samples_[r].id, samples_[r].question, {}, by_row[r]->text};
        for (const auto& [letter, text] : rows_[r].choices) item.choices.push_back({std::string(1, letter), text});
        items.push_back(std::move(item));
        row_of_item.push_back(r);
      }
    }
    SVIT_RETURN_IF_ERROR(ScoreWithMcqFallback(
        items, row_of_item, rows_.size(), judge,
        {"the row stays unparseable and its question unresolved (not hit)",
         "the row counts as failed and its question, unless another copy is wrong, is left out of every mean"},
        [&](const auto& fallback, ScoreResult* out) { return Evaluate(predictions, &fallback, out); }, result));
    size_t chinese_asked = std::count_if(items.begin(), items.end(),
                                         [](const McqFallbackItem& item) { return HasCjk(item.question); });
    if (chinese_asked > 0) {
      result->notes.push_back(std::to_string(chinese_asked) +
                              " asked rows have Chinese questions: VLMEvalKit would ask those with its Chinese "
                              "matching prompt (build_prompt_cn); svit-eval used the English one");
    }
    return Status::OK();
  }

 private:
  Status AlignRows(const std::vector<Prediction>& predictions, std::vector<const Prediction*>* by_row) const {
    by_row->assign(rows_.size(), nullptr);
    for (const auto& p : predictions) {
      int64_t index;
      auto it = ParseIndex(p.id, &index) ? row_of_.find(index) : row_of_.end();
      if (it == row_of_.end()) return Status::InvalidInput("prediction for unknown MMBench index " + p.id);
      if ((*by_row)[it->second]) return Status::InvalidInput("two predictions for MMBench index " + p.id);
      (*by_row)[it->second] = &p;
    }
    return Status::OK();
  }

  // The rules, then (with `fallback`: a judge pass, one entry per row) the
  // judge's letters for the rows it was asked about; the rows' matched_by
  // say which.
  Status Evaluate(const std::vector<Prediction>& predictions,
                  const std::vector<std::optional<McqFallbackResult>>* fallback, ScoreResult* result) const {
    std::vector<const Prediction*> by_row;
    SVIT_RETURN_IF_ERROR(AlignRows(predictions, &by_row));

    result->task = info_.name;
    result->per_sample.resize(rows_.size());
    std::vector<char> extracted(rows_.size(), '\0');
    std::vector<bool> failed(rows_.size(), false);  // the model's or the judge's request
    ScoreCounts& counts = result->counts;
    counts.total = rows_.size();
    for (size_t r = 0; r < rows_.size(); ++r) {
      SampleScore& s = result->per_sample[r];
      const MmbenchRow& row = rows_[r];
      s.id = samples_[r].id;
      const Prediction* p = by_row[r];
      if (!p) {
        s.status = SampleStatus::kMissing;
        ++counts.missing;
        continue;
      }
      s.prediction = p->text;
      if (p->failed) {
        s.status = SampleStatus::kFailed;
        ++counts.failed;
        failed[r] = true;
        continue;
      }
      extracted[r] = mmbench::CanInfer(p->text, row.choices);
      std::string matched_by = extracted[r] ? "rules" : "not_asked";
      if (fallback && (*fallback)[r]) {
        const McqFallbackResult& judged = *(*fallback)[r];
        matched_by = McqFallbackMatch(judged);
        if (!judged.letter.empty()) extracted[r] = judged.letter[0];  // Z never equals an answer
        if (judged.failed) {
          s.status = SampleStatus::kFailed;
          ++counts.failed;
          failed[r] = true;
          continue;
        }
      }
      if (extracted[r]) {
        s.extracted = std::string(1, extracted[r]);
        s.score = extracted[r] == row.answer ? 1.0 : 0.0;
        ++counts.answered;
      } else {
        s.status = SampleStatus::kUnparseable;
        ++counts.unparseable;
      }
      if (fallback) s.detail["matched_by"] = matched_by;
    }

    // Circular groups: copies of each base question, in index order.
    std::map<int64_t, std::vector<size_t>> groups;
    for (size_t r = 0; r < rows_.size(); ++r) groups[rows_[r].index % kCircularStride].push_back(r);
    size_t unresolved = 0, excluded = 0, missing_groups = 0;
    struct Tally {
      size_t hits = 0, n = 0;
    };
    Tally overall;
    std::map<std::string, Tally> by_category, by_l2;
    for (auto& [base, members] : groups) {
      std::sort(members.begin(), members.end(),
                [&](size_t a, size_t b) { return rows_[a].index < rows_[b].index; });
      std::vector<mmbench::CopyAnswer> copies;
      bool any_missing = false, any_failed = false;
      for (size_t r : members) {
        if (!by_row[r])
          any_missing = true;
        else if (failed[r])
          any_failed = true;
        else
          copies.push_back({extracted[r], rows_[r].answer});
      }
      mmbench::Outcome outcome = mmbench::EvaluateCircular(copies);
      std::string name = mmbench::OutcomeName(outcome);
      // A missing answer cannot be right; a failed request decides nothing.
      if (outcome != mmbench::Outcome::kMiss && any_missing) {
        outcome = mmbench::Outcome::kMiss;
        name = "miss (missing answer)";
        ++missing_groups;
      } else if (outcome != mmbench::Outcome::kMiss && any_failed) {
        name = "excluded (failed request)";
        ++excluded;
      } else if (outcome == mmbench::Outcome::kUnresolved) {
        ++unresolved;
      }
      for (size_t r : members) {
        nlohmann::json& detail = result->per_sample[r].detail;
        nlohmann::json matched_by = detail.is_object() ? detail["matched_by"] : nlohmann::json();
        detail = {{"answer", std::string(1, rows_[r].answer)},
                  {"category", rows_[r].category},
                  {"base_index", base},
                  {"circular", name}};
        if (!matched_by.is_null()) detail["matched_by"] = matched_by;
        if (fallback && (*fallback)[r]) RecordMcqFallback(*(*fallback)[r], &detail);
      }
      if (name.starts_with("excluded")) continue;
      const MmbenchRow& base_row = rows_[row_of_.at(base)];
      size_t hit = outcome == mmbench::Outcome::kHit ? 1 : 0;
      for (Tally* t : {&overall, &by_category[base_row.category]}) {
        t->hits += hit;
        ++t->n;
      }
      if (has_l2_) {
        by_l2[base_row.l2_category].hits += hit;
        ++by_l2[base_row.l2_category].n;
      }
    }

    auto mean = [](const Tally& t) {
      return t.n ? static_cast<double>(t.hits) / static_cast<double>(t.n)
                 : std::numeric_limits<double>::quiet_NaN();
    };
    nlohmann::json metrics;
    metrics["overall"] = mean(overall);
    std::string output = "Category Acc. (dev):\n";
    metrics["category"] = nlohmann::json::object();
    for (const auto& [name, tally] : by_category) {
      metrics["category"][name] = mean(tally);
      if (name != "split") output += "\t" + name + ": " + py::FormatFixed(mean(tally) * 100, 3) + "\n";
    }
    if (has_l2_) {
      output += "L2-category Acc. (dev):\n";
      metrics["l2_category"] = nlohmann::json::object();
      for (const auto& [name, tally] : by_l2) {
        metrics["l2_category"][name] = mean(tally);
        if (name != "split") output += "\t" + name + ": " + py::FormatFixed(mean(tally) * 100, 3) + "\n";
      }
    }
    // lmms-eval returns unrounded fractions (and prints percentages to 3 places).
    result->metrics = metrics;
    result->metrics_unrounded = metrics;
    result->official_output = output;

    result->notes.push_back(
        std::to_string(groups.size()) + " questions, " + std::to_string(rows_.size()) +
        " rows (circular copies); a question is hit only if every copy is answered right");
    if (unresolved > 0) {
      result->notes.push_back(std::to_string(unresolved) + " questions are unresolved: " +
                              (fallback ? "neither the rules nor the judge can read "
                                        : "the rules cannot read ") +
                              std::to_string(counts.unparseable) + " answers and no decided copy is wrong" +
                              (fallback ? "" : " (lmms-eval would ask GPT)") + "; they count as not hit");
    }
    if (missing_groups > 0) {
      result->notes.push_back(std::to_string(counts.missing) + " rows have no prediction; their " +
                              std::to_string(missing_groups) + " questions count as not hit");
    }
    if (excluded > 0) {
      result->notes.push_back(std::to_string(excluded) +
                              " questions with a failed request are left out of every mean");
    }
    if (!language_note_.empty()) result->notes.push_back(language_note_);
    if (!restrict_note_.empty()) result->notes.push_back(restrict_note_);
    return Status::OK();
  }

  // Columns model_vqa_mmbench.py and lmms-eval read; l2-category is optional.
  enum Column { kIndex, kQuestion, kHint, kA, kAnswer = kA + 4, kCategory, kImage, kL2, kColumnCount };
  static constexpr const char* kColumnNames[kColumnCount] = {
      "index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image", "l2-category"};
  using Columns = std::array<size_t, kColumnCount>;

  Status AddRow(const TsvTable& table, const Columns& columns, size_t r) {
    std::string where = data_path_ + ":" + std::to_string(table.Line(r));
    MmbenchRow row;
    row.line = table.Line(r);
    std::string_view index_text = table.Cell(r, columns[kIndex]);
    if (!ParseIndex(index_text, &row.index)) {
      return Status::InvalidInput(where + ": field 'index' must be a non-negative integer, got '" +
                                  std::string(index_text) + "'");
    }
    auto [it, inserted] = row_of_.emplace(row.index, rows_.size());
    if (!inserted) {
      return Status::InvalidInput(where + ": duplicate index " + std::to_string(row.index) +
                                  " (first on line " + std::to_string(rows_[it->second].line) + ")");
    }
    for (int k = 0; k < 4; ++k) {
      std::string_view cell = table.Cell(r, columns[kA + k]);
      if (!IsPandasNa(cell)) row.choices.emplace_back(kLetters[k], std::string(cell));
    }
    for (int k = 0; k < 4; ++k) {
      std::string_view cell = table.Cell(r, columns[kA + k]);
      if (IsNoneCell(cell)) break;
      row.options.emplace_back(cell);
    }
    std::string_view answer = table.Cell(r, columns[kAnswer]);
    bool answer_ok = answer.size() == 1 && std::any_of(row.choices.begin(), row.choices.end(),
                                                       [&](const auto& c) { return c.first == answer[0]; });
    if (!answer_ok) {
      return Status::InvalidInput(where +
                                  ": field 'answer' must be the letter of one of the row's options, "
                                  "got '" +
                                  std::string(answer) + "'");
    }
    row.answer = answer[0];
    row.category.assign(table.Cell(r, columns[kCategory]));
    if (has_l2_) row.l2_category.assign(table.Cell(r, columns[kL2]));

    Sample s;
    s.id = std::to_string(row.index);
    s.question.assign(table.Cell(r, columns[kQuestion]));
    s.prompt = RenderPrompt(table.Cell(r, columns[kHint]), s.question, row.options);
    s.choices = row.options;
    rows_.push_back(std::move(row));
    samples_.push_back(std::move(s));
    return Status::OK();
  }

  // model_vqa_mmbench.py --single-pred-prompt: hint (unless none), question,
  // one "X. option" line per option, the answer-format line.
  std::string RenderPrompt(std::string_view hint, const std::string& question,
                           const std::vector<std::string>& options) const {
    std::string prompt = IsNoneCell(hint) ? question : std::string(hint) + "\n" + question;
    for (size_t k = 0; k < options.size(); ++k) {
      prompt += "\n" + std::string(1, kLetters[k]) + ". " + options[k];
    }
    prompt += chinese_ ? "\n请直接回答选项字母。"
                       : "\nAnswer with the option's letter from the given choices directly.";
    return prompt;
  }

  // Images are base64, or (VLMEvalKit TSVs) the index of the row holding one.
  Status DecodeImages(const TsvTable& table, const Columns& columns) {
    std::unordered_map<std::string_view, size_t> row_by_index;
    for (size_t r = 0; r < table.rows(); ++r) row_by_index.emplace(table.Cell(r, columns[kIndex]), r);
    for (size_t r = 0; r < table.rows(); ++r) {
      std::string_view image = table.Cell(r, columns[kImage]);
      if (image.size() <= 64) {
        auto ref = row_by_index.find(image);
        if (ref != row_by_index.end() && table.Cell(ref->second, columns[kImage]).size() > 64) {
          image = table.Cell(ref->second, columns[kImage]);
        }
      }
      std::string bytes;
      if (image.empty() || !DecodeBase64(image, &bytes)) {
        return Status::InvalidInput(data_path_ + ":" + std::to_string(table.Line(r)) +
                                    ": field 'image' is not base64 image data (nor the index of a row "
                                    "holding it)");
      }
      samples_[r].images.push_back(ImageRef{"", std::move(bytes)});
    }
    return Status::OK();
  }

  // Checks that `*id` names a row and writes it in canonical form ("007" -> "7").
  Status CheckKnown(const std::string& path, size_t line, std::string* id) const {
    int64_t index;
    if (!ParseIndex(*id, &index) || !row_of_.count(index)) {
      return Status::InvalidInput(path + ":" + std::to_string(line) + ": prediction for index " + *id +
                                  ", which " + data_path_ + " does not have");
    }
    *id = std::to_string(index);
    return Status::OK();
  }

  Status CheckDuplicate(const std::string& path, size_t line, const std::string& id,
                        std::unordered_map<std::string, size_t>* seen) const {
    auto [it, inserted] = seen->emplace(id, line);
    if (!inserted) {
      return Status::InvalidInput(path + ":" + std::to_string(line) + ": duplicate prediction for index " +
                                  id + " (first on line " + std::to_string(it->second) + ")");
    }
    return Status::OK();
  }

  Status ReadLlavaAnswers(const std::string& path, std::vector<Prediction>* out) const {
    std::unordered_map<std::string, size_t> seen;
    return ForEachJsonLine(path, [&](size_t line, JsonValue value) {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      Prediction p;
      SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &p.id));
      std::string_view text;
      SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
      p.text.assign(text);
      if (HasField(object, "prompt")) {
        SVIT_RETURN_IF_ERROR(GetString(object, "prompt", where, &text));
        p.prompt.assign(text);
      }
      if (HasField(object, "round_id")) {
        int64_t round = 0;
        SVIT_RETURN_IF_ERROR(GetInt64(object, "round_id", where, &round));
        if (round != 0) {
          return Status::InvalidInput(where.ToString() + ": round_id " + std::to_string(round) +
                                      ": answers from model_vqa_mmbench.py --all-rounds are not scored; the "
                                      "TSV's circular copies (index + k*1000000) are the rotations");
        }
      }
      SVIT_RETURN_IF_ERROR(CheckKnown(path, line, &p.id));
      SVIT_RETURN_IF_ERROR(CheckDuplicate(path, line, p.id, &seen));
      if (HasField(object, "options")) SVIT_RETURN_IF_ERROR(CheckOptions(object, where, p.id));
      p.line = line;
      out->push_back(std::move(p));
      return Status::OK();
    });
  }

  // The options LLaVA recorded must be the TSV row's: otherwise the answers
  // were made from another TSV (e.g. the other language or version).
  Status CheckOptions(JsonObject object, const Where& where, const std::string& id) const {
    JsonArray options;
    SVIT_RETURN_IF_ERROR(GetArray(object, "options", where, &options));
    std::vector<std::string> recorded;
    for (JsonValue option : options) {
      std::string_view text;
      if (option.get(text) != simdjson::SUCCESS) return Status::OK();  // numeric cells: not comparable
      recorded.emplace_back(text);
    }
    int64_t index;
    ParseIndex(id, &index);
    const MmbenchRow& row = rows_[row_of_.at(index)];
    if (recorded != row.options) {
      return Status::InvalidInput(where.ToString() + ": field 'options' differs from the options of index " +
                                  id + " in " + data_path_ + " (line " + std::to_string(row.line) +
                                  "); were the answers made from another TSV?");
    }
    return Status::OK();
  }

  Status ReadPredictionTable(const std::string& path, std::vector<Prediction>* out) const {
    TsvTable table;
    SVIT_RETURN_IF_ERROR(table.Load(path));
    size_t index_column = table.Column("index"), prediction_column = table.Column("prediction");
    if (index_column == TsvTable::kNoColumn || prediction_column == TsvTable::kNoColumn) {
      return Status::InvalidInput(path + ": a predictions TSV needs 'index' and 'prediction' columns");
    }
    std::unordered_map<std::string, size_t> seen;
    for (size_t r = 0; r < table.rows(); ++r) {
      Prediction p;
      p.line = table.Line(r);
      p.id.assign(table.Cell(r, index_column));
      SVIT_RETURN_IF_ERROR(CheckKnown(path, p.line, &p.id));
      SVIT_RETURN_IF_ERROR(CheckDuplicate(path, p.line, p.id, &seen));
      std::string_view text = table.Cell(r, prediction_column);
      // lmms-eval/VLMEvalKit score str(prediction): a cell pandas reads as NaN is "nan".
      p.text = IsPandasNa(text) ? "nan" : std::string(text);
      out->push_back(std::move(p));
    }
    return Status::OK();
  }

  bool chinese_;
  TaskInfo info_;
  std::string data_path_;
  bool has_l2_ = false;
  std::vector<MmbenchRow> rows_;
  std::vector<Sample> samples_;
  std::unordered_map<int64_t, size_t> row_of_;  // index -> row
  std::string language_note_;
  std::string restrict_note_;  // set by Restrict
};

}  // namespace

std::unique_ptr<Task> MakeMmbenchTask() { return std::make_unique<MmbenchTask>(false); }
std::unique_ptr<Task> MakeMmbenchCnTask() { return std::make_unique<MmbenchTask>(true); }

}  // namespace svit

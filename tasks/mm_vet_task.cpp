// mm-vet: MM-Vet graded by a GPT-4-class model with the protocol of
// yuweihao/MM-Vet mm-vet_evaluator.py (tasks/mm_vet.h), aggregated per
// capability and capability combination over runs (metrics/mmvet_grade.h).
//
// Restrict: the evaluator with sub_set = those ids: only their answers are
// needed and graded (a grade file's other records are skipped), and every
// summary is over them, so a capability or combination none of them has is
// not a column.
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/mmvet_grade.h"
#include "metrics/python_number.h"
#include "tasks/all_tasks.h"
#include "tasks/judge_settings.h"
#include "tasks/judged_task.h"
#include "tasks/mm_vet.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

// A CSV field as pandas writes it: quoted when it holds a comma or a quote.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One of the evaluator's two CSV files (DataFrame.to_csv): a header of the
// columns, then the model's row; `runs` as numpy 1.x prints a list.
std::string CapabilityCsv(const std::string& model, const std::vector<mmvet::Column>& columns,
                          const mmvet::Summary& s) {
  std::string header, row = CsvField(model);
  for (const auto& c : columns) {
    header += "," + CsvField(c.name);
    row += "," + py::FloatRepr(c.rounded);
  }
  std::string runs = "[";
  for (size_t i = 0; i < s.total_runs_rounded.size(); ++i) {
    runs += (i ? ", " : "") + py::FloatRepr(s.total_runs_rounded[i]);
  }
  runs += "]";
  header += ",total,std,runs\n";
  row += "," + py::FloatRepr(s.total.rounded) + "," + py::FloatRepr(s.std_rounded) + "," + CsvField(runs) + "\n";
  return header + row;
}

nlohmann::json Columns(const std::vector<mmvet::Column>& columns, bool rounded) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& c : columns) out[c.name] = Number(rounded ? c.rounded : c.mean);
  return out;
}

class MmvetTask : public JudgedTask {
 public:
  MmvetTask() {
    info_.name = "mm-vet";
    info_.family = TaskFamily::kDialogue;
    info_.description = "MM-Vet; GPT-4 grader of yuweihao/MM-Vet mm-vet_evaluator.py, per capability over runs";
    info_.options = {
        {"annotations", "mm-vet.json {v1_<n>: {imagename, capability, question, answer}}", true, true, ""},
        {"judge-replay",
         "grade file written by mm-vet_evaluator.py (<model>_<gpt>-grade-<n>runs.json): score from it, no judge model",
         true, false, ""},
        {"mode",
         "default: samples whose grading retries ran out are excluded and counted; official: graded 0.0",
         false, false, "default"},
        {"runs", "grading runs (the evaluator's --num_run; 5 in the paper)", false, false, "1"},
    };
    info_.metrics = {"total", "std", "runs", "capabilities", "capability_integrations"};
    info_.predictions_format =
        "results JSON {\"v1_<n>\": answer} (convert_mmvet_for_eval.py) or LLaVA answer JSON-lines "
        "{question_id: n, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    SVIT_RETURN_IF_ERROR(ParseJudgeMode(config.Get("mode"), &official_));
    SVIT_RETURN_IF_ERROR(ParseInt("runs", config.Get("runs"), 1, 100, &runs_));
    annotations_path_ = config.Get("annotations");
    SVIT_RETURN_IF_ERROR(LoadMmvet(annotations_path_, &items_));
    index_.clear();
    samples_.clear();
    restricted_ = false;
    for (size_t i = 0; i < items_.size(); ++i) {
      index_[items_[i].id] = i;
      Sample s;
      s.id = items_[i].id;
      s.question = items_[i].question;
      s.prompt = items_[i].question;  // LLaVA's llava-mm-vet.jsonl asks the question as is
      s.images.push_back(ImageRef{items_[i].image, ""});
      samples_.push_back(std::move(s));
    }
    model_name_ = std::filesystem::path(config.Get("predictions")).stem().string();
    replay_path_ = config.Get("judge-replay");
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    SVIT_RETURN_IF_ERROR(RestrictSamples(ids, &samples_, &index_, &items_));
    restricted_ = true;
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    out->clear();
    JsonDocument doc;
    JsonObject root;
    bool results_object = doc.Load(path).ok() && doc.root().get(root) == simdjson::SUCCESS &&
                          !HasField(root, "question_id");
    if (results_object) {
      size_t index = 0;
      for (auto [key, value] : root) {
        Prediction p;
        p.id.assign(key);
        std::string_view text;
        if (value.get(text) != simdjson::SUCCESS) {
          return Status::InvalidInput(path + ": the answer for '" + p.id + "' must be a string, got " +
                                      std::string(JsonTypeName(value)));
        }
        p.text.assign(text);
        p.line = index++;
        out->push_back(std::move(p));
      }
    } else {
      SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, AnswerFileFormat(), out));
      for (auto& p : *out) p.id = "v1_" + p.id;  // as scripts/convert_mmvet_for_eval.py names them
    }
    std::unordered_set<std::string> known;
    for (const auto& item : items_) known.insert(item.id);
    return CheckPredictionIds(*out, known, path);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    if (replay_path_.empty()) {
      return Status::InvalidInput(
          "mm-vet is scored by a judge model: give --judge-replay GRADES.json (a grade file of "
          "mm-vet_evaluator.py) or a live judge (see docs/judge.md)");
    }
    std::unique_ptr<MmvetGradeReplay> replay;
    SVIT_RETURN_IF_ERROR(MmvetGradeReplay::Open(replay_path_, items_, runs_, restricted_, &replay));
    return ScoreWithJudge(predictions, replay.get(), result);
  }

  bool NeedsLiveJudge() const override { return replay_path_.empty(); }

  Status ScoreWithJudge(const std::vector<Prediction>& predictions, JudgeClient* judge,
                        ScoreResult* result) const override {
    // The evaluator reads results[id] for every sample: all must be answered.
    std::vector<std::string_view> texts(items_.size());
    std::vector<bool> answered(items_.size(), false), model_failed(items_.size(), false);
    for (const auto& p : predictions) {
      size_t i = index_.at(p.id);
      texts[i] = p.text;
      answered[i] = true;
      model_failed[i] = p.failed;
    }
    std::vector<std::string> missing;
    for (size_t i = 0; i < items_.size(); ++i) {
      if (!answered[i]) missing.push_back(items_[i].id);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(std::to_string(missing.size()) + " of " + std::to_string(items_.size()) +
                                  " samples have no prediction; mm-vet_evaluator.py needs every sample answered: " +
                                  FormatIdList(missing));
    }

    // A model answer that failed is not graded: it is counted as failed.
    std::vector<MmvetItem> judged_items;
    std::vector<std::string_view> judged_texts;
    std::vector<size_t> judged_index;
    for (size_t i = 0; i < items_.size(); ++i) {
      if (model_failed[i]) continue;
      judged_items.push_back(items_[i]);
      judged_texts.push_back(texts[i]);
      judged_index.push_back(i);
    }
    JudgeSession session(judge, MmvetJudgeProtocol(runs_));
    std::vector<std::vector<MmvetGrade>> judged_grades;
    SVIT_RETURN_IF_ERROR(GradeMmvet(judged_items, judged_texts, runs_, &session, &judged_grades));
    std::vector<std::vector<MmvetGrade>> grades(runs_, std::vector<MmvetGrade>(items_.size()));
    for (int run = 0; run < runs_; ++run) {
      for (size_t i = 0; i < items_.size(); ++i) {
        if (model_failed[i]) grades[run][i].content = "the model's answer failed; not graded";
      }
      for (size_t k = 0; k < judged_index.size(); ++k) grades[run][judged_index[k]] = judged_grades[run][k];
    }
    if (judged_index.size() < items_.size()) {
      result->notes.push_back(std::to_string(items_.size() - judged_index.size()) +
                              " model answers failed (no answer) and are not graded");
    }

    // The chosen mode's samples, and the official rule's for the evaluator's
    // own output (exhausted retries grade 0.0); failed requests have no grade in either.
    std::vector<mmvet::GradedSample> graded(items_.size()), official(items_.size());
    size_t exhausted = 0;
    for (size_t i = 0; i < items_.size(); ++i) {
      graded[i].capabilities = official[i].capabilities = items_[i].capabilities;
      for (int run = 0; run < runs_; ++run) {
        const MmvetGrade& g = grades[run][i];
        if (g.outcome == MmvetGrade::Outcome::kExhausted) ++exhausted;
        auto grade = g.outcome == MmvetGrade::Outcome::kFailed ? std::nullopt : std::optional<double>(g.score);
        official[i].scores.push_back(grade);
        graded[i].scores.push_back(official_ || g.outcome == MmvetGrade::Outcome::kGraded ? grade : std::nullopt);
      }
    }
    mmvet::Summary summary = mmvet::Summarize(graded, runs_);
    mmvet::Summary official_summary = mmvet::Summarize(official, runs_);

    result->task = info_.name;
    nlohmann::json runs = nlohmann::json::array(), runs_raw = nlohmann::json::array();
    for (double v : summary.total_runs_rounded) runs.push_back(Number(v));
    for (double v : summary.total.per_run) runs_raw.push_back(Number(v));
    result->metrics = {{"total", Number(summary.total.rounded)},
                       {"std", Number(summary.std_rounded)},
                       {"runs", runs},
                       {"capabilities", Columns(summary.capabilities, true)},
                       {"capability_integrations", Columns(summary.combinations, true)}};
    result->metrics_unrounded = {{"total", Number(summary.total.mean)},
                                 {"std", Number(summary.std)},
                                 {"runs", runs_raw},
                                 {"capabilities", Columns(summary.capabilities, false)},
                                 {"capability_integrations", Columns(summary.combinations, false)}};
    // The evaluator's two CSV files (capabilities, capability combinations).
    result->official_output = CapabilityCsv(model_name_, official_summary.capabilities, official_summary) + "\n" +
                              CapabilityCsv(model_name_, official_summary.combinations, official_summary);
    FillPerSample(texts, grades, graded, result);
    if (exhausted > 0) {
      result->notes.push_back(
          std::to_string(exhausted) + " gradings ran out of retries (5 replies without a grade): " +
          (official_ ? "graded 0.0 as mm-vet_evaluator.py does (--mode official)"
                     : "excluded from every mean (--mode official grades them 0.0 as the evaluator does)"));
    }
    for (auto& note : session.Notes()) result->notes.push_back(std::move(note));
    result->judge = session.Record();
    return Status::OK();
  }

 private:
  void FillPerSample(const std::vector<std::string_view>& texts, const std::vector<std::vector<MmvetGrade>>& grades,
                     const std::vector<mmvet::GradedSample>& graded, ScoreResult* result) const {
    ScoreCounts& counts = result->counts;
    counts.total = items_.size();
    for (size_t i = 0; i < items_.size(); ++i) {
      SampleScore s;
      s.id = items_[i].id;
      s.prediction = texts[i];
      nlohmann::json per_run = nlohmann::json::array();
      bool any_graded = false, any_exhausted = false;
      double sum = 0;
      size_t counted = 0;
      for (int run = 0; run < runs_; ++run) {
        const MmvetGrade& g = grades[run][i];
        any_graded |= g.outcome == MmvetGrade::Outcome::kGraded;
        any_exhausted |= g.outcome == MmvetGrade::Outcome::kExhausted;
        per_run.push_back({{"outcome", MmvetOutcomeName(g.outcome)},
                           {"score", g.outcome == MmvetGrade::Outcome::kFailed ? nlohmann::json() : Number(g.score)},
                           {"attempts", g.attempts},
                           {"content", g.content},
                           {"model", g.model}});
        if (graded[i].scores[run]) {
          sum += *graded[i].scores[run];
          ++counted;
        }
      }
      s.extracted = grades[0][i].outcome == MmvetGrade::Outcome::kGraded ? grades[0][i].content : "";
      s.score = counted ? sum / static_cast<double>(counted) : 0.0;  // mean grade over the runs that count
      s.detail = {{"capability", items_[i].capabilities}, {"grades", per_run}};
      if (any_graded) {
        ++counts.answered;
      } else if (any_exhausted) {
        s.status = SampleStatus::kUnparseable;
        ++counts.unparseable;
      } else {
        s.status = SampleStatus::kFailed;
        ++counts.failed;
      }
      result->per_sample.push_back(std::move(s));
    }
  }

  TaskInfo info_;
  bool official_ = false;
  bool restricted_ = false;  // items_ is a subset (Restrict)
  int runs_ = 1;
  std::string annotations_path_, replay_path_, model_name_;
  std::vector<MmvetItem> items_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<Task> MakeMmvetTask() { return std::make_unique<MmvetTask>(); }

}  // namespace svit

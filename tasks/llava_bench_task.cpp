// llava-bench: LLaVA-Bench (COCO / In-the-Wild) judged by a GPT-4-class model
// with LLaVA's review protocol (tasks/llava_bench.h) and summarised as
// llava/eval/summarize_gpt_review.py does (metrics/llava_review.h).
//
// Restrict: the scripts run on a question file and a reference answer file
// holding only those questions' lines (in order), with the model's answers
// to them: only they are reviewed (a review file's other records are
// skipped), and the summary is over the categories they have.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "metrics/judge_agreement.h"
#include "metrics/llava_review.h"
#include "tasks/all_tasks.h"
#include "tasks/judge_settings.h"
#include "tasks/judged_task.h"
#include "tasks/llava_bench.h"
#include "tasks/prediction_files.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

// summarize_gpt_review.py names a review file's block after the file.
std::string ConfigName(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const std::string& cut : {std::string("gpt4_text_"), std::string(".jsonl")}) {
    for (size_t pos; (pos = name.find(cut)) != std::string::npos;) name.erase(pos, cut.size());
  }
  return name;
}

nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

class LlavaBenchTask : public JudgedTask {
 public:
  LlavaBenchTask() {
    info_.name = "llava-bench";
    info_.family = TaskFamily::kDialogue;
    info_.description =
        "LLaVA-Bench COCO / In-the-Wild; GPT-4 review (eval_gpt_review_bench.py / _visual.py) "
        "summarised as summarize_gpt_review.py";
    info_.options = {
        {"questions", "questions.jsonl / qa90_questions.jsonl {question_id, image, text, category}", true, true, ""},
        {"context", "context.jsonl {image, caption} (In-the-Wild) or caps_boxes_coco2014_val_80.jsonl (COCO)",
         true, true, ""},
        {"answers-ref", "reference answers, Assistant 1 (answers_gpt4.jsonl / qa90_gpt4_answer.jsonl)", true, true, ""},
        {"rule", "llava/eval/table/rule.json", true, true, ""},
        {"judge-replay", "review jsonl written by the official review script: score from it, no judge model",
         true, false, ""},
        {"mode",
         "default: unparsable reviews are excluded and counted; official: averaged as -1 like "
         "summarize_gpt_review.py",
         false, false, "default"},
        {"judge-temperature", "judge sampling temperature (the scripts use 0.2)", false, false, "0.2"},
        {"judge-max-tokens", "judge max_tokens (the scripts' default 1024)", false, false, "1024"},
        {"judge-repeats", "independent reviews per question, for the judge's variance (live judge only)", false,
         false, "1"},
    };
    info_.metrics = {"all", "llava_bench_<category> / <category>"};
    info_.predictions_format =
        "LLaVA answer JSON-lines {question_id, text} in question-file order (Assistant 2)";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    SVIT_RETURN_IF_ERROR(ParseJudgeMode(config.Get("mode"), &official_));
    SVIT_RETURN_IF_ERROR(ParseDouble("judge-temperature", config.Get("judge-temperature"), 0, 2, &settings_.temperature));
    SVIT_RETURN_IF_ERROR(ParseInt("judge-max-tokens", config.Get("judge-max-tokens"), 1, 1 << 20, &settings_.max_tokens));
    SVIT_RETURN_IF_ERROR(ParseInt("judge-repeats", config.Get("judge-repeats"), 1, 100, &settings_.repeats));
    SVIT_RETURN_IF_ERROR(bench_.Load(config.Get("questions"), config.Get("context"), config.Get("rule")));
    answers_ref_path_ = config.Get("answers-ref");
    SVIT_RETURN_IF_ERROR(ReadLlavaAnswers(answers_ref_path_, &references_));
    predictions_path_ = config.Get("predictions");
    replay_path_ = config.Get("judge-replay");
    if (!replay_path_.empty()) {
      if (settings_.repeats != 1) {
        return Status::InvalidInput("--judge-repeats needs a live judge: a review file holds one review per question");
      }
      SVIT_RETURN_IF_ERROR(ReadLlavaReviewFile(replay_path_, &replay_records_));
    }
    samples_.clear();
    for (const LlavaQuestion& q : bench_.questions()) {
      Sample s;
      s.id = q.question_id;
      s.question = q.text;
      s.prompt = q.text;  // LLaVA's model_vqa.py asks the question as is
      s.images.push_back(ImageRef{q.image, ""});
      samples_.push_back(std::move(s));
    }
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    std::vector<size_t> kept;
    SVIT_RETURN_IF_ERROR(SelectSamples(samples_, ids, &kept));
    std::vector<size_t> kept_references;  // the files pair by line; zip() may leave questions without one
    for (size_t i : kept) {
      if (i < references_.size()) kept_references.push_back(i);
    }
    KeepPositions(kept_references, &references_);
    bench_.KeepQuestions(kept);
    KeepPositions(kept, &samples_);
    std::erase_if(replay_records_, [&](const LlavaReviewRecord& r) { return !ids.count(r.question_id); });
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    AnswerFileFormat format;  // JSON-lines only: the answers are paired by line order
    return ReadAnswerFile(config.Get("predictions"), format, out);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    if (replay_path_.empty()) {
      return Status::InvalidInput(
          "llava-bench is scored by a judge model: give --judge-replay REVIEWS.jsonl (a review file of " +
          std::string(bench_.script()) + ") or a live judge (see docs/judge.md)");
    }
    SVIT_RETURN_IF_ERROR(CheckReplayRecords());
    LlavaReviewReplay replay(replay_path_, replay_records_);
    return Judge(predictions, &replay, ConfigName(replay_path_), result);
  }

  bool NeedsLiveJudge() const override { return replay_path_.empty(); }

  Status ScoreWithJudge(const std::vector<Prediction>& predictions, JudgeClient* judge,
                        ScoreResult* result) const override {
    return Judge(predictions, judge, ConfigName(predictions_path_), result);
  }

 private:
  // The review file must belong to these questions and reference answers.
  Status CheckReplayRecords() const {
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < bench_.questions().size(); ++i) index[bench_.questions()[i].question_id] = i;
    for (const LlavaReviewRecord& record : replay_records_) {
      std::string where = replay_path_ + ":" + std::to_string(record.line) + ": ";
      auto it = index.find(record.question_id);
      if (it == index.end()) {
        return Status::InvalidInput(where + "review of question_id " + record.question_id + ", which " +
                                    bench_.questions_path() + " does not have");
      }
      const LlavaQuestion& q = bench_.questions()[it->second];
      if (record.category != q.review_category) {
        return Status::InvalidInput(where + "category '" + record.category + "' but question " + q.question_id +
                                    " is '" + q.review_category + "'");
      }
      if (it->second < references_.size() && record.answer1_id != references_[it->second].answer_id) {
        return Status::InvalidInput(where + "answer1_id " + record.answer1_id + " but the reference answer on line " +
                                    std::to_string(references_[it->second].line) + " of " + answers_ref_path_ +
                                    " is " + references_[it->second].answer_id);
      }
    }
    return Status::OK();
  }

  // The questions the scripts' zip() pairs with an answer, and which of them
  // are judged (a failed model answer is not: it is counted as failed).
  struct Pairing {
    size_t paired = 0;
    std::vector<LlavaReviewItem> items;
    std::vector<int> item_of_question;  // -1: not judged
  };

  // Pairs questions, reference answers and predictions by line order as the
  // scripts' zip() does; a question id that differs on the same line means
  // the files are not in the same order, which the scripts would not notice.
  Status PairByLine(const std::vector<Prediction>& predictions, Pairing* pairing,
                    std::vector<std::string>* notes) const {
    const auto& questions = bench_.questions();
    size_t n = std::min({questions.size(), references_.size(), predictions.size()});
    pairing->paired = n;
    pairing->item_of_question.assign(questions.size(), -1);
    size_t failed = 0;
    for (size_t i = 0; i < n; ++i) {
      const LlavaQuestion& q = questions[i];
      if (references_[i].question_id != q.question_id) {
        return Status::InvalidInput(answers_ref_path_ + ":" + std::to_string(references_[i].line) + ": question_id " +
                                    references_[i].question_id + " where " + bench_.questions_path() + ":" +
                                    std::to_string(q.line) + " has " + q.question_id +
                                    " (answer files are paired with the questions by line order)");
      }
      if (predictions[i].id != q.question_id) {
        return Status::InvalidInput(predictions_path_ + ":" + std::to_string(predictions[i].line) + ": question_id " +
                                    predictions[i].id + " where " + bench_.questions_path() + ":" +
                                    std::to_string(q.line) + " has " + q.question_id +
                                    " (answer files are paired with the questions by line order)");
      }
      if (predictions[i].failed) {
        ++failed;
        continue;
      }
      pairing->item_of_question[i] = static_cast<int>(pairing->items.size());
      pairing->items.push_back({&q, references_[i].text, predictions[i].text});
    }
    if (failed > 0) {
      notes->push_back(std::to_string(failed) + " model answers failed (no answer) and are not judged");
    }
    if (questions.size() != references_.size() || questions.size() != predictions.size()) {
      notes->push_back("line counts differ: " + std::to_string(questions.size()) + " questions, " +
                       std::to_string(references_.size()) + " reference answers, " +
                       std::to_string(predictions.size()) + " predictions; like " + bench_.script() +
                       " (zip), only the first " + std::to_string(n) + " are judged");
    }
    return Status::OK();
  }

  Status Judge(const std::vector<Prediction>& predictions, JudgeClient* judge, const std::string& config_name,
               ScoreResult* result) const {
    Pairing pairing;
    SVIT_RETURN_IF_ERROR(PairByLine(predictions, &pairing, &result->notes));
    const std::vector<LlavaReviewItem>& items = pairing.items;
    JudgeSession session(judge, LlavaJudgeProtocol(bench_, settings_, /*pairwise=*/false));
    std::vector<std::vector<LlavaReview>> reviews;
    SVIT_RETURN_IF_ERROR(JudgeLlavaReviews(bench_, items, settings_, &session, &reviews));

    result->task = info_.name;
    // Failed requests have no review at all; they stay out of both summaries.
    std::vector<llava::Review> summarised;
    for (size_t i = 0; i < items.size(); ++i) {
      const LlavaReview& review = reviews[0][i];
      if (review.outcome == VerdictOutcome::kFailed) continue;
      llava::Review r;
      r.category = items[i].question->review_category;
      r.parsed = review.outcome == VerdictOutcome::kScored;
      r.reference = review.score1;
      r.model = review.score2;
      summarised.push_back(r);
    }
    auto official_rows = llava::Summarize(summarised, llava::FailurePolicy::kAverageAsMinusOne);
    auto rows = official_ ? official_rows : llava::Summarize(summarised, llava::FailurePolicy::kExclude);
    for (const auto& row : rows) {
      result->metrics[row.key] = {
          {"relative_score", Number(row.relative_score)},
          {"reference_score_x10", Number(row.reference_score_x10)},
          {"model_score_x10", Number(row.model_score_x10)},
          {"reviews", row.reviews},
          {"parse_failures", row.parse_failures},
          {"averaged", row.averaged},
      };
      result->metrics_unrounded[row.key] = {
          {"relative_score", Number(row.relative_score_unrounded)},
          {"reference_score_x10", Number(row.reference_mean * 10)},
          {"model_score_x10", Number(row.model_mean * 10)},
      };
      if (!std::isfinite(row.relative_score) && row.averaged > 0) {
        result->notes.push_back(row.key + ": the reference mean rounds to 0, so there is no relative score "
                                          "(summarize_gpt_review.py would stop with ZeroDivisionError)");
      }
    }
    result->official_output = llava::FormatSummary(config_name, official_rows);
    FillPerSample(predictions, pairing, reviews[0], result);
    if (settings_.repeats > 1) AddRepeatSpread(items, reviews, result);

    size_t parse_failures = 0;
    for (const auto& row : official_rows) {
      if (row.key == "all") parse_failures = row.parse_failures;
    }
    if (parse_failures > 0) {
      result->notes.push_back(
          official_ ? std::to_string(parse_failures) +
                          " reviews could not be parsed and are averaged as (-1, -1), as summarize_gpt_review.py does "
                          "(--mode official)"
                    : std::to_string(parse_failures) +
                          " reviews could not be parsed and are excluded from every mean; the official "
                          "output above averages them as (-1, -1) (--mode official reports that way)");
    }
    for (auto& note : session.Notes()) result->notes.push_back(std::move(note));
    result->judge = session.Record();
    return Status::OK();
  }

  void FillPerSample(const std::vector<Prediction>& predictions, const Pairing& pairing,
                     const std::vector<LlavaReview>& reviews, ScoreResult* result) const {
    const auto& questions = bench_.questions();
    ScoreCounts& counts = result->counts;
    counts.total = questions.size();
    for (size_t i = 0; i < questions.size(); ++i) {
      SampleScore s;
      s.id = questions[i].question_id;
      s.detail = {{"category", questions[i].review_category}};
      if (i < predictions.size()) s.prediction = predictions[i].text;
      int item = pairing.item_of_question[i];
      if (item < 0) {
        // Beyond the paired lines, or a model answer that failed.
        s.status = i < pairing.paired ? SampleStatus::kFailed : SampleStatus::kMissing;
        ++(i < pairing.paired ? counts.failed : counts.missing);
        result->per_sample.push_back(std::move(s));
        continue;
      }
      const LlavaReview& review = reviews[item];
      s.detail["judge_outcome"] = VerdictOutcomeName(review.outcome);
      if (review.outcome == VerdictOutcome::kFailed) {
        s.detail["judge_error"] = review.content;
      } else {
        s.extracted = review.content.substr(0, review.content.find('\n'));  // the line parse_score reads
        s.detail["review"] = review.content;
      }
      switch (review.outcome) {
        case VerdictOutcome::kScored:
          s.score = review.score2;
          s.detail["reference_score"] = Number(review.score1);
          ++counts.answered;
          break;
        case VerdictOutcome::kMalformed:
        case VerdictOutcome::kRefused:
          s.status = SampleStatus::kUnparseable;
          s.score = -1;  // the official tuple
          ++counts.unparseable;
          break;
        case VerdictOutcome::kFailed:
          s.status = SampleStatus::kFailed;
          ++counts.failed;
          break;
      }
      result->per_sample.push_back(std::move(s));
    }
  }

  // Judge reliability: the "all" relative score per repeat and the spread of
  // each question's model score over the repeats.
  void AddRepeatSpread(const std::vector<LlavaReviewItem>& items, const std::vector<std::vector<LlavaReview>>& reviews,
                       ScoreResult* result) const {
    std::vector<double> per_repeat;
    std::vector<std::vector<double>> per_item(items.size());
    for (const auto& repeat : reviews) {
      std::vector<llava::Review> summarised;
      for (size_t i = 0; i < items.size(); ++i) {
        if (repeat[i].outcome == VerdictOutcome::kFailed) continue;
        bool scored = repeat[i].outcome == VerdictOutcome::kScored;
        summarised.push_back({items[i].question->review_category, scored, repeat[i].score1, repeat[i].score2});
        if (scored) per_item[i].push_back(repeat[i].score2);
      }
      auto rows = llava::Summarize(summarised, official_ ? llava::FailurePolicy::kAverageAsMinusOne
                                                         : llava::FailurePolicy::kExclude);
      double all = std::nan("");
      for (const auto& row : rows) {
        if (row.key == "all") all = row.relative_score_unrounded;
      }
      per_repeat.push_back(all);
    }
    auto spread = agreement::SummarizeRepeats(per_item);
    nlohmann::json runs = nlohmann::json::array();
    for (double v : per_repeat) runs.push_back(Number(v));
    result->metrics["judge_repeats"] = {
        {"repeats", settings_.repeats},
        {"all_relative_score_per_repeat", runs},
        {"all_relative_score_std", Number(std::sqrt(agreement::SampleVariance(per_repeat)))},
        {"items_with_repeats", spread.items},
        {"mean_item_model_score_variance", Number(spread.mean_item_variance)},
    };
    result->notes.push_back("headline numbers use the first of " + std::to_string(settings_.repeats) +
                            " reviews per question; judge_repeats shows the spread over all of them");
  }

  TaskInfo info_;
  bool official_ = false;
  LlavaJudgeSettings settings_;
  LlavaBench bench_;
  std::vector<LlavaAnswer> references_;
  std::string answers_ref_path_, predictions_path_, replay_path_;
  std::vector<LlavaReviewRecord> replay_records_;
  std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<Task> MakeLlavaBenchTask() { return std::make_unique<LlavaBenchTask>(); }

}  // namespace svit

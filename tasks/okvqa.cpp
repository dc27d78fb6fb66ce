// OK-VQA: the VQA-format val2014 files (OpenEnded_mscoco_val2014_questions.json,
// mscoco_val2014_annotations.json), scored as lmms-eval's ok_vqa task
// (lmms_eval/tasks/ok_vqa/utils.py ok_vqa_process_results) does: the reply and
// every human answer go through EvalAIAnswerProcessor; per question, the
// leave-one-out terms min(1, #other matches / 3) are averaged with
// statistics.mean; exact_match = the plain mean over questions (0..1).
// Prompt: lmms-eval's post_prompt (the VizWiz-style unanswerable line, then
// the short-answer line). Every question needs an answer, as with the VQA
// format's own evaluator.
//
// Restrict: lmms-eval run on the subset of questions (its --limit): the mean
// over those questions, each of which needs an answer.
#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/all_tasks.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"
#include "tasks/vqa_format.h"

namespace svit {
namespace {

class OkVqaTask : public Task {
 public:
  OkVqaTask() {
    info_.name = "okvqa";
    info_.family = TaskFamily::kVqa;
    info_.description = "OK-VQA val2014; lmms-eval ok_vqa (EvalAI-processed VQA accuracy)";
    info_.options = {
        {"questions", "OpenEnded_mscoco_val2014_questions.json", true, true, ""},
        {"annotations", "mscoco_val2014_annotations.json", true, true, ""},
    };
    info_.metrics = {"exact_match"};
    info_.predictions_format =
        "results JSON [{question_id, answer}] or LLaVA answer JSON-lines {question_id, text}";
  }

  const TaskInfo& info() const override { return info_; }

  Status Load(const TaskConfig& config) override {
    const std::string& annotations_path = config.Get("annotations");
    SVIT_RETURN_IF_ERROR(LoadVqaQuestions(config.Get("questions"), &questions_));
    SVIT_RETURN_IF_ERROR(LoadVqaAnnotations(annotations_path, &annotations_));
    SVIT_RETURN_IF_ERROR(CheckSameQuestionSet(questions_, annotations_, annotations_path));
    PrepareQuestions();
    return Status::OK();
  }

  const std::vector<Sample>& samples() const override { return samples_; }

  Status Restrict(const std::unordered_set<std::string>& ids) override {
    SVIT_RETURN_IF_ERROR(RestrictVqaSet(ids, &questions_, &annotations_));
    PrepareQuestions();
    return Status::OK();
  }

  Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const override {
    const std::string& path = config.Get("predictions");
    SVIT_RETURN_IF_ERROR(ReadAnswerFile(path, VqaAnswerFileFormat(), out));
    std::vector<const Prediction*> aligned;
    return AlignPredictions(*out, annotations_.index, annotations_.size(), &aligned).WithContext(path);
  }

  Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const override {
    const auto& ids = annotations_.ids;
    std::vector<const Prediction*> aligned;
    SVIT_RETURN_IF_ERROR(AlignPredictions(predictions, annotations_.index, ids.size(), &aligned));
    std::vector<std::string> missing;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!aligned[i]) missing.push_back(ids[i]);
    }
    if (!missing.empty()) {
      return Status::InvalidInput(std::to_string(missing.size()) + " of " +
                                  std::to_string(ids.size()) +
                                  " questions have no answer; every question must be answered: " +
                                  FormatIdList(missing));
    }
    result->task = info_.name;
    result->per_sample.resize(ids.size());
    double total = 0.0;
    size_t scored = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const Prediction& p = *aligned[i];
      SampleScore& s = result->per_sample[i];
      s.id = ids[i];
      s.prediction = p.text;
      if (p.failed) {
        s.status = SampleStatus::kFailed;
        ++result->counts.failed;
        continue;
      }
      s.extracted = vqa::EvalAiProcess(p.text);
      s.score = vqa::LeaveOneOutAccuracyExactMean(s.extracted, processed_answers_[i]);
      total += s.score;
      ++scored;
    }
    if (scored == 0) return Status::InvalidInput("okvqa: no answered predictions to score");
    result->counts.total = ids.size();
    result->columns = VqaSampleColumns(annotations_);
    result->counts.answered = scored;
    double exact_match = total / static_cast<double>(scored);
    result->metrics_unrounded["exact_match"] = exact_match;
    // lmms-eval's results table prints four decimals.
    result->metrics["exact_match"] = py::Round(exact_match, 4);
    if (result->counts.failed > 0) {
      result->notes.push_back(std::to_string(result->counts.failed) +
                              " failed requests are excluded from exact_match");
    }
    return Status::OK();
  }

 private:
  // Samples and EvalAI-processed human answers of the loaded question set.
  void PrepareQuestions() {
    samples_ = BuildVqaSamples(questions_, {llava::kUnanswerable, llava::kShortAnswer});
    processed_answers_.clear();
    processed_answers_.reserve(annotations_.size());
    for (size_t i = 0; i < annotations_.size(); ++i) {
      std::vector<std::string> processed = AnswersOf(annotations_, i);
      for (auto& answer : processed) answer = vqa::EvalAiProcess(answer);
      processed_answers_.push_back(std::move(processed));
    }
  }

  TaskInfo info_;
  VqaQuestions questions_;
  VqaAnnotations annotations_;
  std::vector<Sample> samples_;
  std::vector<std::vector<std::string>> processed_answers_;  // per annotation
};

}  // namespace

std::unique_ptr<Task> MakeOkVqaTask() { return std::make_unique<OkVqaTask>(); }

}  // namespace svit

// VQA accuracy exactly as the official VQA evaluation (GT-Vision-Lab/VQA
// vqaEval.py @a013f00, run under Python 3) and the EvalAI answer processor
// (mmf, vendored as LLaVA's m4c_evaluator.EvalAIAnswerProcessor) compute it.
//
// vqaEval.py normalises answers only for questions whose human answers are
// not all identical; EvalAI always normalises, after lower-casing and
// dropping ',' and '?'. Both then score min(1, #matching others / 3)
// averaged over leave-one-out subsets of the human answers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace svit::vqa {

// vqaEval.processPunctuation. `evalai_comma_rule` selects EvalAI's comma
// pattern (digit, commas, digit) instead of vqaEval's (digit, comma, digit).
std::string ProcessPunctuation(std::string_view text, bool evalai_comma_rule = false);
// vqaEval.processDigitArticle: lower, number words to digits, drop articles,
// restore contractions.
std::string ProcessDigitArticle(std::string_view text);
// '\n' and '\t' to spaces, then str.strip().
std::string CleanWhitespace(std::string_view text);
// EvalAIAnswerProcessor.__call__.
std::string EvalAiProcess(std::string_view text);

// Leave-one-out VQA accuracy of `answer` against human answers that are
// already in comparable form: mean over i of min(1, #{j != i : gt_j == answer} / 3),
// summed in order as the reference does.
double LeaveOneOutAccuracy(std::string_view answer, const std::vector<std::string>& gt);
// The same leave-one-out terms averaged as Python's statistics.mean does
// (lmms-eval's ok_vqa and vizwiz_vqa): summed exactly and rounded once, which
// can differ from the float sum above in the last bit.
double LeaveOneOutAccuracyExactMean(std::string_view answer, const std::vector<std::string>& gt);

// The human answers of one question prepared as vqaEval.py prepares them.
struct VqaEvalAnswers {
  std::vector<std::string> answers;  // cleaned, and normalised when `normalize`
  bool normalize = false;            // false when all cleaned answers are identical
};
VqaEvalAnswers PrepareVqaEvalAnswers(const std::vector<std::string>& raw_answers);

// vqaEval.py's answer for a prediction against prepared human answers: the
// form that is compared, and the accuracy in 0..1.
std::string VqaEvalProcessPrediction(std::string_view raw_prediction, const VqaEvalAnswers& gt);
double VqaEvalAccuracy(std::string_view raw_prediction, const VqaEvalAnswers& gt);

}  // namespace svit::vqa

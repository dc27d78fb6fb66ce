// MME scoring exactly as the official eval_tool/calculation.py computes it
// (the copy LLaVA's scripts/v1_5/eval/mme.sh runs): every answer is read as
// yes / no / other, and a subtask scores 100 * acc + 100 * acc_plus, where
// acc is over questions ("other" is wrong) and acc_plus is the fraction of
// images whose two questions are both right. Pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace svit::mme {

enum class Answer { kNo, kYes, kOther };
const char* AnswerName(Answer answer);  // "no", "yes", "other"

// calculation.py's parse_pred_ans on the lower-cased answer: exactly "yes"
// or "no"; else "yes" if the first four characters contain "yes"; else "no"
// if they contain "no" (so "none", "not sure", "snow" are no); else other.
Answer ParsePrediction(std::string_view prediction);

// The subtasks and the order calculation.py prints them in.
const std::vector<std::string>& PerceptionTasks();
const std::vector<std::string>& CognitionTasks();

struct Question {
  Answer truth = Answer::kNo;  // yes or no
  Answer predicted = Answer::kOther;
  bool failed = false;  // no answer was obtained: excluded from acc and acc_plus
};

struct TaskScore {
  double acc = 0;       // fraction of questions right
  double acc_plus = 0;  // fraction of images with both questions right
  double score = 0;     // 100 * acc + 100 * acc_plus, summed in that order
};

// Scores one subtask from its images (two questions each). Images with a
// failed question are left out of acc_plus; failed questions out of acc.
TaskScore ScoreTask(const std::vector<std::array<Question, 2>>& images);

}  // namespace svit::mme

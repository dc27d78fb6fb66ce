#include "metrics/mme.h"

#include <limits>

#include "metrics/python_text.h"

namespace svit::mme {

const char* AnswerName(Answer answer) {
  switch (answer) {
    case Answer::kNo: return "no";
    case Answer::kYes: return "yes";
    case Answer::kOther: return "other";
  }
  return "other";
}

Answer ParsePrediction(std::string_view prediction) {
  std::string lower = py::Lower(prediction);
  if (lower == "yes") return Answer::kYes;
  if (lower == "no") return Answer::kNo;
  // pred_ans[:4] counts code points, not bytes.
  size_t end = 0;
  for (int i = 0; i < 4 && end < lower.size(); ++i) py::NextCodePoint(lower, &end);
  std::string_view prefix(lower.data(), end);
  if (prefix.find("yes") != std::string_view::npos) return Answer::kYes;
  if (prefix.find("no") != std::string_view::npos) return Answer::kNo;
  return Answer::kOther;
}

const std::vector<std::string>& PerceptionTasks() {
  static const std::vector<std::string> kTasks = {"existence", "count", "position", "color",   "posters",
                                                  "celebrity", "scene", "landmark", "artwork", "OCR"};
  return kTasks;
}

const std::vector<std::string>& CognitionTasks() {
  static const std::vector<std::string> kTasks = {"commonsense_reasoning", "numerical_calculation",
                                                  "text_translation", "code_reasoning"};
  return kTasks;
}

TaskScore ScoreTask(const std::vector<std::array<Question, 2>>& images) {
  size_t questions = 0, right = 0, scored_images = 0, both_right = 0;
  for (const auto& image : images) {
    size_t image_right = 0;
    bool complete = true;
    for (const Question& q : image) {
      if (q.failed) {
        complete = false;
        continue;
      }
      ++questions;
      if (q.predicted == q.truth) {
        ++right;
        ++image_right;
      }
    }
    if (!complete) continue;
    ++scored_images;
    if (image_right == 2) ++both_right;
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  TaskScore s;
  // sklearn's accuracy_score: the mean of 0/1 hits, exactly right / n.
  s.acc = questions ? static_cast<double>(right) / static_cast<double>(questions) : kNaN;
  s.acc_plus = scored_images ? static_cast<double>(both_right) / static_cast<double>(scored_images) : kNaN;
  s.score = s.acc * 100 + s.acc_plus * 100;
  return s;
}

}  // namespace svit::mme

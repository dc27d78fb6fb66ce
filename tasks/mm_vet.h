// MM-Vet: the official metadata file, the grader prompt of yuweihao/MM-Vet
// mm-vet_evaluator.py rendered byte for byte, and grading through a
// JudgeSession with the official retry protocol:
// - one user message: the few-shot grader prompt, "\n", then
//   " | ".join([question, answer with "<AND>"/"<OR>" spaced out, prediction, ""]);
//   max_tokens 3, temperature 0.0;
// - the grade is the reply's first space-separated field as a float in [0, 1];
// - otherwise the message is re-sent with "\nPredict the correctness of the
//   answer (digit): " appended, at temperatures 0.0, 0.5, 1.0, 1.5; when the
//   fifth reply does not parse either the grade is 0.0 ("exhausted").
// The official script then sends a sixth request (temperature 2.0) whose
// reply it never parses; svit-eval does not send it: the grade is the same.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/judge_client.h"
#include "core/status.h"
#include "tasks/judge_session.h"

namespace svit {

struct MmvetItem {
  std::string id;  // "v1_0", ...
  std::string image;
  std::string question;
  std::string answer;
  std::vector<std::string> capabilities;
};

// Reads mm-vet.json: {"v1_0": {imagename, capability: [...], question, answer}, ...}, in file order.
Status LoadMmvet(const std::string& path, std::vector<MmvetItem>* out);

// The grader's user message for `item` and the model's `prediction`.
std::string RenderMmvetGraderMessage(const MmvetItem& item, std::string_view prediction, bool digit_hint);

// The protocol record (prompt template, parameters) for a JudgeSession.
JudgeProtocol MmvetJudgeProtocol(int runs);

struct MmvetGrade {
  enum class Outcome { kGraded, kExhausted, kFailed };
  Outcome outcome = Outcome::kFailed;
  double score = 0;     // the grade; 0.0 when exhausted
  int attempts = 0;     // replies read (1..5)
  int refusals = 0;     // of which were refusals
  std::string content;  // graded: the parsed first field (as the official file records it);
                        // exhausted: the last reply; failed: the error
  std::string model;    // the model the endpoint reported for the last reply
};
const char* MmvetOutcomeName(MmvetGrade::Outcome outcome);

// Grades predictions[i] for items[i], `runs` times; (*grades)[run][i].
Status GradeMmvet(const std::vector<MmvetItem>& items, const std::vector<std::string_view>& predictions, int runs,
                  JudgeSession* session, std::vector<std::vector<MmvetGrade>>* grades);

// A judge that answers from the official grade file
// ({id: {"model": [...], "content": [...], "score": [...]}}): every attempt
// of run r for item id gets the recorded grade, or, where the record shows
// that the retries were exhausted (score 0.0, content not a grade), a reply
// without a grade, so the protocol ends the same way.
class MmvetGradeReplay : public JudgeClient {
 public:
  // Reads and checks the file against `items` (every item needs `runs`
  // grades). Grades for other ids are an error unless `items` is a subset of
  // the benchmark, where the evaluator's sub_set skips them.
  static Status Open(const std::string& path, const std::vector<MmvetItem>& items, int runs, bool subset,
                     std::unique_ptr<MmvetGradeReplay>* out);
  const JudgeEndpoint& endpoint() const override { return endpoint_; }
  Status Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) override;

 private:
  struct Recorded {
    std::string reply;  // "" = exhausted
    std::string model;
  };
  JudgeEndpoint endpoint_;
  std::map<std::pair<std::string, int>, Recorded> by_item_and_run_;
};

}  // namespace svit

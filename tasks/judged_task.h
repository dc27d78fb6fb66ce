// JudgedTask: a task whose per-sample scores come from a judge model
// (LLaVA-Bench reviews, MM-Vet grades). Two ways to score one:
// - Score(): from verdicts recorded earlier in the benchmark's official
//   output format, named by the task's --judge-replay option (no network);
//   without it, Score() returns InvalidInput saying a judge is needed.
// - ScoreWithJudge(): asking a live judge through `judge`, which the harness
//   builds on top of the Runner (cache, retries, rate limits, progress).
// Either way the result carries the judge's identity and usage in
// ScoreResult::judge, and its notes say how unparsable and failed verdicts
// were counted.
#pragma once

#include "core/judge_client.h"
#include "tasks/task.h"

namespace svit {

class JudgedTask : public Task {
 public:
  virtual Status ScoreWithJudge(const std::vector<Prediction>& predictions, JudgeClient* judge,
                                ScoreResult* result) const = 0;
};

}  // namespace svit

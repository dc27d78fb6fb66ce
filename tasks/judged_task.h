// JudgedTask: a task that can use a judge model: its per-sample scores come
// from one (LLaVA-Bench reviews, MM-Vet grades), or the judge settles what
// its own rules cannot (the choice-extraction fallback of multiple-choice
// tasks). Two ways to score one:
// - Score(): without a live judge: from verdicts recorded earlier in the
//   benchmark's official output format, named by the task's --judge-replay
//   option (no network), or by the task's rules alone; when neither can
//   score, Score() returns InvalidInput saying a judge is needed.
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

  // True when Score() cannot work as loaded (a judged metric without
  // recorded verdicts): `run` then refuses the task unless a judge is named.
  virtual bool NeedsLiveJudge() const = 0;
};

}  // namespace svit

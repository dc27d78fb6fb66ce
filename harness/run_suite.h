// RunSuite: `svit-eval run` behind the command line. Loads every task first
// (bad input stops the run before anything is sent), then for each model
// sends every task's samples through one Runner (cache, retries, limits,
// progress), turns the answers into Predictions, scores them with the
// task's own Score (the code `score` uses), and writes one run record per
// model under <output>/<run-id>/<model>/ (results/run_files.h) as soon as the
// model is done. With a judge in the suite, judged tasks are scored with
// ScoreWithJudge through a RunnerJudgeClient on the same response cache;
// without one, a task that needs a live judge is refused at load time.
#pragma once

#include <ostream>
#include <string>

#include "core/status.h"
#include "core/types.h"
#include "harness/runner.h"
#include "harness/suite.h"

namespace svit {

// The Prediction a task scores for one job: the answer text for generate
// requests, the letter of the most likely option for rank requests. A job
// without an answer becomes a failed Prediction; `error` says why ("" when
// answered).
Prediction PredictionFromOutcome(const Sample& sample, const std::string& prompt, const JobOutcome& outcome,
                                 RequestKind kind, std::string* error);

struct RunSettings {
  bool no_cache = false;  // neither read nor write the response cache
  bool refresh = false;   // send everything again, overwriting cached answers
  std::string run_id;     // "" = <UTC time>-<random>
  double progress_interval_seconds = 10;
  double grace_seconds = 10;  // Ctrl-C: how long to wait for requests in flight
  bool show_progress = true;
};

struct RunSummary {
  std::string run_dir;               // <output>/<run-id>
  std::vector<std::string> records;  // <run-dir>/<model> folders written, in suite order
  size_t failed = 0;                 // samples without an answer
  size_t judge_failed = 0;           // judge requests without a verdict
};

// OK when every record was written (summary->failed or judge_failed may be
// > 0: the caller reports exit 3 then). RunFailed when the run stopped (interrupt,
// unreachable endpoint, cache write error) with a message that says how to
// resume; InvalidInput for bad suites and files.
Status RunSuite(const Suite& suite, const RunSettings& settings, std::ostream& out, RunSummary* summary);

}  // namespace svit

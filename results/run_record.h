// RunRecord: everything needed to reproduce, inspect and compare a run, as
// written to runs/<run-id>/ by `svit-eval run` and read back by later
// commands (compare, leaderboard, report):
//   run.json       {"format": "svit-eval-run/1", run_id, status, started_at,
//                   finished_at, versions, config (secrets removed),
//                   results: [{model, task, inputs, input_sha256, images,
//                   limit, prompt {template, system, template_sha256,
//                   prompts_sha256}, model_identity, counts, metrics,
//                   metrics_unrounded, official_output, notes, usage,
//                   requests, timings, per_sample: [{id, prompt, prediction,
//                   extracted, score, status, finish_reason, error, usage,
//                   attempts, cached, latency_ms, ...task detail}]}]}
//   samples.jsonl  the same per-sample rows, one per line, with model and task
//   answers/<model>/<task>.jsonl
//                  the answered samples in LLaVA's answer form
//                  {question_id, prompt, text, answer_id, model_id, metadata},
//                  readable by `svit-eval score --predictions`.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/request.h"
#include "core/status.h"
#include "core/types.h"

namespace svit {

// How one sample was answered.
struct SampleRun {
  std::string id;
  std::string prompt;
  std::string response;  // the model's text ("" when failed)
  std::string finish_reason;
  std::string error;     // why it failed; "" when answered
  Usage usage;
  int attempts = 0;      // sends in this run (0 when cached)
  bool cached = false;
  double latency_ms = 0;
};

// One model on one task.
struct TaskRun {
  std::string model;
  std::string task;
  std::map<std::string, std::string> inputs;        // the task's files and settings
  std::map<std::string, std::string> input_sha256;  // per file
  std::string images;
  size_t limit = 0;
  nlohmann::json prompt = nlohmann::json::object();
  nlohmann::json model_identity = nlohmann::json::object();
  ScoreResult score;
  std::vector<SampleRun> samples;  // benchmark order (per_sample order when read back)
  Usage usage;                     // over every response used, cached ones included
  nlohmann::json requests = nlohmann::json::object();  // sent, retries, cached, answered, failed
  nlohmann::json timings = nlohmann::json::object();
};

struct RunRecord {
  std::string run_id;
  std::string status;  // "complete" or "complete_with_failures"
  std::string started_at;
  std::string finished_at;
  nlohmann::json versions = nlohmann::json::object();
  nlohmann::json config = nlohmann::json::object();
  std::vector<TaskRun> results;
};

// Writes run.json, samples.jsonl and answers/ into `dir` (created if
// needed). run.json is written last and atomically: its presence means the
// record is complete.
Status WriteRunRecord(const RunRecord& record, const std::string& dir);

// Reads a run.json (or the folder holding one). InvalidInput names the file
// and field when it is not a run record.
Status ReadRunRecord(const std::string& path, RunRecord* out);

}  // namespace svit

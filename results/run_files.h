// The files `svit-eval run` writes for one model, and reading them back:
// everything needed to reproduce, inspect and compare the run. In
// <output>/<run-id>/<model>/:
//   run.json       {"format": "svit-eval-run/1", run_id, invocation,
//                   model {name, id, adapter, profile, identity}, status,
//                   started_at, finished_at, versions, config (secrets
//                   removed), tasks: [{task, inputs, counts, metrics,
//                   metrics_unrounded, official_output, notes, judge
//                   (judged tasks: tasks/judge_session.h Record()), protocol
//                   {prompt_template_sha256, dataset_sha256, prompts_sha256,
//                   input_sha256, prompt_template, system_prompt,
//                   task_default_prompt}, images, limit, usage, requests,
//                   timings, per_sample: [{id, prompt, prediction, extracted,
//                   score, status, finish_reason, error, usage, attempts,
//                   cached, latency_ms, ...task detail}]}]}
//                  Each task entry has the `score --output` layout plus the
//                  rest, so compare, leaderboard and report read it as a run.
//   samples.jsonl  the per-sample rows, one per line, with their task
//   answers/<task>.jsonl
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

// What a run's result for a task depends on besides the model.
struct TaskProtocol {
  std::string prompt_template;
  std::string system_prompt;
  bool task_default_prompt = true;
  std::string prompt_template_sha256;  // of the template and the system prompt
  std::string prompts_sha256;          // of every rendered prompt, in order
  std::map<std::string, std::string> input_sha256;  // per file option
  std::string dataset_sha256;          // of all input_sha256 entries
};

// One task of the run.
struct TaskRun {
  std::string task;
  std::map<std::string, std::string> inputs;  // the task's files and settings
  TaskProtocol protocol;
  std::string images;
  size_t limit = 0;
  ScoreResult score;
  std::vector<SampleRun> samples;  // benchmark order (per_sample order when read back)
  Usage usage;                     // over every response used, cached ones included
  nlohmann::json requests = nlohmann::json::object();  // sent, retries, cached, answered, failed
  nlohmann::json timings = nlohmann::json::object();
};

struct RunRecord {
  std::string run_id;      // unique per model: <invocation>-<model name>
  std::string invocation;  // the run id of the command that wrote it
  std::string model_name;
  std::string model_id;
  nlohmann::json model_identity = nlohmann::json::object();  // adapter, profile, settings
  std::string status;  // "complete" or "complete_with_failures"
  std::string started_at;
  std::string finished_at;
  nlohmann::json versions = nlohmann::json::object();
  nlohmann::json config = nlohmann::json::object();
  std::vector<TaskRun> tasks;
};

// Writes run.json, samples.jsonl and answers/ into `dir` (created if
// needed). run.json is written last and atomically: its presence means the
// record is complete.
Status WriteRunRecord(const RunRecord& record, const std::string& dir);

// Reads a run.json (or the folder holding one). InvalidInput names the file
// and field when it is not a run record.
Status ReadRunRecord(const std::string& path, RunRecord* out);

}  // namespace svit

// The results that comparisons, leaderboards, reports and submissions read:
// a RunSet is one model's ScoreResults over several tasks. A RunSet comes
// from any of
//   - a `score --output` JSON file (one task),
//   - a folder of such files (one task each; the folder name is the run id),
//   - a folder holding run.json, or a run.json file (results/run_record.h),
//   - a run id in the results store (results/store.h; resolved by harness/).
// Everything read is validated; malformed input is InvalidInput naming the
// file, the record and the field.
#pragma once

#include <map>
#include <string>

#include "core/json_file.h"
#include "core/status.h"
#include "core/types.h"

namespace svit {

// What must be equal for two results to be comparable. Empty when unknown
// (score result files carry no hashes).
struct Protocol {
  std::string prompt_template_sha256;
  std::string dataset_sha256;
  // The judge a judged result was scored by ("" when none): requested and
  // reported model ids, judge protocol, parameters and prompt-template hash.
  // Numbers from different judges are different measurements.
  std::string judge;
};

// Protocol::judge for a result's `judge` object (JudgeSession::Record()).
std::string JudgeIdentity(const nlohmann::json& judge);

struct TaskResult {
  ScoreResult score;  // task, counts, metrics, metrics_unrounded, per_sample, notes, judge
  std::map<std::string, std::string> inputs;
  Protocol protocol;
};

struct RunSet {
  std::string run_id;
  std::string model_name;  // what tables show; defaults to the run id
  std::string model_id;
  std::string created_at;
  std::string source;  // the path it was read from
  std::map<std::string, TaskResult> tasks;  // by task name
};

// Reads one ScoreResult-shaped object (the `score --output` layout; a run
// record's per-task entries use it too). `where` names the file for errors.
Status ParseTaskResult(JsonObject object, const Where& where, TaskResult* out);

// Reads `path` (a file or folder, as above) into `out`.
Status LoadRunSet(const std::string& path, RunSet* out);

// Splits a command-line run argument "LABEL=PATH" (LABEL has no '/') into its
// parts; a plain PATH gives an empty label.
void SplitRunArgument(const std::string& argument, std::string* label, std::string* path);

// Converts a parsed JSON value to nlohmann::json (for per-sample details and
// metric trees, which callers walk freely).
nlohmann::json ToJson(JsonValue value);

}  // namespace svit

// Task: one benchmark as a plugin. A task reads the benchmark's official
// files, exposes its Samples to a model runner, reads prediction files in the
// official (or LLaVA) answer formats, and scores Predictions exactly as the
// benchmark's official script does. Tasks never talk to models: the harness
// brings Predictions, from a file (`score`) or from an adapter (`run`).
//
// Life cycle: Load(config) once, then any number of ReadPredictions/Score.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace svit {

enum class TaskFamily { kVqa, kCaption, kReasoning, kDialogue };
const char* TaskFamilyName(TaskFamily family);

// A command-line option a task accepts (`--annotations FILE`, ...).
struct TaskOption {
  std::string name;         // without dashes
  std::string description;  // one line; for files, the official file it expects
  bool is_file = true;      // a path (file or folder) rather than a setting
  bool required = true;
  std::string default_value;  // for settings
};

struct TaskInfo {
  std::string name;
  TaskFamily family;
  std::string description;
  std::vector<TaskOption> options;   // files and settings, without --predictions
  std::vector<std::string> metrics;  // metric keys as the official script names them
  std::string predictions_format;    // what --predictions accepts
  bool predictions_optional = false;  // the task's own files can hold the predictions instead
};

// Option values by name (files and settings), as given on the command line or
// in a suite file. Defaults from TaskInfo are filled in before Load.
class TaskConfig {
 public:
  void Set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Returns the value or "" when absent.
  const std::string& Get(const std::string& name) const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

class Task {
 public:
  virtual ~Task() = default;

  virtual const TaskInfo& info() const = 0;

  // Reads the benchmark's files named in `config`. InvalidInput names the
  // file, line and field on any malformed input.
  virtual Status Load(const TaskConfig& config) = 0;

  // The samples a model must answer, in benchmark order (valid after Load).
  virtual const std::vector<Sample>& samples() const = 0;

  // Reads the predictions file(s) named in `config` ("predictions", or the
  // task's own result files) into `out`. Duplicate ids and ids the benchmark
  // does not have are InvalidInput.
  virtual Status ReadPredictions(const TaskConfig& config, std::vector<Prediction>* out) const = 0;

  // Scores `predictions` against the loaded benchmark. Missing predictions
  // follow the official rule (an error where the official script asserts,
  // otherwise counted and scored as the script scores them).
  virtual Status Score(const std::vector<Prediction>& predictions, ScoreResult* result) const = 0;

  // Narrows the loaded benchmark to the samples whose ids are in `ids` (what
  // `run --limit N` sends): afterwards samples() lists only those, in
  // benchmark order, and ReadPredictions/Score take predictions for them
  // alone and apply the official rules to that subset, as the official
  // scripts do when given only those questions (each task's header says what
  // that is). A task whose rules score samples in groups (MMBench's circular
  // copies, MME's image pairs) keeps whole groups: samples() then lists the
  // extension and Score says so in a note. An id the task does not have is
  // InvalidInput naming it. The default refuses: a task whose metrics cannot
  // be computed on a subset says so instead of guessing.
  virtual Status Restrict(const std::unordered_set<std::string>& ids);
};

}  // namespace svit

// The results store: an SQLite database (WAL mode, so readers never block
// the writer) holding every run put into it, queryable with plain SQL:
//   runs(run_id PK, model_name, model_id, created_at, source, stored_at)
//   tasks(run_id, task, prompt_template_sha256, dataset_sha256, counts...,
//         inputs_json, metrics_json, metrics_unrounded_json, notes_json, official_output)
//   metrics(run_id, task, path, value, rounded)     one row per numeric leaf
//   samples(run_id, task, position, sample_id, prediction, extracted, score,
//           status, detail_json)
// Putting a run replaces any earlier run with the same id, in one transaction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "results/run_set.h"

struct sqlite3;

namespace svit {

// $SVIT_RESULTS_DB when set, else runs/results.sqlite.
std::string DefaultStorePath();

struct StoredRunSummary {
  std::string run_id, model_name, model_id, created_at, source, stored_at;
  std::vector<std::string> tasks;
  size_t samples = 0;
};

class ResultsStore {
 public:
  // Opens (creating the file, its folder and the schema when absent).
  static Status Open(const std::string& path, std::unique_ptr<ResultsStore>* out);
  // Opens an existing store read-only; *found is false when there is none.
  static Status OpenExisting(const std::string& path, std::unique_ptr<ResultsStore>* out, bool* found);
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  Status Put(const RunSet& run);
  Status List(std::vector<StoredRunSummary>* out);
  // *found is false (and OK returned) when the store has no such run.
  Status Get(const std::string& run_id, RunSet* out, bool* found);

 private:
  ResultsStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  Status Error(const std::string& what) const;
  bool TasksHaveJudgeColumn() const;

  sqlite3* db_;
  std::string path_;
};

}  // namespace svit

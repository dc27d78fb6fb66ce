// A thin adapter from the run record `svit-eval run` writes
// (runs/<run-id>/run.json) to a RunSet. Assumed layout (only these fields are
// read; anything else is ignored):
//   {"run_id": str, "model": {"name": str, "id": str} | str,
//    "created_at" | "started_at": str (optional),
//    "tasks": {NAME: {ScoreResult fields as `score --output` writes them,
//                     "protocol": {"prompt_template_sha256": str,
//                                  "dataset_sha256": str}}}}
// "tasks" may also be an array of such objects, each naming its "task".
#pragma once

#include <string>

#include "results/run_set.h"

namespace svit {

// True when `root` has the shape of a run record rather than a score result.
bool IsRunRecord(JsonObject root);

Status ParseRunRecord(JsonObject root, const std::string& path, RunSet* out);

}  // namespace svit

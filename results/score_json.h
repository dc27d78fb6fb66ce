// Writes a ScoreResult as the `score` command's JSON result file:
// {"task", "inputs", "counts", "metrics", "metrics_unrounded",
//  "judge" (judged tasks only), "official_output", "notes", "per_sample": [{id, prediction, extracted,
//  score, status, ...detail}]}. Per-sample records are streamed, so a
// 200,000-question result is written without building a DOM.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "core/json_text.h"  // AppendJsonString, AppendJsonNumber (moved to core/ for adapters)
#include "core/status.h"
#include "core/types.h"

namespace svit {

// The files and settings the result was computed from, recorded verbatim.
using ScoreInputs = std::map<std::string, std::string>;

void WriteScoreJson(const ScoreResult& result, const ScoreInputs& inputs, std::ostream& out);

// Writes to `path` atomically (temp file + rename); RunFailed on I/O errors.
Status WriteScoreJsonFile(const ScoreResult& result, const ScoreInputs& inputs,
                          const std::string& path);

}  // namespace svit

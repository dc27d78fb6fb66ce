// What a finished run adds beside its run records: every record goes into
// the SQLite results store, and when the suite has several models, a
// leaderboard (Markdown), a comparison of each model against the first
// (Markdown, with paired tests) and the self-contained HTML report are
// written into the run folder. Paths are printed to `out`.
#pragma once

#include <ostream>
#include <string>

#include "core/status.h"
#include "harness/run_suite.h"
#include "harness/suite.h"

namespace svit {

Status WriteRunOutputs(const Suite& suite, const RunSummary& summary, const std::string& store_path,
                       std::ostream& out);

}  // namespace svit

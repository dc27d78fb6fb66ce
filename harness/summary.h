// The human-readable summary `score` and `run` print: counts, the official
// script's own output when it has one, every rounded metric, and notes.
#pragma once

#include <ostream>

#include "core/types.h"

namespace svit {

void PrintScoreSummary(const ScoreResult& result, std::ostream& out);

}  // namespace svit

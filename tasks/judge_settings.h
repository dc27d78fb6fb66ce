// Parsing of the settings judged tasks share (--mode, judge parameters), with
// messages that name the option.
#pragma once

#include <string>

#include "core/status.h"

namespace svit {

// --mode: "default" (unparsable verdicts are excluded and counted) or
// "official" (they are scored the way the official script scores them).
Status ParseJudgeMode(const std::string& value, bool* official);

// A number within [low, high]; InvalidInput naming --`option` otherwise.
Status ParseDouble(const std::string& option, const std::string& value, double low, double high, double* out);
Status ParseInt(const std::string& option, const std::string& value, int low, int high, int* out);

}  // namespace svit

// Writing JSON text directly into a string, for the hot paths that must not
// build a DOM: request bodies sent to model servers, and per-sample records
// of result files.
#pragma once

#include <string>
#include <string_view>

namespace svit {

// Appends `text` as a JSON string literal (quotes included).
void AppendJsonString(std::string_view text, std::string* out);
// Appends the shortest decimal that round-trips `value` (JSON has no NaN/Inf:
// those are written as null).
void AppendJsonNumber(double value, std::string* out);

}  // namespace svit

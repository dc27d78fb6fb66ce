// Reading benchmark and prediction files: JSON documents and JSON-lines.
// Files are parsed with simdjson (benchmark files reach hundreds of MB); on a
// syntax error the file is re-scanned to report the line and column, so a
// user sees "questions.json:1041:17: ..." rather than a bare parser code.
// Field getters report the file, the record and the field that is wrong.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace svit {

using JsonValue = simdjson::dom::element;
using JsonObject = simdjson::dom::object;
using JsonArray = simdjson::dom::array;

// Where a record came from; formatted only when an error is reported.
struct Where {
  std::string_view file;
  size_t line = 0;            // 1-based JSON-lines line, 0 if not line-oriented
  std::string_view array;     // name of the array holding the record, if any
  size_t index = SIZE_MAX;    // position in that array, SIZE_MAX if none

  std::string ToString() const;
};

// Reads a whole file into `out`. Missing or unreadable files are InvalidInput.
Status ReadFileToString(const std::string& path, std::string* out);

// A parsed JSON document that owns its memory.
class JsonDocument {
 public:
  Status Load(const std::string& path);
  // Parses text that came from `path` (used for error messages only).
  Status Parse(std::string_view text, const std::string& path);
  JsonValue root() const { return root_; }
  const std::string& path() const { return path_; }

 private:
  Status ParsePadded(const simdjson::padded_string& text);

  simdjson::dom::parser parser_;
  JsonValue root_;
  std::string path_;
};

// Calls `fn(line_number, value)` for every non-blank line of a JSON-lines
// file, in order. The value is only valid during the call. Stops at the first
// error (a syntax error names the line).
Status ForEachJsonLine(const std::string& path,
                       const std::function<Status(size_t line, JsonValue value)>& fn);

// Typed field access. Each returns InvalidInput naming `where` and `key` when
// the field is absent or has the wrong type.
Status GetObject(JsonValue value, const Where& where, JsonObject* out);
Status GetField(JsonObject object, std::string_view key, const Where& where, JsonValue* out);
Status GetString(JsonObject object, std::string_view key, const Where& where, std::string_view* out);
Status GetInt64(JsonObject object, std::string_view key, const Where& where, int64_t* out);
Status GetArray(JsonObject object, std::string_view key, const Where& where, JsonArray* out);
// An identifier may be written as an integer or a string; returns its text.
Status GetId(JsonObject object, std::string_view key, const Where& where, std::string* out);
// True when `key` is present and not null.
bool HasField(JsonObject object, std::string_view key);

// Names a JSON value's type for error messages ("string", "integer", ...).
std::string_view JsonTypeName(JsonValue value);

}  // namespace svit

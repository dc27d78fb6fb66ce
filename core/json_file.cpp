#include "core/json_file.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace svit {
namespace {

// simdjson reports only an error code; nlohmann reports the byte offset, which
// we turn into line:column. Only runs on the error path.
std::string LocateSyntaxError(std::string_view text) {
  try {
    nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    size_t line = 1, column = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line ..."
    size_t pos = what.find("syntax error");
    std::string detail = pos == std::string::npos ? what : what.substr(pos);
    return std::to_string(line) + ":" + std::to_string(column) + ": invalid JSON (" + detail + ")";
  } catch (const std::exception& e) {
    return std::string("invalid JSON (") + e.what() + ")";
  }
  return "invalid JSON";
}

Status TypeError(const Where& where, std::string_view key, std::string_view expected,
                 JsonValue value) {
  return Status::InvalidInput(where.ToString() + ": field '" + std::string(key) + "' must be " +
                              std::string(expected) + ", got " +
                              std::string(JsonTypeName(value)));
}

}  // namespace

std::string Where::ToString() const {
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  if (!array.empty() || index != SIZE_MAX) {
    out += ": ";
    out += array.empty() ? std::string("record") : std::string(array);
    if (index != SIZE_MAX) out += "[" + std::to_string(index) + "]";
  }
  return out;
}

Status ReadFileToString(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput(path + ": cannot open file (missing or unreadable)");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return Status::InvalidInput(path + ": cannot read file (is it a directory?)");
  in.seekg(0, std::ios::beg);
  out->resize(static_cast<size_t>(size));
  if (size > 0 && !in.read(out->data(), size)) {
    return Status::InvalidInput(path + ": read error");
  }
  return Status::OK();
}

Status JsonDocument::Load(const std::string& path) {
  path_ = path;
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
    std::string probe;
    SVIT_RETURN_IF_ERROR(ReadFileToString(path, &probe));  // names the reason
    return Status::InvalidInput(path + ": cannot read file");
  }
  return ParsePadded(text);
}

Status JsonDocument::ParsePadded(const simdjson::padded_string& text) {
  auto error = parser_.parse(text).get(root_);
  if (error) {
    if (error == simdjson::CAPACITY || error == simdjson::MEMALLOC) {
      return Status::InvalidInput(path_ + ": file too large to parse (" +
                                  simdjson::error_message(error) + ")");
    }
    if (error == simdjson::UTF8_ERROR) return Status::InvalidInput(path_ + ": invalid UTF-8");
    return Status::InvalidInput(path_ + ":" + LocateSyntaxError(std::string_view(text)));
  }
  return Status::OK();
}

Status JsonDocument::Parse(std::string_view text, const std::string& path) {
  path_ = path;
  return ParsePadded(simdjson::padded_string(text));
}

Status ForEachJsonLine(const std::string& path,
                       const std::function<Status(size_t line, JsonValue value)>& fn) {
  std::string text;
  SVIT_RETURN_IF_ERROR(ReadFileToString(path, &text));
  simdjson::dom::parser parser;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    JsonValue value;
    auto error = parser.parse(line.data(), line.size(), /*realloc_if_needed=*/true).get(value);
    if (error) {
      std::string where = path + ":" + std::to_string(line_number);
      if (error == simdjson::UTF8_ERROR) return Status::InvalidInput(where + ": invalid UTF-8");
      std::string located = LocateSyntaxError(line);
      // LocateSyntaxError numbers lines within `line`; keep only the column.
      size_t colon = located.find(':');
      return Status::InvalidInput(where + ":" + located.substr(colon + 1));
    }
    SVIT_RETURN_IF_ERROR(fn(line_number, value));
  }
  return Status::OK();
}

std::string_view JsonTypeName(JsonValue value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

Status GetObject(JsonValue value, const Where& where, JsonObject* out) {
  if (value.get(*out) != simdjson::SUCCESS) {
    return Status::InvalidInput(where.ToString() + ": expected an object, got " +
                                std::string(JsonTypeName(value)));
  }
  return Status::OK();
}

Status GetField(JsonObject object, std::string_view key, const Where& where, JsonValue* out) {
  if (object.at_key(key).get(*out) != simdjson::SUCCESS) {
    return Status::InvalidInput(where.ToString() + ": missing field '" + std::string(key) + "'");
  }
  return Status::OK();
}

Status GetString(JsonObject object, std::string_view key, const Where& where,
                 std::string_view* out) {
  JsonValue value;
  SVIT_RETURN_IF_ERROR(GetField(object, key, where, &value));
  if (value.get(*out) != simdjson::SUCCESS) return TypeError(where, key, "a string", value);
  return Status::OK();
}

Status GetInt64(JsonObject object, std::string_view key, const Where& where, int64_t* out) {
  JsonValue value;
  SVIT_RETURN_IF_ERROR(GetField(object, key, where, &value));
  if (value.get(*out) != simdjson::SUCCESS) return TypeError(where, key, "an integer", value);
  return Status::OK();
}

Status GetArray(JsonObject object, std::string_view key, const Where& where, JsonArray* out) {
  JsonValue value;
  SVIT_RETURN_IF_ERROR(GetField(object, key, where, &value));
  if (value.get(*out) != simdjson::SUCCESS) return TypeError(where, key, "an array", value);
  return Status::OK();
}

Status GetId(JsonObject object, std::string_view key, const Where& where, std::string* out) {
  JsonValue value;
  SVIT_RETURN_IF_ERROR(GetField(object, key, where, &value));
  int64_t number;
  std::string_view text;
  if (value.get(number) == simdjson::SUCCESS) {
    *out = std::to_string(number);
  } else if (value.get(text) == simdjson::SUCCESS) {
    out->assign(text);
  } else {
    return TypeError(where, key, "an integer or a string", value);
  }
  return Status::OK();
}

bool HasField(JsonObject object, std::string_view key) {
  JsonValue value;
  return object.at_key(key).get(value) == simdjson::SUCCESS && !value.is_null();
}

}  // namespace svit

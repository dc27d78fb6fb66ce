#include "tasks/prediction_files.h"

#include <fstream>
#include <unordered_map>

#include "core/json_file.h"
#include "core/json_stream.h"

namespace svit {
namespace {

Status FirstNonBlankChar(const std::string& path, char* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput(path + ": cannot open file (missing or unreadable)");
  char c;
  *out = 0;
  while (in.get(c)) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      *out = c;
      break;
    }
  }
  return Status::OK();
}

}  // namespace

Status CheckDuplicatePredictions(const std::vector<Prediction>& predictions, const std::string& path,
                                 bool line_numbers) {
  const std::string unit = line_numbers ? "line " : "record ";
  std::unordered_map<std::string_view, size_t> seen;
  seen.reserve(predictions.size());
  for (const auto& p : predictions) {
    auto [it, inserted] = seen.emplace(p.id, p.line);
    if (!inserted) {
      return Status::InvalidInput(path + ": duplicate prediction for id '" + p.id + "' (" + unit +
                                  std::to_string(it->second) + " and " + unit +
                                  std::to_string(p.line) + ")");
    }
  }
  return Status::OK();
}

Status ReadAnswerFile(const std::string& path, const AnswerFileFormat& format,
                      std::vector<Prediction>* out) {
  out->clear();
  char first = 0;
  SVIT_RETURN_IF_ERROR(FirstNonBlankChar(path, &first));
  if (first == 0) return Status::InvalidInput(path + ": predictions file is empty");
  bool is_list = first == '[';

  if (is_list) {
    if (format.list_id_key.empty()) {
      return Status::InvalidInput(path + ": expected LLaVA answer JSON-lines ({\"" + format.id_key +
                                  "\": ..., \"" + format.text_key + "\": ...} per line), got a JSON array");
    }
    // Results lists reach 10 MB and more: stream them.
    JsonStream stream;
    SVIT_RETURN_IF_ERROR(stream.Open(path));
    SVIT_RETURN_IF_ERROR(stream.ExpectBeginArray("the results file"));
    for (size_t index = 0;; ++index) {
      JsonStream::Token token;
      bool done;
      SVIT_RETURN_IF_ERROR(stream.NextElement(&token, &done));
      if (done) break;
      auto where = [index] { return "results[" + std::to_string(index) + "]"; };  // for messages only
      if (token != JsonStream::Token::kBeginObject) return stream.Error(where() + " must be an object");
      Prediction p;
      bool has_id = false, has_text = false;
      for (;;) {
        std::string_view key;
        SVIT_RETURN_IF_ERROR(stream.NextKey(&key, &done));
        if (done) break;
        if (key == format.list_id_key) {
          SVIT_RETURN_IF_ERROR(stream.ReadId(format.list_id_key, &p.id));
          has_id = true;
        } else if (key == format.list_text_key) {
          std::string_view text;
          SVIT_RETURN_IF_ERROR(stream.ReadString(format.list_text_key, &text));
          p.text.assign(text);
          has_text = true;
        } else {
          SVIT_RETURN_IF_ERROR(stream.SkipNextValue());
        }
      }
      if (!has_id) return stream.Error(where() + ": missing field '" + format.list_id_key + "'");
      if (!has_text) return stream.Error(where() + ": missing field '" + format.list_text_key + "'");
      p.line = index;
      out->push_back(std::move(p));
    }
    JsonStream::Token end;
    SVIT_RETURN_IF_ERROR(stream.Next(&end));
    return format.unique_ids ? CheckDuplicatePredictions(*out, path, /*line_numbers=*/false)
                             : Status::OK();
  }

  SVIT_RETURN_IF_ERROR(ForEachJsonLine(path, [&](size_t line, JsonValue value) {
    Where where{path, line};
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
    Prediction p;
    SVIT_RETURN_IF_ERROR(GetId(object, format.id_key, where, &p.id));
    std::string_view text;
    SVIT_RETURN_IF_ERROR(GetString(object, format.text_key, where, &text));
    p.text.assign(text);
    std::string_view prompt;
    if (HasField(object, "prompt")) {
      SVIT_RETURN_IF_ERROR(GetString(object, "prompt", where, &prompt));
      p.prompt.assign(prompt);
    }
    p.line = line;
    out->push_back(std::move(p));
    return Status::OK();
  }));
  return format.unique_ids ? CheckDuplicatePredictions(*out, path, /*line_numbers=*/true)
                           : Status::OK();
}

Status CheckPredictionIds(const std::vector<Prediction>& predictions,
                          const std::unordered_set<std::string>& known_ids,
                          const std::string& path) {
  std::vector<std::string> unknown;
  for (const auto& p : predictions) {
    if (!known_ids.count(p.id)) unknown.push_back(p.id);
  }
  if (unknown.empty()) return Status::OK();
  return Status::InvalidInput(path + ": " + std::to_string(unknown.size()) +
                              " prediction(s) for ids the benchmark does not have: " +
                              FormatIdList(unknown));
}

Status AlignPredictions(const std::vector<Prediction>& predictions,
                        const std::unordered_map<std::string, size_t>& positions, size_t count,
                        std::vector<const Prediction*>* aligned) {
  aligned->assign(count, nullptr);
  std::vector<std::string> unknown;
  for (const auto& p : predictions) {
    auto it = positions.find(p.id);
    if (it == positions.end()) {
      unknown.push_back(p.id);
      continue;
    }
    const Prediction*& slot = (*aligned)[it->second];
    if (slot) return Status::InvalidInput("two predictions for sample id '" + p.id + "'");
    slot = &p;
  }
  if (!unknown.empty()) {
    return Status::InvalidInput(std::to_string(unknown.size()) +
                                " prediction(s) for ids the benchmark does not have: " +
                                FormatIdList(unknown));
  }
  return Status::OK();
}

std::string FormatIdList(const std::vector<std::string>& ids, size_t limit) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += ids[i];
  }
  if (ids.size() > limit) out += " (and " + std::to_string(ids.size() - limit) + " more)";
  return out;
}

}  // namespace svit

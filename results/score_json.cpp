#include "results/score_json.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace svit {

void WriteScoreJson(const ScoreResult& result, const ScoreInputs& inputs, std::ostream& out) {
  nlohmann::ordered_json head;
  head["task"] = result.task;
  head["inputs"] = nlohmann::json(inputs);
  head["counts"] = {{"total", result.counts.total},
                    {"answered", result.counts.answered},
                    {"missing", result.counts.missing},
                    {"failed", result.counts.failed},
                    {"unparseable", result.counts.unparseable}};
  head["metrics"] = result.metrics;
  head["metrics_unrounded"] = result.metrics_unrounded;
  if (!result.judge.is_null()) head["judge"] = result.judge;
  head["official_output"] = result.official_output;
  head["notes"] = result.notes;
  std::string text = head.dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Re-open the object to stream per_sample before its closing brace.
  text.pop_back();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  text += ",\n \"per_sample\": [";
  out << text;

  std::string line;
  for (size_t i = 0; i < result.per_sample.size(); ++i) {
    const SampleScore& s = result.per_sample[i];
    line.clear();
    line += i ? ",\n  {\"id\": " : "\n  {\"id\": ";
    AppendJsonString(s.id, &line);
    line += ", \"prediction\": ";
    AppendJsonString(s.prediction, &line);
    line += ", \"extracted\": ";
    AppendJsonString(s.extracted, &line);
    line += ", \"score\": ";
    AppendJsonNumber(s.score, &line);
    line += ", \"status\": \"";
    line += SampleStatusName(s.status);
    line += '"';
    for (const SampleColumn& column : result.columns) {
      line += ", ";
      AppendJsonString(column.name, &line);
      line += ": ";
      AppendJsonString(column.values[column.codes[i]], &line);
    }
    if (s.detail.is_object()) {
      for (const auto& [key, value] : s.detail.items()) {
        line += ", ";
        AppendJsonString(key, &line);
        line += ": ";
        line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    line += '}';
    out << line;
  }
  out << (result.per_sample.empty() ? "]\n}\n" : "\n ]\n}\n");
}

Status WriteScoreJsonFile(const ScoreResult& result, const ScoreInputs& inputs,
                          const std::string& path) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::RunFailed(path + ": cannot write result file");
    WriteScoreJson(result, inputs, out);
    out.flush();
    if (!out) return Status::RunFailed(path + ": write error");
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return Status::RunFailed(path + ": cannot move result into place: " + ec.message());
  return Status::OK();
}

}  // namespace svit

#include "results/score_json.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <thread>

namespace svit {

namespace {

// A detail value: scalars directly (the bulk of per-sample records), other
// values through nlohmann's serializer.
void AppendJsonValue(const nlohmann::json& value, std::string* out) {
  char buffer[32];
  switch (value.type()) {
    case nlohmann::json::value_t::string: AppendJsonString(value.get_ref<const std::string&>(), out); break;
    case nlohmann::json::value_t::number_float: AppendJsonNumber(value.get<double>(), out); break;
    case nlohmann::json::value_t::number_integer: {
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get<int64_t>());
      out->append(buffer, end);
      break;
    }
    case nlohmann::json::value_t::number_unsigned: {
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get<uint64_t>());
      out->append(buffer, end);
      break;
    }
    case nlohmann::json::value_t::boolean: *out += value.get<bool>() ? "true" : "false"; break;
    case nlohmann::json::value_t::null: *out += "null"; break;
    default: *out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

// Appends per-sample records [begin, end), each after ",\n  " ("\n  " for
// the very first).
void AppendRecords(const ScoreResult& result, size_t begin, size_t end, std::string* out) {
  for (size_t i = begin; i < end; ++i) {
    const SampleScore& s = result.per_sample[i];
    *out += i ? ",\n  {\"id\": " : "\n  {\"id\": ";
    AppendJsonString(s.id, out);
    *out += ", \"prediction\": ";
    AppendJsonString(s.prediction, out);
    *out += ", \"extracted\": ";
    AppendJsonString(s.extracted, out);
    *out += ", \"score\": ";
    AppendJsonNumber(s.score, out);
    *out += ", \"status\": \"";
    *out += SampleStatusName(s.status);
    *out += '"';
    for (const SampleColumn& column : result.columns) {
      *out += ", ";
      AppendJsonString(column.name, out);
      *out += ": ";
      AppendJsonString(column.values[column.codes[i]], out);
    }
    if (s.detail.is_object()) {
      for (const auto& [key, value] : s.detail.items()) {
        *out += ", ";
        AppendJsonString(key, out);
        *out += ": ";
        AppendJsonValue(value, out);
      }
    }
    *out += '}';
  }
}

}  // namespace

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

  // Records are formatted in blocks, one block per thread at a time (a
  // large result spends most of its time formatting numbers), and written
  // in order.
  constexpr size_t kBlock = 4096;
  const std::vector<SampleScore>& samples = result.per_sample;
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> blocks(threads);
  for (size_t first = 0; first < samples.size(); first += kBlock * threads) {
    auto format_block = [&](size_t t) {
      size_t begin = std::min(samples.size(), first + t * kBlock);
      blocks[t].clear();
      AppendRecords(result, begin, std::min(samples.size(), begin + kBlock), &blocks[t]);
    };
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) {
      if (first + t * kBlock < samples.size()) {
        workers.emplace_back(format_block, t);
      } else {
        blocks[t].clear();
      }
    }
    format_block(0);
    for (auto& w : workers) w.join();
    for (const std::string& block : blocks) out << block;
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

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

// Index of the first byte of text[from, ...) that JSON must escape (a quote,
// a backslash or a control character), or text.size(). Eight bytes at a
// time: each mask flags the first such byte exactly, so the lowest flag of
// their union is the first one.
size_t FindEscape(std::string_view text, size_t from) {
  static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
    uint64_t flags = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                      ((v - kOnes * 0x20) & ~v)) & kHigh;
    if (flags) return i + std::countr_zero(flags) / 8;
  }
  for (; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = FindEscape(text, 0); i < text.size(); i = FindEscape(text, run)) {
    out->append(text.data() + run, i - run);
    run = i + 1;
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    *out += "null";
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, end - buffer);
  *out += text;
  // Keep integral values recognisably floating point, as Python prints them.
  if (text.find_first_of(".eE") == std::string_view::npos) *out += ".0";
}

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
void AppendRecords(const std::vector<SampleScore>& samples, size_t begin, size_t end, std::string* out) {
  for (size_t i = begin; i < end; ++i) {
    const SampleScore& s = samples[i];
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
      AppendRecords(samples, begin, std::min(samples.size(), begin + kBlock), &blocks[t]);
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

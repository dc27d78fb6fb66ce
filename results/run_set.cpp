#include "results/run_set.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_set>

#include "results/run_record.h"

namespace svit {
namespace {

namespace fs = std::filesystem;

Status ParseStatus(std::string_view text, const Where& where, SampleStatus* out) {
  for (SampleStatus s : {SampleStatus::kAnswered, SampleStatus::kMissing, SampleStatus::kFailed,
                         SampleStatus::kUnparseable}) {
    if (text == SampleStatusName(s)) {
      *out = s;
      return Status::OK();
    }
  }
  return Status::InvalidInput(where.ToString() + ": field 'status' must be answered, missing, "
                              "failed or unparseable, got '" + std::string(text) + "'");
}

// A string field that may also be null or absent (read as "").
Status OptionalText(JsonObject object, std::string_view key, const Where& where, std::string* out) {
  JsonValue value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return Status::OK();
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    return Status::InvalidInput(where.ToString() + ": field '" + std::string(key) +
                                "' must be a string, got " + std::string(JsonTypeName(value)));
  }
  out->assign(text);
  return Status::OK();
}

Status ParseSample(JsonValue value, const Where& where, SampleScore* out) {
  JsonObject object;
  SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
  SVIT_RETURN_IF_ERROR(GetId(object, "id", where, &out->id));
  SVIT_RETURN_IF_ERROR(OptionalText(object, "prediction", where, &out->prediction));
  SVIT_RETURN_IF_ERROR(OptionalText(object, "extracted", where, &out->extracted));
  JsonValue score;
  SVIT_RETURN_IF_ERROR(GetField(object, "score", where, &score));
  if (score.is_null()) {
    out->score = std::numeric_limits<double>::quiet_NaN();
  } else if (score.get_double().get(out->score) != simdjson::SUCCESS) {
    return Status::InvalidInput(where.ToString() + ": field 'score' must be a number, got " +
                                std::string(JsonTypeName(score)));
  }
  std::string status = "answered";
  SVIT_RETURN_IF_ERROR(OptionalText(object, "status", where, &status));
  SVIT_RETURN_IF_ERROR(ParseStatus(status, where, &out->status));
  for (auto [key, field] : object) {
    if (key == "id" || key == "prediction" || key == "extracted" || key == "score" ||
        key == "status") {
      continue;
    }
    if (!out->detail.is_object()) out->detail = nlohmann::json::object();
    out->detail[std::string(key)] = ToJson(field);
  }
  return Status::OK();
}

Status ParseCounts(JsonObject object, const Where& where, ScoreCounts* out) {
  struct Field {
    const char* name;
    size_t* target;
  };
  for (Field f : {Field{"total", &out->total}, Field{"answered", &out->answered},
                  Field{"missing", &out->missing}, Field{"failed", &out->failed},
                  Field{"unparseable", &out->unparseable}}) {
    if (!HasField(object, f.name)) continue;
    int64_t value = 0;
    SVIT_RETURN_IF_ERROR(GetInt64(object, f.name, where, &value));
    if (value < 0) {
      return Status::InvalidInput(where.ToString() + ": counts." + f.name + " is negative");
    }
    *f.target = static_cast<size_t>(value);
  }
  return Status::OK();
}

Status LoadFile(const std::string& path, RunSet* out) {
  JsonDocument document;
  SVIT_RETURN_IF_ERROR(document.Load(path));
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(document.root(), Where{path}, &root));
  if (IsRunRecord(root)) return ParseRunRecord(root, path, out);
  TaskResult task;
  SVIT_RETURN_IF_ERROR(ParseTaskResult(root, Where{path}, &task));
  out->run_id = fs::path(path).stem().string();
  out->model_name = out->run_id;
  out->source = path;
  std::string name = task.score.task;
  out->tasks.emplace(name, std::move(task));
  return Status::OK();
}

Status LoadFolder(const std::string& path, RunSet* out) {
  if (fs::is_regular_file(fs::path(path) / "run.json")) {
    return LoadFile((fs::path(path) / "run.json").string(), out);
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  if (ec) return Status::InvalidInput(path + ": cannot list folder: " + ec.message());
  if (files.empty()) {
    return Status::InvalidInput(path + ": folder holds neither run.json nor score result files (*.json)");
  }
  std::sort(files.begin(), files.end());
  out->run_id = fs::path(path).lexically_normal().filename().string();
  if (out->run_id.empty() || out->run_id == ".") {
    out->run_id = fs::path(path).lexically_normal().parent_path().filename().string();
  }
  out->model_name = out->run_id;
  out->source = path;
  for (const auto& file : files) {
    RunSet one;
    SVIT_RETURN_IF_ERROR(LoadFile(file, &one));
    for (auto& [name, task] : one.tasks) {
      if (out->tasks.count(name)) {
        return Status::InvalidInput(file + ": a second result for task '" + name + "' in " + path);
      }
      out->tasks.emplace(name, std::move(task));
    }
  }
  return Status::OK();
}

}  // namespace

nlohmann::json ToJson(JsonValue value) {
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      nlohmann::json out = nlohmann::json::object();
      for (auto [key, field] : JsonObject(value)) out[std::string(key)] = ToJson(field);
      return out;
    }
    case simdjson::dom::element_type::ARRAY: {
      nlohmann::json out = nlohmann::json::array();
      for (JsonValue item : JsonArray(value)) out.push_back(ToJson(item));
      return out;
    }
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(value));
    case simdjson::dom::element_type::INT64:
      return int64_t(value);
    case simdjson::dom::element_type::UINT64:
      return uint64_t(value);
    case simdjson::dom::element_type::DOUBLE:
      return double(value);
    case simdjson::dom::element_type::BOOL:
      return bool(value);
    case simdjson::dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

std::string JudgeIdentity(const nlohmann::json& judge) {
  if (!judge.is_object()) return "";
  auto field = [&](const char* name) { return judge.contains(name) ? judge[name].dump() : std::string("null"); };
  // Which endpoint answered (name, URL, cost) does not change a verdict; the model and the prompts do.
  return "model=" + field("model") + " reported=" + field("reported_models") + " protocol=" + field("protocol") +
         " parameters=" + field("parameters") + " prompt_template_sha256=" + field("prompt_template_sha256");
}

Status ParseTaskResult(JsonObject object, const Where& where, TaskResult* out) {
  std::string_view task;
  SVIT_RETURN_IF_ERROR(GetString(object, "task", where, &task));
  if (task.empty()) return Status::InvalidInput(where.ToString() + ": field 'task' is empty");
  ScoreResult& score = out->score;
  score.task.assign(task);

  JsonValue value;
  JsonObject inner;
  if (object.at_key("inputs").get(value) == simdjson::SUCCESS && !value.is_null()) {
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &inner));
    for (auto [key, field] : inner) {
      std::string_view text;
      out->inputs[std::string(key)] =
          field.get(text) == simdjson::SUCCESS ? std::string(text) : ToJson(field).dump();
    }
  }
  for (const char* key : {"metrics", "metrics_unrounded"}) {
    if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) continue;
    if (!value.is_object()) {
      return Status::InvalidInput(where.ToString() + ": field '" + key + "' must be an object, got " +
                                  std::string(JsonTypeName(value)));
    }
    (std::string_view(key) == "metrics" ? score.metrics : score.metrics_unrounded) = ToJson(value);
  }
  if (score.metrics_unrounded.empty()) score.metrics_unrounded = score.metrics;
  SVIT_RETURN_IF_ERROR(OptionalText(object, "official_output", where, &score.official_output));
  if (object.at_key("notes").get(value) == simdjson::SUCCESS && value.is_array()) {
    for (JsonValue note : JsonArray(value)) {
      std::string_view text;
      if (note.get(text) == simdjson::SUCCESS) score.notes.emplace_back(text);
    }
  }
  if (object.at_key("judge").get(value) == simdjson::SUCCESS && !value.is_null()) {
    if (!value.is_object()) {
      return Status::InvalidInput(where.ToString() + ": field 'judge' must be an object, got " +
                                  std::string(JsonTypeName(value)));
    }
    score.judge = ToJson(value);
    out->protocol.judge = JudgeIdentity(score.judge);
  }
  if (object.at_key("protocol").get(value) == simdjson::SUCCESS && !value.is_null()) {
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &inner));
    SVIT_RETURN_IF_ERROR(
        OptionalText(inner, "prompt_template_sha256", where, &out->protocol.prompt_template_sha256));
    SVIT_RETURN_IF_ERROR(OptionalText(inner, "dataset_sha256", where, &out->protocol.dataset_sha256));
  }

  JsonArray samples;
  SVIT_RETURN_IF_ERROR(GetArray(object, "per_sample", where, &samples));
  std::unordered_set<std::string> seen;
  size_t index = 0;
  for (JsonValue sample : samples) {
    Where at{where.file, where.line, "per_sample", index++};
    SampleScore s;
    SVIT_RETURN_IF_ERROR(ParseSample(sample, at, &s));
    if (!seen.insert(s.id).second) {
      return Status::InvalidInput(at.ToString() + ": sample id '" + s.id + "' appears twice");
    }
    score.per_sample.push_back(std::move(s));
  }
  if (object.at_key("counts").get(value) == simdjson::SUCCESS && !value.is_null()) {
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &inner));
    SVIT_RETURN_IF_ERROR(ParseCounts(inner, where, &score.counts));
  } else {
    score.counts.total = score.per_sample.size();
    for (const auto& s : score.per_sample) {
      switch (s.status) {
        case SampleStatus::kAnswered: ++score.counts.answered; break;
        case SampleStatus::kMissing: ++score.counts.missing; break;
        case SampleStatus::kFailed: ++score.counts.failed; break;
        case SampleStatus::kUnparseable: ++score.counts.unparseable; break;
      }
    }
  }
  return Status::OK();
}

Status LoadRunSet(const std::string& path, RunSet* out) {
  *out = RunSet();
  std::error_code ec;
  if (fs::is_directory(path, ec)) return LoadFolder(path, out);
  if (!fs::exists(path, ec)) return Status::InvalidInput(path + ": no such file or folder");
  return LoadFile(path, out);
}

void SplitRunArgument(const std::string& argument, std::string* label, std::string* path) {
  const size_t equals = argument.find('=');
  if (equals != std::string::npos && equals > 0 &&
      argument.find('/') > equals) {
    *label = argument.substr(0, equals);
    *path = argument.substr(equals + 1);
  } else {
    label->clear();
    *path = argument;
  }
}

}  // namespace svit

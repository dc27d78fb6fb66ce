#include "results/run_files.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include "core/json_file.h"
#include "core/json_text.h"
#include "core/sha256.h"

namespace fs = std::filesystem;

namespace svit {
namespace {

constexpr char kFormat[] = "svit-eval-run/1";

// Per-sample keys the record owns; task detail keys with these names are
// not written (they would be ambiguous when read back).
const std::set<std::string>& ReservedKeys() {
  static const std::set<std::string> keys = {"id",     "prompt",   "prediction", "extracted",
                                             "score",  "status",   "finish_reason", "error",
                                             "usage",  "attempts", "cached",     "latency_ms",
                                             "task"};
  return keys;
}

template <typename Json>  // nlohmann::json or ordered_json (keeps its key order)
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendUsage(const Usage& usage, std::string* out) {
  *out += "{\"prompt_tokens\":" + std::to_string(usage.prompt_tokens) +
          ",\"completion_tokens\":" + std::to_string(usage.completion_tokens) +
          ",\"reasoning_tokens\":" + std::to_string(usage.reasoning_tokens) + "}";
}

nlohmann::json UsageJson(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"reasoning_tokens", usage.reasoning_tokens}};
}

// The body of a per-sample row without braces: "id": ..., "prompt": ...
void AppendSampleFields(const SampleScore& score, const SampleRun* run, std::string* out) {
  *out += "\"id\":";
  AppendJsonString(score.id, out);
  *out += ",\"prompt\":";
  AppendJsonString(run ? run->prompt : "", out);
  *out += ",\"prediction\":";
  AppendJsonString(score.prediction, out);
  *out += ",\"extracted\":";
  AppendJsonString(score.extracted, out);
  *out += ",\"score\":";
  AppendJsonNumber(score.score, out);
  *out += ",\"status\":\"";
  *out += SampleStatusName(score.status);
  *out += "\",\"finish_reason\":";
  AppendJsonString(run ? run->finish_reason : "", out);
  *out += ",\"error\":";
  AppendJsonString(run ? run->error : "", out);
  *out += ",\"usage\":";
  AppendUsage(run ? run->usage : Usage(), out);
  *out += ",\"attempts\":" + std::to_string(run ? run->attempts : 0);
  *out += std::string(",\"cached\":") + (run && run->cached ? "true" : "false");
  *out += ",\"latency_ms\":";
  AppendJsonNumber(run ? run->latency_ms : 0.0, out);
  if (score.detail.is_object()) {
    for (const auto& [key, value] : score.detail.items()) {
      if (ReservedKeys().count(key)) continue;
      *out += ',';
      AppendJsonString(key, out);
      *out += ':';
      *out += Dump(value);
    }
  }
}

// LLaVA writes integer question ids as numbers; keep that for ids that are
// canonical integers, so answer files read back to the same ids.
void AppendQuestionId(const std::string& id, std::string* out) {
  bool integer = !id.empty() && id.size() < 19 && (id == "0" || id[0] != '0');
  for (char c : id) integer = integer && c >= '0' && c <= '9';
  if (integer) {
    *out += id;
  } else {
    AppendJsonString(id, out);
  }
}

Status WriteText(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::RunFailed(temp + ": cannot write");
    out << text;
    out.flush();
    if (!out) return Status::RunFailed(temp + ": write error");
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return Status::RunFailed(path + ": cannot move into place: " + ec.message());
  return Status::OK();
}

std::unordered_map<std::string, const SampleRun*> IndexRuns(const TaskRun& run) {
  std::unordered_map<std::string, const SampleRun*> index;
  index.reserve(run.samples.size());
  for (const auto& s : run.samples) index.emplace(s.id, &s);
  return index;
}

// ---------------------------------------------------------------- reading

Status Field(const nlohmann::json& object, const char* key, const std::string& where, const nlohmann::json** out) {
  auto it = object.find(key);
  if (it == object.end()) return Status::InvalidInput(where + ": missing field '" + key + "'");
  *out = &*it;
  return Status::OK();
}

template <typename T>
Status Get(const nlohmann::json& object, const char* key, const std::string& where, T* out) {
  const nlohmann::json* value;
  SVIT_RETURN_IF_ERROR(Field(object, key, where, &value));
  try {
    *out = value->get<T>();
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidInput(where + ": field '" + key + "' has the wrong type (" +
                                std::string(value->type_name()) + ")");
  }
  return Status::OK();
}

Usage ReadUsage(const nlohmann::json& j) {
  Usage usage;
  if (!j.is_object()) return usage;
  usage.prompt_tokens = j.value("prompt_tokens", int64_t{0});
  usage.completion_tokens = j.value("completion_tokens", int64_t{0});
  usage.reasoning_tokens = j.value("reasoning_tokens", int64_t{0});
  return usage;
}

Status ReadStatusName(const std::string& name, const std::string& where, SampleStatus* out) {
  for (SampleStatus s : {SampleStatus::kAnswered, SampleStatus::kMissing, SampleStatus::kFailed,
                         SampleStatus::kUnparseable}) {
    if (name == SampleStatusName(s)) {
      *out = s;
      return Status::OK();
    }
  }
  return Status::InvalidInput(where + ": unknown sample status '" + name + "'");
}

Status ReadProtocol(const nlohmann::json& j, const std::string& where, TaskProtocol* out) {
  SVIT_RETURN_IF_ERROR(Get(j, "prompt_template_sha256", where, &out->prompt_template_sha256));
  SVIT_RETURN_IF_ERROR(Get(j, "dataset_sha256", where, &out->dataset_sha256));
  SVIT_RETURN_IF_ERROR(Get(j, "prompts_sha256", where, &out->prompts_sha256));
  SVIT_RETURN_IF_ERROR(Get(j, "input_sha256", where, &out->input_sha256));
  SVIT_RETURN_IF_ERROR(Get(j, "prompt_template", where, &out->prompt_template));
  SVIT_RETURN_IF_ERROR(Get(j, "system_prompt", where, &out->system_prompt));
  SVIT_RETURN_IF_ERROR(Get(j, "task_default_prompt", where, &out->task_default_prompt));
  return Status::OK();
}

Status ReadTaskRun(const nlohmann::json& j, const std::string& where, TaskRun* out) {
  if (!j.is_object()) return Status::InvalidInput(where + ": must be an object");
  SVIT_RETURN_IF_ERROR(Get(j, "task", where, &out->task));
  SVIT_RETURN_IF_ERROR(Get(j, "inputs", where, &out->inputs));
  const nlohmann::json* protocol;
  SVIT_RETURN_IF_ERROR(Field(j, "protocol", where, &protocol));
  SVIT_RETURN_IF_ERROR(ReadProtocol(*protocol, where + ".protocol", &out->protocol));
  SVIT_RETURN_IF_ERROR(Get(j, "images", where, &out->images));
  SVIT_RETURN_IF_ERROR(Get(j, "limit", where, &out->limit));
  SVIT_RETURN_IF_ERROR(Get(j, "requests", where, &out->requests));
  SVIT_RETURN_IF_ERROR(Get(j, "timings", where, &out->timings));
  const nlohmann::json* usage;
  SVIT_RETURN_IF_ERROR(Field(j, "usage", where, &usage));
  out->usage = ReadUsage(*usage);
  ScoreResult& score = out->score;
  score.task = out->task;
  SVIT_RETURN_IF_ERROR(Get(j, "metrics", where, &score.metrics));
  SVIT_RETURN_IF_ERROR(Get(j, "metrics_unrounded", where, &score.metrics_unrounded));
  SVIT_RETURN_IF_ERROR(Get(j, "official_output", where, &score.official_output));
  SVIT_RETURN_IF_ERROR(Get(j, "notes", where, &score.notes));
  if (j.contains("judge")) score.judge = j.at("judge");
  const nlohmann::json* counts;
  SVIT_RETURN_IF_ERROR(Field(j, "counts", where, &counts));
  std::string counts_where = where + ".counts";
  SVIT_RETURN_IF_ERROR(Get(*counts, "total", counts_where, &score.counts.total));
  SVIT_RETURN_IF_ERROR(Get(*counts, "answered", counts_where, &score.counts.answered));
  SVIT_RETURN_IF_ERROR(Get(*counts, "missing", counts_where, &score.counts.missing));
  SVIT_RETURN_IF_ERROR(Get(*counts, "failed", counts_where, &score.counts.failed));
  SVIT_RETURN_IF_ERROR(Get(*counts, "unparseable", counts_where, &score.counts.unparseable));
  const nlohmann::json* rows;
  SVIT_RETURN_IF_ERROR(Field(j, "per_sample", where, &rows));
  if (!rows->is_array()) return Status::InvalidInput(where + ": per_sample must be an array");
  for (size_t i = 0; i < rows->size(); ++i) {
    const nlohmann::json& row = (*rows)[i];
    std::string row_where = where + ".per_sample[" + std::to_string(i) + "]";
    if (!row.is_object()) return Status::InvalidInput(row_where + ": must be an object");
    SampleScore s;
    SampleRun r;
    std::string status;
    SVIT_RETURN_IF_ERROR(Get(row, "id", row_where, &s.id));
    SVIT_RETURN_IF_ERROR(Get(row, "prediction", row_where, &s.prediction));
    SVIT_RETURN_IF_ERROR(Get(row, "extracted", row_where, &s.extracted));
    SVIT_RETURN_IF_ERROR(Get(row, "status", row_where, &status));
    SVIT_RETURN_IF_ERROR(ReadStatusName(status, row_where, &s.status));
    const nlohmann::json* score_value;
    SVIT_RETURN_IF_ERROR(Field(row, "score", row_where, &score_value));
    s.score = score_value->is_number() ? score_value->get<double>() : 0.0;  // null: not finite
    r.id = s.id;
    r.response = s.prediction;
    SVIT_RETURN_IF_ERROR(Get(row, "prompt", row_where, &r.prompt));
    SVIT_RETURN_IF_ERROR(Get(row, "finish_reason", row_where, &r.finish_reason));
    SVIT_RETURN_IF_ERROR(Get(row, "error", row_where, &r.error));
    SVIT_RETURN_IF_ERROR(Get(row, "attempts", row_where, &r.attempts));
    SVIT_RETURN_IF_ERROR(Get(row, "cached", row_where, &r.cached));
    SVIT_RETURN_IF_ERROR(Get(row, "latency_ms", row_where, &r.latency_ms));
    r.usage = ReadUsage(row.value("usage", nlohmann::json::object()));
    for (const auto& [key, value] : row.items()) {
      if (ReservedKeys().count(key)) continue;
      if (!s.detail.is_object()) s.detail = nlohmann::json::object();
      s.detail[key] = value;
    }
    score.per_sample.push_back(std::move(s));
    out->samples.push_back(std::move(r));
  }
  return Status::OK();
}

}  // namespace

Status WriteRunRecord(const RunRecord& record, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "answers", ec);
  if (ec) return Status::RunFailed(dir + ": cannot create the run folder: " + ec.message());

  std::string samples_text;
  for (const TaskRun& run : record.tasks) {
    auto index = IndexRuns(run);
    for (const auto& s : run.score.per_sample) {
      auto it = index.find(s.id);
      samples_text += "{\"task\":";
      AppendJsonString(run.task, &samples_text);
      samples_text += ',';
      AppendSampleFields(s, it == index.end() ? nullptr : it->second, &samples_text);
      samples_text += "}\n";
    }
    // LLaVA answer file of the answered samples, in benchmark order.
    std::string answers;
    for (const auto& s : run.samples) {
      if (!s.error.empty()) continue;
      answers += "{\"question_id\":";
      AppendQuestionId(s.id, &answers);
      answers += ",\"prompt\":";
      AppendJsonString(s.prompt, &answers);
      answers += ",\"text\":";
      AppendJsonString(s.response, &answers);
      answers += ",\"answer_id\":\"";
      answers += Sha256Hex(record.run_id + '\n' + run.task + '\n' + s.id).substr(0, 22);
      answers += "\",\"model_id\":";
      AppendJsonString(record.model_name, &answers);
      answers += ",\"metadata\":{}}\n";
    }
    SVIT_RETURN_IF_ERROR(WriteText((fs::path(dir) / "answers" / (run.task + ".jsonl")).string(), answers));
  }
  SVIT_RETURN_IF_ERROR(WriteText((fs::path(dir) / "samples.jsonl").string(), samples_text));

  nlohmann::ordered_json head;
  head["format"] = kFormat;
  head["run_id"] = record.run_id;
  head["invocation"] = record.invocation;
  head["model"] = {{"name", record.model_name}, {"id", record.model_id}, {"identity", record.model_identity}};
  head["status"] = record.status;
  head["started_at"] = record.started_at;
  head["finished_at"] = record.finished_at;
  head["versions"] = record.versions;
  head["config"] = record.config;
  std::string text = Dump(head);
  text.pop_back();  // reopen the object for the tasks
  text += ",\n\"tasks\":[";
  for (size_t i = 0; i < record.tasks.size(); ++i) {
    const TaskRun& run = record.tasks[i];
    const ScoreResult& score = run.score;
    const TaskProtocol& p = run.protocol;
    nlohmann::ordered_json task;
    task["task"] = run.task;
    task["inputs"] = run.inputs;
    task["counts"] = {{"total", score.counts.total},
                      {"answered", score.counts.answered},
                      {"missing", score.counts.missing},
                      {"failed", score.counts.failed},
                      {"unparseable", score.counts.unparseable}};
    task["metrics"] = score.metrics;
    task["metrics_unrounded"] = score.metrics_unrounded;
    task["official_output"] = score.official_output;
    task["notes"] = score.notes;
    if (!score.judge.is_null()) task["judge"] = score.judge;
    task["protocol"] = {{"prompt_template_sha256", p.prompt_template_sha256},
                        {"dataset_sha256", p.dataset_sha256},
                        {"prompts_sha256", p.prompts_sha256},
                        {"input_sha256", p.input_sha256},
                        {"prompt_template", p.prompt_template},
                        {"system_prompt", p.system_prompt},
                        {"task_default_prompt", p.task_default_prompt}};
    task["images"] = run.images;
    task["limit"] = run.limit;
    task["usage"] = UsageJson(run.usage);
    task["requests"] = run.requests;
    task["timings"] = run.timings;
    std::string task_text = Dump(task);
    task_text.pop_back();  // reopen the object for per_sample
    text += i ? ",\n" : "\n";
    text += task_text + ",\n\"per_sample\":[";
    auto index = IndexRuns(run);
    for (size_t k = 0; k < score.per_sample.size(); ++k) {
      const SampleScore& s = score.per_sample[k];
      auto it = index.find(s.id);
      text += k ? ",\n{" : "\n{";
      AppendSampleFields(s, it == index.end() ? nullptr : it->second, &text);
      for (const SampleColumn& column : score.columns) {
        text += ", ";
        AppendJsonString(column.name, &text);
        text += ": ";
        AppendJsonString(column.values[column.codes[k]], &text);
      }
      text += '}';
    }
    text += "]}";
  }
  text += "]}\n";
  return WriteText((fs::path(dir) / "run.json").string(), text);
}

Status ReadRunRecord(const std::string& path, RunRecord* out) {
  std::string file = fs::is_directory(path) ? (fs::path(path) / "run.json").string() : path;
  std::string text;
  SVIT_RETURN_IF_ERROR(ReadFileToString(file, &text));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    JsonDocument locate;
    Status status = locate.Parse(text, file);
    return status.ok() ? Status::InvalidInput(file + ": invalid JSON") : status;
  }
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return Status::InvalidInput(file + ": not a svit-eval run record (format must be \"" + kFormat + "\")");
  }
  *out = RunRecord();
  SVIT_RETURN_IF_ERROR(Get(j, "run_id", file, &out->run_id));
  SVIT_RETURN_IF_ERROR(Get(j, "invocation", file, &out->invocation));
  const nlohmann::json* model;
  SVIT_RETURN_IF_ERROR(Field(j, "model", file, &model));
  SVIT_RETURN_IF_ERROR(Get(*model, "name", file + ": model", &out->model_name));
  SVIT_RETURN_IF_ERROR(Get(*model, "id", file + ": model", &out->model_id));
  SVIT_RETURN_IF_ERROR(Get(*model, "identity", file + ": model", &out->model_identity));
  SVIT_RETURN_IF_ERROR(Get(j, "status", file, &out->status));
  SVIT_RETURN_IF_ERROR(Get(j, "started_at", file, &out->started_at));
  SVIT_RETURN_IF_ERROR(Get(j, "finished_at", file, &out->finished_at));
  SVIT_RETURN_IF_ERROR(Get(j, "versions", file, &out->versions));
  SVIT_RETURN_IF_ERROR(Get(j, "config", file, &out->config));
  const nlohmann::json* tasks;
  SVIT_RETURN_IF_ERROR(Field(j, "tasks", file, &tasks));
  if (!tasks->is_array()) return Status::InvalidInput(file + ": tasks must be an array");
  for (size_t i = 0; i < tasks->size(); ++i) {
    TaskRun run;
    SVIT_RETURN_IF_ERROR(ReadTaskRun((*tasks)[i], file + ": tasks[" + std::to_string(i) + "]", &run));
    out->tasks.push_back(std::move(run));
  }
  return Status::OK();
}

}  // namespace svit

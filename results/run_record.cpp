#include "results/run_record.h"

namespace svit {
namespace {

std::string OptionalString(JsonObject object, std::string_view key) {
  std::string_view text;
  return object.at_key(key).get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

}  // namespace

bool IsRunRecord(JsonObject root) { return HasField(root, "run_id") && HasField(root, "tasks"); }

Status ParseRunRecord(JsonObject root, const std::string& path, RunSet* out) {
  Where where{path};
  std::string_view run_id;
  SVIT_RETURN_IF_ERROR(GetString(root, "run_id", where, &run_id));
  out->run_id.assign(run_id);
  out->source = path;
  out->created_at = OptionalString(root, "created_at");
  if (out->created_at.empty()) out->created_at = OptionalString(root, "started_at");
  JsonValue model;
  if (root.at_key("model").get(model) == simdjson::SUCCESS) {
    JsonObject model_object;
    std::string_view model_text;
    if (model.get(model_object) == simdjson::SUCCESS) {
      out->model_name = OptionalString(model_object, "name");
      out->model_id = OptionalString(model_object, "id");
    } else if (model.get(model_text) == simdjson::SUCCESS) {
      out->model_name.assign(model_text);
    } else {
      return Status::InvalidInput(path + ": field 'model' must be an object or a string, got " +
                                  std::string(JsonTypeName(model)));
    }
  }
  if (out->model_name.empty()) out->model_name = out->model_id.empty() ? out->run_id : out->model_id;

  JsonValue tasks;
  SVIT_RETURN_IF_ERROR(GetField(root, "tasks", where, &tasks));
  auto add = [&](std::string_view name, JsonValue value, const Where& at) -> Status {
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, at, &object));
    TaskResult task;
    SVIT_RETURN_IF_ERROR(ParseTaskResult(object, at, &task));
    if (!name.empty()) task.score.task.assign(name);
    if (out->tasks.count(task.score.task)) {
      return Status::InvalidInput(at.ToString() + ": task '" + task.score.task + "' appears twice");
    }
    std::string key = task.score.task;
    out->tasks.emplace(key, std::move(task));
    return Status::OK();
  };
  JsonObject task_map;
  JsonArray task_list;
  if (tasks.get(task_map) == simdjson::SUCCESS) {
    for (auto [name, value] : task_map) {
      const std::string label = "tasks." + std::string(name);  // Where keeps a view of it
      Where at{path, 0, label};
      SVIT_RETURN_IF_ERROR(add(name, value, at));
    }
  } else if (tasks.get(task_list) == simdjson::SUCCESS) {
    size_t index = 0;
    for (JsonValue value : task_list) {
      SVIT_RETURN_IF_ERROR(add("", value, Where{path, 0, "tasks", index++}));
    }
  } else {
    return Status::InvalidInput(path + ": field 'tasks' must be an object or an array, got " +
                                std::string(JsonTypeName(tasks)));
  }
  return Status::OK();
}

}  // namespace svit

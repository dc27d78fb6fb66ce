#include "harness/suite.h"

#include <filesystem>
#include <set>

#include "core/json_file.h"
#include "harness/adapter_factory.h"
#include "harness/request_renderer.h"
#include "tasks/registry.h"

namespace fs = std::filesystem;

namespace svit {
namespace {

// Reads the fields of one JSON object, remembering which keys were used so
// that the rest can be reported as unknown.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Check() const {
    if (!object_.is_object()) return Status::InvalidInput(where_ + ": must be a JSON object");
    return Status::OK();
  }
  bool Has(const char* key) {
    used_.insert(key);
    return object_.contains(key) && !object_.at(key).is_null();
  }
  std::string Where(const char* key) const { return where_ + "." + key; }

  Status String(const char* key, std::string* out, bool required = false) {
    if (!Has(key)) return required ? Missing(key) : Status::OK();
    const auto& v = object_.at(key);
    if (!v.is_string()) return Wrong(key, "a string");
    *out = v.get<std::string>();
    return Status::OK();
  }
  Status Number(const char* key, double* out, double minimum) {
    if (!Has(key)) return Status::OK();
    const auto& v = object_.at(key);
    if (!v.is_number() || v.get<double>() < minimum) {
      return Wrong(key, "a number >= " + FormatNumber(minimum));
    }
    *out = v.get<double>();
    return Status::OK();
  }
  template <typename Int>
  Status Integer(const char* key, Int* out, int64_t minimum) {
    if (!Has(key)) return Status::OK();
    const auto& v = object_.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < minimum) {
      return Wrong(key, "an integer >= " + std::to_string(minimum));
    }
    *out = static_cast<Int>(v.get<int64_t>());
    return Status::OK();
  }
  Status Object(const char* key, nlohmann::json* out) {
    if (!Has(key)) return Status::OK();
    if (!object_.at(key).is_object()) return Wrong(key, "an object");
    *out = object_.at(key);
    return Status::OK();
  }
  Status StringList(const char* key, std::vector<std::string>* out) {
    if (!Has(key)) return Status::OK();
    const auto& v = object_.at(key);
    if (!v.is_array()) return Wrong(key, "an array of strings");
    out->clear();
    for (const auto& item : v) {
      if (!item.is_string()) return Wrong(key, "an array of strings");
      out->push_back(item.get<std::string>());
    }
    return Status::OK();
  }
  Status Unknown() const {
    for (const auto& [key, value] : object_.items()) {
      if (!used_.count(key)) {
        std::string known;
        for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
        return Status::InvalidInput(where_ + ": unknown field '" + key + "' (known: " + known + ")");
      }
    }
    return Status::OK();
  }
  Status Missing(const char* key) const { return Status::InvalidInput(Where(key) + ": required field is missing"); }
  Status Wrong(const char* key, const std::string& expected) const {
    return Status::InvalidInput(Where(key) + ": must be " + expected + ", got " +
                                object_.at(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

 private:
  static std::string FormatNumber(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
  }

  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string> used_;
};

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

Status ParseGeneration(const nlohmann::json& j, const std::string& where, GenerationOverrides* out) {
  Fields f(j, where);
  SVIT_RETURN_IF_ERROR(f.Check());
  int max_tokens = 0;
  double number = 0;
  int64_t seed = 0;
  std::vector<std::string> stop;
  if (f.Has("max_tokens")) {
    SVIT_RETURN_IF_ERROR(f.Integer("max_tokens", &max_tokens, 1));
    out->max_new_tokens = max_tokens;
  }
  if (f.Has("temperature")) {
    SVIT_RETURN_IF_ERROR(f.Number("temperature", &number, 0));
    out->temperature = number;
  }
  if (f.Has("top_p")) {
    SVIT_RETURN_IF_ERROR(f.Number("top_p", &number, 0));
    out->top_p = number;
  }
  if (f.Has("seed")) {
    SVIT_RETURN_IF_ERROR(f.Integer("seed", &seed, INT64_MIN));
    out->seed = seed;
  }
  if (f.Has("stop")) {
    SVIT_RETURN_IF_ERROR(f.StringList("stop", &stop));
    out->stop = stop;
  }
  return f.Unknown();
}

Status ParseRetry(const nlohmann::json& j, const std::string& where, RetryPolicy* out) {
  Fields f(j, where);
  SVIT_RETURN_IF_ERROR(f.Check());
  SVIT_RETURN_IF_ERROR(f.Integer("max_attempts", &out->max_attempts, 1));
  SVIT_RETURN_IF_ERROR(f.Number("initial_delay_seconds", &out->initial_delay_seconds, 0));
  SVIT_RETURN_IF_ERROR(f.Number("max_delay_seconds", &out->max_delay_seconds, 0));
  SVIT_RETURN_IF_ERROR(f.Number("max_retry_after_seconds", &out->max_retry_after_seconds, 0));
  return f.Unknown();
}

// The fields a model and a judge share: how to reach the endpoint.
Status ParseEndpointFields(const nlohmann::json& j, Fields* f, ModelSpec* m) {
  SVIT_RETURN_IF_ERROR(f->String("name", &m->name, true));
  SVIT_RETURN_IF_ERROR(f->String("adapter", &m->adapter));
  SVIT_RETURN_IF_ERROR(f->String("profile", &m->profile));
  SVIT_RETURN_IF_ERROR(f->String("base_url", &m->base_url));
  SVIT_RETURN_IF_ERROR(f->String("model_id", &m->model_id));
  SVIT_RETURN_IF_ERROR(f->String("api_key_env", &m->api_key_env));
  SVIT_RETURN_IF_ERROR(f->String("azure_deployment", &m->azure_deployment));
  SVIT_RETURN_IF_ERROR(f->String("api_version", &m->api_version));
  SVIT_RETURN_IF_ERROR(f->String("max_tokens_field", &m->max_tokens_field));
  SVIT_RETURN_IF_ERROR(f->Integer("concurrency", &m->concurrency, 1));
  SVIT_RETURN_IF_ERROR(f->Number("requests_per_minute", &m->requests_per_minute, 0));
  SVIT_RETURN_IF_ERROR(f->Number("tokens_per_minute", &m->tokens_per_minute, 0));
  SVIT_RETURN_IF_ERROR(f->Number("timeout_seconds", &m->timeout_seconds, 0.001));
  SVIT_RETURN_IF_ERROR(f->Number("connect_timeout_seconds", &m->connect_timeout_seconds, 0.001));
  if (f->Has("retry")) SVIT_RETURN_IF_ERROR(ParseRetry(j.at("retry"), f->Where("retry"), &m->retry));
  SVIT_RETURN_IF_ERROR(f->Object("extra_body", &m->extra_body));
  SVIT_RETURN_IF_ERROR(f->String("revision", &m->revision));
  return f->Object("options", &m->options);
}

Status ParseModel(const nlohmann::json& j, const std::string& where, ModelSpec* m) {
  Fields f(j, where);
  SVIT_RETURN_IF_ERROR(f.Check());
  SVIT_RETURN_IF_ERROR(ParseEndpointFields(j, &f, m));
  if (f.Has("generation")) {
    GenerationOverrides g;
    SVIT_RETURN_IF_ERROR(ParseGeneration(j.at("generation"), f.Where("generation"), &g));
    m->generation = g.Apply(m->generation);
  }
  SVIT_RETURN_IF_ERROR(f.String("system_prompt", &m->system_prompt));
  if (f.Has("image")) {
    Fields image(j.at("image"), f.Where("image"));
    SVIT_RETURN_IF_ERROR(image.Check());
    SVIT_RETURN_IF_ERROR(image.Integer("max_side", &m->image_max_side, 0));
    SVIT_RETURN_IF_ERROR(image.String("detail", &m->image_detail));
    SVIT_RETURN_IF_ERROR(image.Unknown());
  }
  SVIT_RETURN_IF_ERROR(f.Unknown());
  if (m->model_id.empty()) m->model_id = m->name;
  return Status::OK();
}

// The judge: a model's endpoint fields (its prompts and generation
// parameters are the judged metric's protocol), an explicit model id, and
// prices in USD per million tokens (both or neither).
Status ParseJudge(const nlohmann::json& j, const std::string& where, JudgeSpec* judge) {
  Fields f(j, where);
  SVIT_RETURN_IF_ERROR(f.Check());
  SVIT_RETURN_IF_ERROR(ParseEndpointFields(j, &f, &judge->model));
  if (judge->model.model_id.empty()) return f.Missing("model_id");
  bool prompt_price = f.Has("price_prompt"), completion_price = f.Has("price_completion");
  if (prompt_price != completion_price) {
    return Status::InvalidInput(where + ": give both price_prompt and price_completion (USD per million tokens)");
  }
  SVIT_RETURN_IF_ERROR(f.Number("price_prompt", &judge->usd_per_million_prompt_tokens, 0));
  SVIT_RETURN_IF_ERROR(f.Number("price_completion", &judge->usd_per_million_completion_tokens, 0));
  return f.Unknown();
}

Status ParseTask(const nlohmann::json& j, const std::string& where, const std::string& base_dir, TaskSpec* t) {
  Fields f(j, where);
  SVIT_RETURN_IF_ERROR(f.Check());
  SVIT_RETURN_IF_ERROR(f.String("name", &t->name, true));
  for (const char* group : {"files", "settings"}) {
    nlohmann::json values = nlohmann::json::object();
    SVIT_RETURN_IF_ERROR(f.Object(group, &values));
    for (const auto& [key, value] : values.items()) {
      if (!value.is_string()) {
        return Status::InvalidInput(f.Where(group) + "." + key + ": must be a string");
      }
      std::string text = value.get<std::string>();
      if (std::string(group) == "files") {
        t->files[key] = Resolve(base_dir, text);
      } else {
        t->settings[key] = text;
      }
    }
  }
  SVIT_RETURN_IF_ERROR(f.String("images", &t->images));
  t->images = Resolve(base_dir, t->images);
  SVIT_RETURN_IF_ERROR(f.Integer("limit", &t->limit, 0));
  if (f.Has("prompt")) {
    Fields prompt(j.at("prompt"), f.Where("prompt"));
    SVIT_RETURN_IF_ERROR(prompt.Check());
    SVIT_RETURN_IF_ERROR(prompt.String("template", &t->prompt_template));
    SVIT_RETURN_IF_ERROR(prompt.String("system", &t->system_prompt));
    SVIT_RETURN_IF_ERROR(prompt.Unknown());
  }
  if (f.Has("generation")) {
    SVIT_RETURN_IF_ERROR(ParseGeneration(j.at("generation"), f.Where("generation"), &t->generation));
  }
  std::string kind = "generate";
  SVIT_RETURN_IF_ERROR(f.String("request", &kind));
  if (kind != "generate" && kind != "rank") {
    return Status::InvalidInput(f.Where("request") + ": must be \"generate\" or \"rank\", got \"" + kind + "\"");
  }
  t->request_kind = kind == "rank" ? RequestKind::kRank : RequestKind::kGenerate;
  return f.Unknown();
}

nlohmann::json OverridesJson(const GenerationOverrides& g) {
  nlohmann::json j = nlohmann::json::object();
  if (g.max_new_tokens) j["max_tokens"] = *g.max_new_tokens;
  if (g.temperature) j["temperature"] = *g.temperature;
  if (g.top_p) j["top_p"] = *g.top_p;
  if (g.seed) j["seed"] = *g.seed;
  if (g.stop) j["stop"] = *g.stop;
  return j;
}

// The endpoint fields of a model or judge (no key: only its variable's name).
nlohmann::json EndpointJson(const ModelSpec& m) {
  nlohmann::json j = {
      {"name", m.name},
      {"adapter", m.adapter},
      {"profile", m.profile},
      {"base_url", MaskUrlCredentials(m.base_url)},
      {"model_id", m.model_id},
      {"api_key_env", m.api_key_env},
      {"concurrency", m.concurrency},
      {"requests_per_minute", m.requests_per_minute},
      {"tokens_per_minute", m.tokens_per_minute},
      {"timeout_seconds", m.timeout_seconds},
      {"connect_timeout_seconds", m.connect_timeout_seconds},
      {"retry",
       {{"max_attempts", m.retry.max_attempts},
        {"initial_delay_seconds", m.retry.initial_delay_seconds},
        {"max_delay_seconds", m.retry.max_delay_seconds},
        {"max_retry_after_seconds", m.retry.max_retry_after_seconds}}},
      {"extra_body", m.extra_body},
      {"revision", m.revision},
      {"options", m.options},
  };
  if (!m.azure_deployment.empty()) j["azure_deployment"] = m.azure_deployment;
  if (!m.api_version.empty()) j["api_version"] = m.api_version;
  if (!m.max_tokens_field.empty()) j["max_tokens_field"] = m.max_tokens_field;
  return j;
}

}  // namespace

nlohmann::json GenerationParamsJson(const GenerationParams& g) {
  nlohmann::json j = {{"max_tokens", g.max_new_tokens}, {"temperature", g.temperature}};
  if (g.top_p) j["top_p"] = *g.top_p;
  if (g.seed) j["seed"] = *g.seed;
  if (!g.stop.empty()) j["stop"] = g.stop;
  return j;
}

GenerationParams GenerationOverrides::Apply(GenerationParams base) const {
  if (max_new_tokens) base.max_new_tokens = *max_new_tokens;
  if (temperature) base.temperature = *temperature;
  if (top_p) base.top_p = *top_p;
  if (seed) base.seed = *seed;
  if (stop) base.stop = *stop;
  return base;
}

std::string Suite::CachePath() const {
  return cache.empty() ? (fs::path(output) / "cache.sqlite").string() : cache;
}

Status LoadSuiteFile(const std::string& path, Suite* out) {
  std::string text;
  SVIT_RETURN_IF_ERROR(ReadFileToString(path, &text));
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    JsonDocument locate;  // reports line and column
    Status status = locate.Parse(text, path);
    return status.ok() ? Status::InvalidInput(path + ": invalid JSON") : status;
  }
  std::string base_dir = fs::path(path).parent_path().string();
  return ParseSuite(document, base_dir, path, out);
}

Status ParseSuite(const nlohmann::json& document, const std::string& base_dir, const std::string& origin,
                  Suite* out) {
  *out = Suite();
  out->origin = origin;
  Fields f(document, origin);
  SVIT_RETURN_IF_ERROR(f.Check());
  SVIT_RETURN_IF_ERROR(f.String("output", &out->output));
  out->output = Resolve(base_dir, out->output);
  SVIT_RETURN_IF_ERROR(f.String("cache", &out->cache));
  out->cache = Resolve(base_dir, out->cache);
  if (!f.Has("models")) return f.Missing("models");
  if (!f.Has("tasks")) return f.Missing("tasks");
  const auto& models = document.at("models");
  const auto& tasks = document.at("tasks");
  if (!models.is_array() || models.empty()) return f.Wrong("models", "a non-empty array");
  if (!tasks.is_array() || tasks.empty()) return f.Wrong("tasks", "a non-empty array");
  if (f.Has("judge")) {
    JudgeSpec judge;
    SVIT_RETURN_IF_ERROR(ParseJudge(document.at("judge"), origin + ": judge", &judge));
    out->judge = std::move(judge);
  }
  SVIT_RETURN_IF_ERROR(f.Unknown());
  for (size_t i = 0; i < models.size(); ++i) {
    ModelSpec m;
    SVIT_RETURN_IF_ERROR(ParseModel(models[i], origin + ": models[" + std::to_string(i) + "]", &m));
    // A local model folder is a path like the task files: relative to the suite.
    if (m.adapter == "local" && m.options.contains("path") && m.options["path"].is_string()) {
      m.options["path"] = Resolve(base_dir, m.options["path"].get<std::string>());
    }
    out->models.push_back(std::move(m));
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskSpec t;
    SVIT_RETURN_IF_ERROR(ParseTask(tasks[i], origin + ": tasks[" + std::to_string(i) + "]", base_dir, &t));
    out->tasks.push_back(std::move(t));
  }
  return ValidateSuite(*out).WithContext(origin);
}

Status ValidateSuite(const Suite& suite) {
  std::set<std::string> names;
  for (const auto& m : suite.models) {
    if (m.name.empty()) return Status::InvalidInput("a model has an empty name");
    if (!names.insert(m.name).second) return Status::InvalidInput("model name '" + m.name + "' is used twice");
    if (m.name == "." || m.name == ".." || m.name.find_first_of(std::string("/\\\0", 3)) != std::string::npos) {
      return Status::InvalidInput("model name '" + m.name + "' cannot name a folder (no '/', '.' or '..')");
    }
    if (m.adapter == "openai" && m.base_url.empty()) {
      return Status::InvalidInput("model " + m.name + ": base_url is required");
    }
    SVIT_RETURN_IF_ERROR(CheckModelSpec(m));
    if (!m.image_detail.empty() && m.image_detail != "low" && m.image_detail != "high" && m.image_detail != "auto") {
      return Status::InvalidInput("model " + m.name + ": image.detail must be low, high or auto");
    }
  }
  if (suite.judge) {
    const ModelSpec& j = suite.judge->model;
    if (j.name.empty()) return Status::InvalidInput("the judge has an empty name");
    if (j.adapter != "openai") {
      return Status::InvalidInput("judge " + j.name + ": adapter must be \"openai\" (a chat endpoint: OpenAI, "
                                  "Azure or an OpenAI-compatible server), got \"" + j.adapter + "\"");
    }
    if (j.base_url.empty()) return Status::InvalidInput("judge " + j.name + ": base_url is required");
    if (j.model_id.empty()) return Status::InvalidInput("judge " + j.name + ": model_id is required");
    SVIT_RETURN_IF_ERROR(CheckModelSpec(j).WithContext("judge"));
  }
  std::set<std::string> task_names;
  for (const auto& t : suite.tasks) {
    std::unique_ptr<Task> task;
    SVIT_RETURN_IF_ERROR(CreateTask(t.name, &task));
    if (!task_names.insert(t.name).second) {
      return Status::InvalidInput("task '" + t.name + "' is listed twice");
    }
    for (const auto& [key, value] : t.files) {
      bool known = false;
      for (const auto& option : task->info().options) known = known || (option.name == key && option.is_file);
      if (!known) return Status::InvalidInput("task " + t.name + ": '" + key + "' is not a file option of the task");
    }
    for (const auto& [key, value] : t.settings) {
      bool known = false;
      for (const auto& option : task->info().options) known = known || (option.name == key && !option.is_file);
      if (!known) return Status::InvalidInput("task " + t.name + ": '" + key + "' is not a setting of the task");
    }
    for (const auto& option : task->info().options) {
      bool given = t.files.count(option.name) || t.settings.count(option.name);
      if (option.required && !given) {
        return Status::InvalidInput("task " + t.name + " needs " + (option.is_file ? "file" : "setting") + " '" +
                                    option.name + "' (" + option.description + ")");
      }
    }
    SVIT_RETURN_IF_ERROR(ValidatePromptTemplate(t.prompt_template).WithContext("task " + t.name));
    for (const auto& m : suite.models) {
      if (t.request_kind == RequestKind::kRank && m.adapter == "openai") {
        return Status::InvalidInput("task " + t.name + " asks for rank requests, which chat endpoints (model " +
                                    m.name + ") cannot answer; use \"request\": \"generate\"");
      }
    }
  }
  return Status::OK();
}

std::string MaskUrlCredentials(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t host_start = scheme + 3;
  size_t path_start = url.find('/', host_start);
  size_t at = url.rfind('@', path_start == std::string::npos ? url.size() : path_start);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
}

nlohmann::json SuiteToJson(const Suite& suite) {
  nlohmann::ordered_json j;
  j["output"] = suite.output;
  j["cache"] = suite.CachePath();
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : suite.models) {
    nlohmann::json model = EndpointJson(m);
    model["generation"] = GenerationParamsJson(m.generation);
    model["system_prompt"] = m.system_prompt;
    model["image"] = {{"max_side", m.image_max_side}, {"detail", m.image_detail}};
    models.push_back(std::move(model));
  }
  j["models"] = models;
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : suite.tasks) {
    nlohmann::json task = {{"name", t.name},
                           {"files", t.files},
                           {"settings", t.settings},
                           {"images", t.images},
                           {"limit", t.limit},
                           {"prompt", {{"template", t.prompt_template}, {"system", t.system_prompt}}},
                           {"generation", OverridesJson(t.generation)},
                           {"request", t.request_kind == RequestKind::kRank ? "rank" : "generate"}};
    tasks.push_back(std::move(task));
  }
  j["tasks"] = tasks;
  if (suite.judge) {
    nlohmann::json judge = EndpointJson(suite.judge->model);
    auto price = [](double usd) { return usd < 0 ? nlohmann::json() : nlohmann::json(usd); };
    judge["price_prompt"] = price(suite.judge->usd_per_million_prompt_tokens);
    judge["price_completion"] = price(suite.judge->usd_per_million_completion_tokens);
    j["judge"] = judge;
  }
  return j;
}

}  // namespace svit

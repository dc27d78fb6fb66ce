// The suite: which models answer which tasks, and where results go. Read
// from a JSON file (docs/suite.md documents every field with an example per
// server kind) or built from `run`'s quick command-line form. Paths in a
// suite file are relative to the file's folder. API keys never appear in a
// suite: a model names the environment variable that holds its key.
// Unknown fields are errors (a typo must not silently change a run).
// An optional judge (a chat endpoint, described like a model, plus its
// prices) scores the judged tasks; without one, `run` refuses a task that
// cannot be scored without a live judge.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/request.h"
#include "core/status.h"
#include "harness/retry_policy.h"

namespace svit {

struct ModelSpec {
  std::string name;
  std::string adapter = "openai";
  std::string profile = "openai-compatible";
  std::string base_url;
  std::string model_id;     // defaults to name
  std::string api_key_env;  // "" = no key
  std::string azure_deployment;
  std::string api_version;
  std::string max_tokens_field;  // "" = the profile's choice
  size_t concurrency = 8;
  double requests_per_minute = 0;
  double tokens_per_minute = 0;
  double timeout_seconds = 600;
  double connect_timeout_seconds = 10;
  RetryPolicy retry;
  GenerationParams generation;
  std::string system_prompt;
  int image_max_side = 0;
  std::string image_detail;
  nlohmann::json extra_body = nlohmann::json::object();
  std::string revision;  // a user tag that separates cache entries of same-id models
  nlohmann::json options = nlohmann::json::object();  // adapter-specific settings
};

// A judge model: a chat endpoint (adapter "openai": OpenAI, Azure or any
// OpenAI-compatible server) and what its tokens cost.
struct JudgeSpec {
  ModelSpec model;  // name = the judge's label; model_id = the requested model
  // US dollars per million tokens; negative = unknown.
  double usd_per_million_prompt_tokens = -1.0;
  double usd_per_million_completion_tokens = -1.0;
};

// Per-task overrides of the model's generation parameters.
struct GenerationOverrides {
  std::optional<int> max_new_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
  std::optional<std::vector<std::string>> stop;

  GenerationParams Apply(GenerationParams base) const;
};

struct TaskSpec {
  std::string name;
  std::map<std::string, std::string> files;     // task file options (paths resolved)
  std::map<std::string, std::string> settings;  // task setting options
  std::string images;                           // image folder ("" if none)
  size_t limit = 0;                             // 0 = every sample
  std::string prompt_template;                  // "" = the task's own prompt
  std::string system_prompt;                    // overrides the model's
  GenerationOverrides generation;
  RequestKind request_kind = RequestKind::kGenerate;
};

struct Suite {
  std::vector<ModelSpec> models;
  std::vector<TaskSpec> tasks;
  std::optional<JudgeSpec> judge;
  std::string output = "runs";
  std::string cache;  // "" = <output>/cache.sqlite
  std::string origin; // the suite file, or "command line"

  std::string CachePath() const;
};

// Reads a suite file. InvalidInput names the file and the field.
Status LoadSuiteFile(const std::string& path, Suite* out);
// Parses a suite document; relative paths are resolved against `base_dir`.
Status ParseSuite(const nlohmann::json& document, const std::string& base_dir, const std::string& origin,
                  Suite* out);
// Checks the parts that do not depend on the file format: unique names,
// known tasks, their required options, valid templates, the judge's
// endpoint.
Status ValidateSuite(const Suite& suite);

// The suite as JSON, complete with defaults, for the run record. Holds no
// secret: keys are only named, and credentials in URLs are masked.
// "judge" is present only when the suite has one.
nlohmann::json SuiteToJson(const Suite& suite);
// Generation parameters as the suite writes them ({max_tokens, temperature, ...}).
nlohmann::json GenerationParamsJson(const GenerationParams& params);
// `url` with any user:password@ part replaced by "***@".
std::string MaskUrlCredentials(const std::string& url);

}  // namespace svit

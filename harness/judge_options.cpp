#include "harness/judge_options.h"

#include <string>

#include "tasks/judge_settings.h"

namespace po = boost::program_options;

namespace svit {
namespace {

std::string OptionValue(const po::variables_map& vm, const std::string& name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

}  // namespace

Status ParseJudgeOptions(const po::variables_map& vm, JudgeSpec* spec) {
  std::string judge = OptionValue(vm, "judge");
  size_t eq = judge.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == judge.size()) {
    return Status::InvalidInput("--judge must be NAME=URL (e.g. gpt4=https://api.openai.com/v1), got '" +
                                MaskUrlCredentials(judge) + "'");
  }
  ModelSpec& model = spec->model;
  model.name = judge.substr(0, eq);
  model.base_url = judge.substr(eq + 1);
  model.model_id = OptionValue(vm, "judge-model");
  if (model.model_id.empty()) return Status::InvalidInput("--judge needs --judge-model ID (the judge's model id)");
  if (vm.count("judge-profile")) model.profile = OptionValue(vm, "judge-profile");
  model.api_key_env = OptionValue(vm, "judge-api-key-env");
  bool prompt_price = vm.count("judge-price-prompt"), completion_price = vm.count("judge-price-completion");
  if (prompt_price != completion_price) {
    return Status::InvalidInput("give both --judge-price-prompt and --judge-price-completion (USD per million tokens)");
  }
  if (prompt_price) {
    SVIT_RETURN_IF_ERROR(ParseDouble("judge-price-prompt", OptionValue(vm, "judge-price-prompt"), 0, 1e6,
                                     &spec->usd_per_million_prompt_tokens));
    SVIT_RETURN_IF_ERROR(ParseDouble("judge-price-completion", OptionValue(vm, "judge-price-completion"), 0, 1e6,
                                     &spec->usd_per_million_completion_tokens));
  }
  if (vm.count("judge-max-attempts")) {
    SVIT_RETURN_IF_ERROR(ParseInt("judge-max-attempts", OptionValue(vm, "judge-max-attempts"), 1, 100,
                                  &model.retry.max_attempts));
  }
  return Status::OK();
}

}  // namespace svit

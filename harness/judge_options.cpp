#include "harness/judge_options.h"

#include "tasks/judge_settings.h"

namespace po = boost::program_options;

namespace svit {
namespace {

std::string OptionValue(const po::variables_map& vm, const std::string& name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

}  // namespace

const std::vector<std::string>& JudgeOptionNames() {
  static const std::vector<std::string> names = {"judge",           "judge-model",          "judge-profile",
                                                 "judge-api-key-env", "judge-price-prompt", "judge-price-completion",
                                                 "judge-max-attempts"};
  return names;
}

void AddJudgeOptions(po::options_description* options) {
  for (const std::string& name : JudgeOptionNames()) options->add_options()(name.c_str(), po::value<std::string>(), "");
}

const char* JudgeOptionsHelp() {
  return "  --judge NAME=URL             an OpenAI-compatible chat endpoint, labelled NAME\n"
         "  --judge-model ID             the judge's model id (required with --judge)\n"
         "  --judge-profile P            endpoint profile (openai, azure, vllm, ...; default openai-compatible)\n"
         "  --judge-api-key-env VAR      read the judge's API key from environment variable VAR\n"
         "  --judge-price-prompt USD     USD per million prompt tokens (with --judge-price-completion)\n"
         "  --judge-price-completion USD USD per million completion tokens\n"
         "  --judge-max-attempts N       sends per judge request, retries included (default 6)\n";
}

Status ReadJudgeOptions(const po::variables_map& vm, std::optional<JudgeSpec>* out) {
  out->reset();
  if (!vm.count("judge")) {
    for (const std::string& name : JudgeOptionNames()) {
      if (vm.count(name)) return Status::InvalidInput("--" + name + " needs --judge");
    }
    return Status::OK();
  }
  std::string judge = OptionValue(vm, "judge");
  size_t eq = judge.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == judge.size()) {
    return Status::InvalidInput("--judge must be NAME=URL (e.g. gpt4=https://api.openai.com/v1), got '" +
                                MaskUrlCredentials(judge) + "'");
  }
  JudgeSpec spec;
  ModelSpec& model = spec.model;
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
                                     &spec.usd_per_million_prompt_tokens));
    SVIT_RETURN_IF_ERROR(ParseDouble("judge-price-completion", OptionValue(vm, "judge-price-completion"), 0, 1e6,
                                     &spec.usd_per_million_completion_tokens));
  }
  if (vm.count("judge-max-attempts")) {
    SVIT_RETURN_IF_ERROR(ParseInt("judge-max-attempts", OptionValue(vm, "judge-max-attempts"), 1, 100,
                                  &model.retry.max_attempts));
  }
  *out = std::move(spec);
  return Status::OK();
}

}  // namespace svit

#include "harness/adapter_factory.h"

#include <cmath>
#include <cstdlib>

#include "adapters/openai_http.h"

namespace svit {
namespace {

Status CreateOpenAiAdapter(const ModelSpec& model, std::unique_ptr<Adapter>* out) {
  OpenAiHttpOptions options;
  ChatEndpoint& endpoint = options.endpoint;
  SVIT_RETURN_IF_ERROR(ParseEndpointProfile(model.profile, &endpoint.profile));
  endpoint.base_url = model.base_url;
  endpoint.model_id = model.model_id;
  endpoint.azure_deployment = model.azure_deployment;
  endpoint.azure_api_version = model.api_version;
  endpoint.max_tokens_field = model.max_tokens_field;
  endpoint.image_detail = model.image_detail;
  endpoint.extra_body = model.extra_body;
  if (!model.api_key_env.empty()) {
    const char* key = std::getenv(model.api_key_env.c_str());
    if (!key || !*key) {
      return Status::InvalidInput("environment variable " + model.api_key_env +
                                  " (the model's api_key_env) is not set or empty");
    }
    options.api_key = key;
  }
  options.http.timeout_ms = std::lround(model.timeout_seconds * 1000);
  options.http.connect_timeout_ms = std::lround(model.connect_timeout_seconds * 1000);
  options.http.max_idle_connections = model.concurrency;
  options.identity_settings = {{"generation", GenerationParamsJson(model.generation)}};
  if (!model.revision.empty()) options.identity_settings["revision"] = model.revision;
  return OpenAiHttpAdapter::Create(options, out);
}

}  // namespace

Status CreateAdapter(const ModelSpec& model, std::unique_ptr<Adapter>* out) {
  Status status;
  if (model.adapter == "openai") {
    status = CreateOpenAiAdapter(model, out);
  } else {
    status = Status::InvalidInput("unknown adapter '" + model.adapter + "'; known: openai");
  }
  return status.WithContext("model " + model.name);
}

}  // namespace svit

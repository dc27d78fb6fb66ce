#include "harness/adapter_factory.h"

#include <cmath>
#include <cstdlib>

#include "adapters/openai_http.h"
#include "adapters/torch/local_adapter.h"

#include <dlfcn.h>

namespace svit {
namespace {

constexpr const char* kAdapters = "openai, local";

// The local adapter's options: {"path": model folder (required), "threads":
// LibTorch threads, "max_batch_size": N}.
Status LocalOptions(const ModelSpec& model, std::string* path, int* threads, int* max_batch_size) {
  *threads = 0;
  *max_batch_size = 16;
  for (const auto& [key, value] : model.options.items()) {
    if (key == "path") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return Status::InvalidInput("options.path must be the model folder");
      }
      *path = value.get<std::string>();
    } else if (key == "threads" || key == "max_batch_size") {
      if (!value.is_number_integer() || value.get<int64_t>() < (key == "threads" ? 0 : 1) ||
          value.get<int64_t>() > 256) {
        return Status::InvalidInput("options." + key + " must be an integer from " +
                                    (key == "threads" ? "0" : "1") + " to 256");
      }
      (key == "threads" ? *threads : *max_batch_size) = value.get<int>();
    } else {
      return Status::InvalidInput("options: unknown option '" + key + "' (known: path, threads, max_batch_size)");
    }
  }
  if (path->empty()) return Status::InvalidInput("options.path (the model folder) is required for adapter local");
  return Status::OK();
}

Status EndpointFor(const ModelSpec& model, ChatEndpoint* endpoint) {
  SVIT_RETURN_IF_ERROR(ParseEndpointProfile(model.profile, &endpoint->profile));
  endpoint->base_url = model.base_url;
  endpoint->model_id = model.model_id;
  endpoint->azure_deployment = model.azure_deployment;
  endpoint->azure_api_version = model.api_version;
  endpoint->max_tokens_field = model.max_tokens_field;
  endpoint->image_detail = model.image_detail;
  endpoint->extra_body = model.extra_body;
  std::string url;
  return ChatUrl(*endpoint, &url);
}

// The openai adapter's own options: {"threads": N} worker threads (default
// 0: one per hardware thread).
Status OpenAiThreads(const ModelSpec& model, size_t* threads) {
  *threads = 0;
  for (const auto& [key, value] : model.options.items()) {
    if (key != "threads") return Status::InvalidInput("options: unknown option '" + key + "' (known: threads)");
    if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 64) {
      return Status::InvalidInput("options.threads must be an integer from 1 to 64");
    }
    *threads = value.get<size_t>();
  }
  return Status::OK();
}

Status CreateOpenAiAdapter(const ModelSpec& model, std::unique_ptr<Adapter>* out) {
  OpenAiHttpOptions options;
  SVIT_RETURN_IF_ERROR(EndpointFor(model, &options.endpoint));
  SVIT_RETURN_IF_ERROR(OpenAiThreads(model, &options.threads));
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

Status CheckModelSpec(const ModelSpec& model) {
  Status status;
  if (model.adapter == "openai") {
    ChatEndpoint endpoint;
    size_t threads;
    status = EndpointFor(model, &endpoint);
    if (status.ok()) status = OpenAiThreads(model, &threads);
  } else if (model.adapter == "local") {
    std::string path;
    int threads, batch;
    status = LocalOptions(model, &path, &threads, &batch);
  } else {
    status = Status::InvalidInput("unknown adapter '" + model.adapter + "'; known: " + kAdapters);
  }
  return status.WithContext("model " + model.name);
}

Status CreateAdapter(const ModelSpec& model, std::unique_ptr<Adapter>* out) {
  SVIT_RETURN_IF_ERROR(CheckModelSpec(model));  // admits only the kinds created below
  if (model.adapter == "local") {
#ifdef SVIT_LOCAL_ADAPTER_MODULE
    LocalAdapterOptions options;
    SVIT_RETURN_IF_ERROR(LocalOptions(model, &options.model_dir, &options.engine.threads,
                                      &options.engine.max_batch_size));
    options.model_id = model.model_id;
    options.generation = model.generation;
    // Loaded once and kept for the life of the process (adapters run its code).
    static void* module = dlopen(SVIT_LOCAL_ADAPTER_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
      return Status::InvalidInput("model " + model.name + ": cannot load the local engine module " +
                                  SVIT_LOCAL_ADAPTER_MODULE + ": " + dlerror());
    }
    auto create = reinterpret_cast<CreateLocalAdapterFunction>(dlsym(module, "SvitCreateLocalAdapter"));
    if (!create) return Status::InvalidInput("model " + model.name + ": the local engine module has no entry point");
    Status status;
    create(&options, out, &status);
    return status.WithContext("model " + model.name);
#else
    return Status::InvalidInput("model " + model.name +
                                ": this svit-eval was built without the local LibTorch engine "
                                "(install libtorch-dev and libsentencepiece-dev, then rebuild)");
#endif
  }
  return CreateOpenAiAdapter(model, out).WithContext("model " + model.name);
}

}  // namespace svit

#include "adapters/openai_http.h"

namespace svit {

Status OpenAiHttpAdapter::Create(const OpenAiHttpOptions& options, std::unique_ptr<Adapter>* out) {
  std::string url;
  SVIT_RETURN_IF_ERROR(ChatUrl(options.endpoint, &url));
  if (!options.endpoint.extra_body.is_object()) {
    return Status::InvalidInput("extra_body must be a JSON object");
  }
  std::unique_ptr<OpenAiHttpAdapter> adapter(new OpenAiHttpAdapter());
  adapter->endpoint_ = options.endpoint;
  ModelIdentity& id = adapter->identity_;
  id.adapter = "openai";
  id.profile = EndpointProfileName(options.endpoint.profile);
  id.model_id = options.endpoint.model_id;
  id.settings = options.identity_settings;
  id.settings["max_tokens_field"] = MaxTokensField(options.endpoint);
  if (!options.endpoint.image_detail.empty()) id.settings["image_detail"] = options.endpoint.image_detail;
  if (!options.endpoint.extra_body.empty()) id.settings["extra_body"] = options.endpoint.extra_body;
  if (options.endpoint.profile == EndpointProfile::kAzure) {
    id.settings["azure_deployment"] =
        options.endpoint.azure_deployment.empty() ? options.endpoint.model_id : options.endpoint.azure_deployment;
  }
  std::vector<std::string> headers;
  std::string auth = AuthHeader(options.endpoint, options.api_key);
  if (!auth.empty()) headers.push_back(auth);
  SVIT_RETURN_IF_ERROR(HttpClient::Create(url, headers, options.http, &adapter->client_));
  *out = std::move(adapter);
  return Status::OK();
}

void OpenAiHttpAdapter::Submit(uint64_t tag, const Request& request) {
  if (request.kind != RequestKind::kGenerate) {
    Completion c;
    c.tag = tag;
    c.response.error.kind = ResponseError::Kind::kUnsupported;
    c.response.error.message = "chat endpoints cannot score options (rank requests); use a generate task";
    immediate_.push_back(std::move(c));
    return;
  }
  body_.clear();
  BuildChatBody(endpoint_, request, &body_);
  client_->Post(tag, &body_);
}

void OpenAiHttpAdapter::Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) {
  if (!immediate_.empty()) {
    for (auto& c : immediate_) out->push_back(std::move(c));
    immediate_.clear();
    timeout = std::chrono::milliseconds(0);
  }
  results_.clear();
  client_->Poll(static_cast<int>(timeout.count()), &results_);
  for (auto& result : results_) {
    Completion c;
    c.tag = result.tag;
    if (result.curl_code != 0) {
      c.response.error = TransportError(result);
    } else {
      c.response = ParseChatReply(endpoint_, result.reply, &parser_);
    }
    out->push_back(std::move(c));
  }
}

void OpenAiHttpAdapter::CancelAll() {
  immediate_.clear();
  client_->CancelAll();
}

}  // namespace svit

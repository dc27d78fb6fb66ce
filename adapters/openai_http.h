// OpenAiHttpAdapter: answers generate Requests through an OpenAI-compatible
// chat endpoint (or Ollama's native /api/chat), many at a time over one
// HttpClient. The profile (adapters/openai_protocol.h) decides the URL, the
// authentication header and the body dialect. The API key arrives as a value
// (the harness reads it from the environment variable the suite names) and
// goes only into a request header: it is never logged or written anywhere.
// Rank requests are answered with an `unsupported` error: chat endpoints do
// not score given continuations.
#pragma once

#include <deque>
#include <memory>

#include "adapters/adapter.h"
#include "adapters/http_client.h"
#include "adapters/openai_protocol.h"

namespace svit {

struct OpenAiHttpOptions {
  ChatEndpoint endpoint;
  std::string api_key;  // "" for servers without authentication
  HttpClientOptions http;
  // Settings besides the wire format that change answers (the harness passes
  // the default generation parameters and the user's revision tag).
  nlohmann::json identity_settings = nlohmann::json::object();
};

class OpenAiHttpAdapter : public Adapter {
 public:
  static Status Create(const OpenAiHttpOptions& options, std::unique_ptr<Adapter>* out);

  const ModelIdentity& identity() const override { return identity_; }
  void Submit(uint64_t tag, const Request& request) override;
  void Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) override;
  void CancelAll() override;
  size_t in_flight() const override { return client_->active() + immediate_.size(); }

 private:
  OpenAiHttpAdapter() = default;

  ChatEndpoint endpoint_;
  ModelIdentity identity_;
  std::unique_ptr<HttpClient> client_;
  std::deque<Completion> immediate_;  // answered without a transfer (unsupported kinds)
  std::string body_;                  // reused request buffer
  std::vector<HttpResult> results_;   // reused
  simdjson::dom::parser parser_;
};

}  // namespace svit

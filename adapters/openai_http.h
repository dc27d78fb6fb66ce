// OpenAiHttpAdapter: answers generate Requests through an OpenAI-compatible
// chat endpoint (or Ollama's native /api/chat), many at a time. The profile
// (adapters/openai_protocol.h) decides the URL, the authentication header
// and the body dialect.
//
// Threads: `threads` workers each own an HttpClient (libcurl multi, with its
// own connection pool) and build request bodies, move bytes and parse
// replies; Submit hands a request to the worker with the fewest in flight
// and Poll collects finished ones, so the runner's thread (rendering,
// hashing, caching) and the transfers run side by side.
//
// The API key arrives as a value (the harness reads it from the environment
// variable the suite names) and goes only into a request header: it is never
// logged or written anywhere. Rank requests are answered with an
// `unsupported` error: chat endpoints do not score given continuations.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "adapters/adapter.h"
#include "adapters/http_client.h"
#include "adapters/openai_protocol.h"

namespace svit {

struct OpenAiHttpOptions {
  ChatEndpoint endpoint;
  std::string api_key;  // "" for servers without authentication
  HttpClientOptions http;  // max_idle_connections: per worker
  size_t threads = 0;      // worker threads; 0: one per hardware thread
  // Settings besides the wire format that change answers (the harness passes
  // the default generation parameters and the user's revision tag).
  nlohmann::json identity_settings = nlohmann::json::object();
};

class OpenAiHttpAdapter : public Adapter {
 public:
  static Status Create(const OpenAiHttpOptions& options, std::unique_ptr<Adapter>* out);
  ~OpenAiHttpAdapter() override;

  const ModelIdentity& identity() const override { return identity_; }
  void Submit(uint64_t tag, std::shared_ptr<const Request> request) override;
  void Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) override;
  void CancelAll() override;
  size_t in_flight() const override { return in_flight_; }

 private:
  struct Worker;
  OpenAiHttpAdapter() = default;
  // `from`: the worker that answered them (null for answers given without one).
  void Deliver(std::vector<Completion>* completions, Worker* from);
  void Work(Worker* worker);

  ChatEndpoint endpoint_;
  ModelIdentity identity_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t in_flight_ = 0;  // touched only by the runner's thread

  std::mutex done_mutex_;
  std::condition_variable done_ready_;
  std::vector<Completion> done_;
};

}  // namespace svit

// OpenAiHttpAdapter: answers generate Requests through an OpenAI-compatible
// chat endpoint (or Ollama's native /api/chat), many at a time. The profile
// (adapters/openai_protocol.h) decides the URL, the authentication header
// and the body dialect.
//
// Threads: `threads` lanes in all, each an HttpClient (libcurl multi, with
// its own connection pool) that builds request bodies, moves bytes and
// parses replies. The first lane is driven by the caller's (the runner's)
// thread inside Submit and Poll; the others by worker threads of their own.
// Submit hands a request to the lane with the fewest in flight. A request on
// the caller's lane crosses no thread at all: each crossing (a wake-up of the
// other thread, its context switch, the cache misses on data the other core
// wrote) cost more CPU than libcurl's whole transfer on a 2-core machine.
// Workers add cores for the transfers; their answers reach Poll through a
// queue whose wake-up ends the caller's wait on its own sockets.
//
// With LimitConcurrency(n) at most n requests run at once and the rest wait
// in a queue that any lane takes from the moment one of its requests
// finishes: the lanes stay busy while the runner's thread is still handling
// the answers (a worker's next request does not wait for the runner's
// thread to wake up).
//
// The API key arrives as a value (the harness reads it from the environment
// variable the suite names) and goes only into a request header: it is never
// logged or written anywhere. Rank requests are answered with an
// `unsupported` error: chat endpoints do not score given continuations.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

#include "adapters/adapter.h"
#include "adapters/http_client.h"
#include "adapters/openai_protocol.h"

namespace svit {

struct OpenAiHttpOptions {
  ChatEndpoint endpoint;
  std::string api_key;  // "" for servers without authentication
  HttpClientOptions http;  // max_idle_connections: per lane
  size_t threads = 0;      // lanes, the caller's included; 0: one per hardware thread
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
  size_t LimitConcurrency(size_t limit) override;
  void Unqueue(std::vector<uint64_t>* tags) override;

 private:
  struct Worker;
  struct Queued {
    uint64_t tag;
    std::shared_ptr<const Request> request;
  };
  OpenAiHttpAdapter() = default;
  void Work(Worker* worker);
  // Builds the body and starts the transfer on `client`.
  void Start(HttpClient* client, const Queued& queued, std::string* body);
  // A lane finished `finished` requests: moves the next waiting ones into
  // `taken`, one per freed slot.
  void Refill(size_t finished, std::vector<Queued>* taken);
  // Queues answers for Poll. `from`: the worker that answered them (null for
  // answers given without one).
  void Deliver(std::vector<Completion>* completions, Worker* from);
  // Moves what the workers answered into `out`.
  void TakeDelivered(std::vector<Completion>* out);

  ChatEndpoint endpoint_;
  ModelIdentity identity_;

  // The caller's lane: the runner's thread only.
  std::unique_ptr<HttpClient> own_;
  size_t own_in_flight_ = 0;
  std::string own_body_;
  std::vector<HttpResult> own_results_;
  std::vector<Queued> own_taken_;
  simdjson::dom::parser own_parser_;

  std::vector<std::unique_ptr<Worker>> workers_;

  std::atomic<size_t> limit_{0};  // 0: no limit of the adapter's own
  std::mutex queue_mutex_;        // guards the two fields below
  std::deque<Queued> queue_;      // submitted beyond the limit, in order
  size_t running_ = 0;            // started on a lane, not finished (counted with a limit)

  std::mutex done_mutex_;
  std::vector<Completion> done_;  // answered by workers, not yet taken by Poll
};

}  // namespace svit

// Adapter: answers Requests for one model. Knows nothing about tasks or
// metrics. Two very different engines fit behind it:
//   - an asynchronous HTTP client (OpenAI-compatible servers over libcurl's
//     multi interface): Submit starts a transfer, Poll drives the sockets;
//   - a batching local engine (LibTorch): Submit queues the request, worker
//     threads answer whatever is queued in batches, Poll hands back finished
//     answers.
// The runner (harness/) owns scheduling: it decides what is submitted and
// when (its concurrency limit, retries, caches, rate limits); an adapter
// with a queue (LimitConcurrency) only keeps its running requests within
// the runner's limit.
//
// Threading contract: every member is called from one thread (the
// runner's). An adapter may use threads inside, but completions reach the
// runner only through Poll. Every submitted tag comes back exactly once from
// Poll, unless CancelAll or Unqueue took it back.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/request.h"

namespace svit {

// Everything about a model that changes its answers besides the request
// itself. Its canonical text is part of every cache key, so two models (or
// one model with other settings) never share cached responses. The endpoint
// URL is deliberately not part of it: moving a server keeps the cache.
struct ModelIdentity {
  std::string adapter;   // adapter kind, e.g. "openai"
  std::string profile;   // endpoint profile, e.g. "vllm", "azure"; "" if none
  std::string model_id;  // the model the endpoint serves (or a checkpoint id)
  // Settings that change answers: default generation parameters, extra body
  // fields, a user-chosen revision tag, ...
  nlohmann::json settings = nlohmann::json::object();

  // Canonical, stable text of all fields (JSON with sorted keys).
  std::string CanonicalText() const;
};

struct Completion {
  uint64_t tag = 0;
  Response response;
  // Time the request was being answered, not counting any wait in the
  // adapter's queue; 0 when the adapter does not know.
  double seconds = 0;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual const ModelIdentity& identity() const = 0;

  // Starts answering `request`; never blocks on the model. The request is
  // shared, not copied: the runner keeps it for retries, the adapter for as
  // long as it needs it.
  virtual void Submit(uint64_t tag, std::shared_ptr<const Request> request) = 0;

  // Waits up to `timeout` until at least one submitted request is answered,
  // and appends every finished one to `out` (errors included, as Responses
  // with error set). Returns early when something finished.
  virtual void Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) = 0;

  // Abandons every submitted request; their tags will not be returned.
  virtual void CancelAll() = 0;

  // Lets at most `limit` submitted requests be answered at once. Requests
  // submitted beyond it wait in the adapter's queue, in order, and start the
  // moment one finishes, without a round trip through the caller's thread.
  // Returns how many the caller may keep waiting there; 0 (the default)
  // means the adapter has no queue and the caller submits only up to `limit`.
  virtual size_t LimitConcurrency(size_t limit) {
    (void)limit;
    return 0;
  }

  // Takes back the requests still waiting in the queue (never sent): appends
  // their tags to `tags`; Poll will not return them.
  virtual void Unqueue(std::vector<uint64_t>* tags) { (void)tags; }
};

}  // namespace svit

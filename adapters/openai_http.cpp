#include "adapters/openai_http.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <thread>

namespace svit {
namespace {

Completion ToCompletion(const ChatEndpoint& endpoint, const HttpResult& result, simdjson::dom::parser* parser) {
  Completion c;
  c.tag = result.tag;
  c.seconds = result.seconds;
  if (result.curl_code != 0) {
    c.response.error = TransportError(result);
  } else {
    c.response = ParseChatReply(endpoint, result.reply, parser);
  }
  return c;
}

}  // namespace

struct OpenAiHttpAdapter::Worker {
  std::unique_ptr<HttpClient> client;
  std::thread thread;

  std::mutex mutex;  // guards the fields below
  std::condition_variable cancelled;
  std::vector<Queued> inbox;
  bool stop = false;
  bool cancel = false;

  size_t submitted = 0;               // runner's thread only
  std::atomic<size_t> taken{0};       // from the queue, by the worker
  std::atomic<size_t> delivered{0};   // by the worker
  size_t load() const {
    return submitted + taken.load(std::memory_order_relaxed) - delivered.load(std::memory_order_relaxed);
  }
};

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
  size_t lanes = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  // Every lane may keep the whole budget of idle connections: requests go to
  // the least busy lane, but a lane's share still varies, and a smaller pool
  // would close (and later reopen) the connections of its busiest moments.
  SVIT_RETURN_IF_ERROR(HttpClient::Create(url, headers, options.http, &adapter->own_));
  for (size_t i = 1; i < lanes; ++i) {
    auto worker = std::make_unique<Worker>();
    SVIT_RETURN_IF_ERROR(HttpClient::Create(url, headers, options.http, &worker->client));
    adapter->workers_.push_back(std::move(worker));
  }
  for (auto& worker : adapter->workers_) {
    Worker* w = worker.get();
    OpenAiHttpAdapter* self = adapter.get();
    w->thread = std::thread([self, w] { self->Work(w); });
  }
  *out = std::move(adapter);
  return Status::OK();
}

OpenAiHttpAdapter::~OpenAiHttpAdapter() {
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mutex);
      w->stop = true;
    }
    w->client->Wake();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void OpenAiHttpAdapter::Start(HttpClient* client, const Queued& queued, std::string* body) {
  body->clear();
  BuildChatBody(endpoint_, *queued.request, body);
  client->Post(queued.tag, body);
}

void OpenAiHttpAdapter::Refill(size_t finished, std::vector<Queued>* taken) {
  if (finished == 0 || limit_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> lock(queue_mutex_);
  running_ -= finished;
  while (running_ < limit_ && !queue_.empty()) {
    taken->push_back(std::move(queue_.front()));
    queue_.pop_front();
    ++running_;
  }
}

void OpenAiHttpAdapter::Deliver(std::vector<Completion>* completions, Worker* from) {
  if (completions->empty()) return;
  if (from) from->delivered.fetch_add(completions->size(), std::memory_order_relaxed);
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    was_empty = done_.empty();
    for (auto& c : *completions) done_.push_back(std::move(c));
  }
  completions->clear();
  // Poll empties the queue after every wake-up, so waking on the first
  // answer of a batch is enough.
  if (was_empty) own_->Wake();
}

void OpenAiHttpAdapter::Work(Worker* w) {
  std::vector<Queued> batch;
  std::vector<HttpResult> results;
  std::vector<Completion> completions;
  std::string body;
  simdjson::dom::parser parser;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(w->mutex);
      if (w->stop) break;
      batch.swap(w->inbox);
      if (w->cancel) {
        w->client->CancelAll();
        batch.clear();
        w->cancel = false;
        w->cancelled.notify_all();
      }
    }
    for (const auto& queued : batch) Start(w->client.get(), queued, &body);
    batch.clear();
    results.clear();
    w->client->Poll(1000, &results);
    for (const auto& result : results) completions.push_back(ToCompletion(endpoint_, result, &parser));
    Refill(results.size(), &batch);
    w->taken.fetch_add(batch.size(), std::memory_order_relaxed);
    for (const auto& queued : batch) Start(w->client.get(), queued, &body);
    batch.clear();
    Deliver(&completions, w);
  }
}

void OpenAiHttpAdapter::Submit(uint64_t tag, std::shared_ptr<const Request> request) {
  if (request->kind != RequestKind::kGenerate) {
    std::vector<Completion> unsupported(1);
    unsupported[0].tag = tag;
    unsupported[0].response.error.kind = ResponseError::Kind::kUnsupported;
    unsupported[0].response.error.message =
        "chat endpoints cannot score options (rank requests); use a generate task";
    Deliver(&unsupported, nullptr);
    return;
  }
  if (limit_.load(std::memory_order_relaxed) != 0) {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (running_ >= limit_ || !queue_.empty()) {
      queue_.push_back({tag, std::move(request)});
      return;
    }
    ++running_;
  }
  // The least busy lane, so each one's connections stay within its pool;
  // the caller's own lane wins ties.
  Worker* lane = nullptr;
  size_t least = own_in_flight_;
  for (auto& candidate : workers_) {
    if (candidate->load() < least) {
      lane = candidate.get();
      least = lane->load();
    }
  }
  if (!lane) {
    Start(own_.get(), {tag, std::move(request)}, &own_body_);  // sent by the next Poll
    ++own_in_flight_;
    return;
  }
  ++lane->submitted;
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(lane->mutex);
    was_empty = lane->inbox.empty();
    lane->inbox.push_back({tag, std::move(request)});
  }
  if (was_empty) lane->client->Wake();
}

void OpenAiHttpAdapter::TakeDelivered(std::vector<Completion>* out) {
  std::lock_guard<std::mutex> lock(done_mutex_);
  for (auto& c : done_) out->push_back(std::move(c));
  done_.clear();
}

void OpenAiHttpAdapter::Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) {
  size_t before = out->size();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    TakeDelivered(out);
    // The caller's lane moves its bytes here; its wait ends early when a
    // worker delivers (Deliver wakes it).
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    own_results_.clear();
    own_->Poll(out->size() > before ? 0 : static_cast<int>(std::max<int64_t>(0, left.count())), &own_results_);
    for (const auto& result : own_results_) out->push_back(ToCompletion(endpoint_, result, &own_parser_));
    own_in_flight_ -= own_results_.size();
    Refill(own_results_.size(), &own_taken_);
    for (const auto& queued : own_taken_) Start(own_.get(), queued, &own_body_);
    own_in_flight_ += own_taken_.size();
    own_taken_.clear();
    TakeDelivered(out);
    if (out->size() > before || std::chrono::steady_clock::now() >= deadline) break;
  }
}

void OpenAiHttpAdapter::CancelAll() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    queue_.clear();  // no lane takes anything new
  }
  own_->CancelAll();
  own_in_flight_ = 0;
  for (auto& w : workers_) {
    std::unique_lock<std::mutex> lock(w->mutex);
    w->inbox.clear();
    w->cancel = true;
    w->client->Wake();
    w->cancelled.wait(lock, [&] { return !w->cancel || w->stop; });
    // The worker holds nothing now, and delivers nothing more.
    w->submitted = w->delivered.load() - w->taken.load();
  }
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    running_ = 0;
  }
  std::lock_guard<std::mutex> lock(done_mutex_);
  done_.clear();
}

size_t OpenAiHttpAdapter::LimitConcurrency(size_t limit) {
  limit_.store(limit, std::memory_order_relaxed);
  return limit;  // one waiting for each running: enough to cover the runner's turnaround
}

void OpenAiHttpAdapter::Unqueue(std::vector<uint64_t>* tags) {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  for (const auto& queued : queue_) tags->push_back(queued.tag);
  queue_.clear();
}

}  // namespace svit

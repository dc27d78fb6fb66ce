#include "adapters/openai_http.h"

#include <atomic>
#include <thread>

namespace svit {

struct OpenAiHttpAdapter::Worker {
  std::unique_ptr<HttpClient> client;
  std::thread thread;

  std::mutex mutex;  // guards the fields below
  std::condition_variable cancelled;
  std::vector<std::pair<uint64_t, std::shared_ptr<const Request>>> inbox;
  bool stop = false;
  bool cancel = false;

  size_t submitted = 0;               // runner's thread only
  std::atomic<size_t> delivered{0};   // written by the worker
  size_t load() const { return submitted - delivered.load(std::memory_order_relaxed); }
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
  size_t threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    // Every worker may keep the whole budget of idle connections: requests
    // go to the least busy worker, but a worker's share still varies, and a
    // smaller pool would close (and later reopen) the connections of its
    // busiest moments.
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
  if (was_empty) done_ready_.notify_one();
}

void OpenAiHttpAdapter::Work(Worker* w) {
  std::vector<std::pair<uint64_t, std::shared_ptr<const Request>>> batch;
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
    for (auto& [tag, request] : batch) {
      body.clear();
      BuildChatBody(endpoint_, *request, &body);
      w->client->Post(tag, &body);
    }
    batch.clear();
    results.clear();
    w->client->Poll(1000, &results);
    for (auto& result : results) {
      Completion c;
      c.tag = result.tag;
      if (result.curl_code != 0) {
        c.response.error = TransportError(result);
      } else {
        c.response = ParseChatReply(endpoint_, result.reply, &parser);
      }
      completions.push_back(std::move(c));
    }
    Deliver(&completions, w);
  }
}

void OpenAiHttpAdapter::Submit(uint64_t tag, std::shared_ptr<const Request> request) {
  ++in_flight_;
  if (request->kind != RequestKind::kGenerate) {
    std::vector<Completion> unsupported(1);
    unsupported[0].tag = tag;
    unsupported[0].response.error.kind = ResponseError::Kind::kUnsupported;
    unsupported[0].response.error.message =
        "chat endpoints cannot score options (rank requests); use a generate task";
    Deliver(&unsupported, nullptr);
    return;
  }
  // The least busy worker, so each one's connections stay within its pool.
  Worker* w = workers_[0].get();
  for (auto& candidate : workers_) {
    if (candidate->load() < w->load()) w = candidate.get();
  }
  ++w->submitted;
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(w->mutex);
    was_empty = w->inbox.empty();
    w->inbox.emplace_back(tag, std::move(request));
  }
  if (was_empty) w->client->Wake();
}

void OpenAiHttpAdapter::Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) {
  std::unique_lock<std::mutex> lock(done_mutex_);
  done_ready_.wait_for(lock, timeout, [this] { return !done_.empty(); });
  in_flight_ -= done_.size();
  if (out->empty()) {
    out->swap(done_);
  } else {
    for (auto& c : done_) out->push_back(std::move(c));
    done_.clear();
  }
}

void OpenAiHttpAdapter::CancelAll() {
  for (auto& w : workers_) {
    std::unique_lock<std::mutex> lock(w->mutex);
    w->inbox.clear();
    w->cancel = true;
    w->client->Wake();
    w->cancelled.wait(lock, [&] { return !w->cancel || w->stop; });
    w->submitted = w->delivered.load();  // the worker holds nothing now
  }
  std::lock_guard<std::mutex> lock(done_mutex_);
  done_.clear();
  in_flight_ = 0;
}

}  // namespace svit

#include "harness/runner_judge_client.h"

#include "harness/adapter_factory.h"

namespace svit {
namespace {

class JudgeJobs : public JobSource {
 public:
  JudgeJobs(const std::vector<JudgeRequest>& requests, int default_max_tokens)
      : requests_(requests), default_max_tokens_(default_max_tokens) {}
  size_t size() const override { return requests_.size(); }
  Status Render(size_t index, Request* out) override {
    *out = JudgeRequestToRequest(requests_[index], default_max_tokens_);
    return Status::OK();
  }

 private:
  const std::vector<JudgeRequest>& requests_;
  int default_max_tokens_;
};

ChatMessage TextMessage(const std::string& role, const std::string& text) {
  ChatMessage message;
  message.role = role;
  ContentPart part;
  part.text = text;
  message.parts.push_back(std::move(part));
  return message;
}

}  // namespace

Request JudgeRequestToRequest(const JudgeRequest& request, int default_max_tokens) {
  Request out;
  if (!request.system.empty()) out.messages.push_back(TextMessage("system", request.system));
  out.messages.push_back(TextMessage("user", request.user));
  out.params.temperature = request.temperature;
  out.params.max_new_tokens = request.max_tokens > 0 ? request.max_tokens : default_max_tokens;
  out.repeat = request.repeat;
  return out;
}

JudgeReply JudgeReplyFromOutcome(const JobOutcome& outcome) {
  JudgeReply reply;
  if (!outcome.done) {
    reply.status = Status::RunFailed("not judged: the run stopped before this request finished");
    return reply;
  }
  const Response& response = outcome.response;
  reply.cached = outcome.cached;
  reply.finish_reason = response.finish_reason;
  if (response.error.kind == ResponseError::Kind::kContentFilter) {
    // The provider rejected the prompt: a refusal to judge, not a failure.
    reply.refused = true;
    if (reply.finish_reason.empty()) reply.finish_reason = "content_filter";
    return reply;
  }
  if (!response.ok()) {
    std::string why = ResponseErrorKindName(response.error.kind);
    if (response.error.http_status) why += " (HTTP " + std::to_string(response.error.http_status) + ")";
    if (!response.error.message.empty()) why += ": " + response.error.message;
    reply.status = Status::RunFailed("judge request failed after " + std::to_string(outcome.attempts) +
                                     " attempts: " + why);
    return reply;
  }
  reply.text = response.text;
  reply.refused = response.finish_reason == "content_filter" || !response.refusal.empty();
  reply.model = response.model;
  reply.version = response.system_fingerprint;
  reply.usage.prompt_tokens = response.usage.prompt_tokens;
  reply.usage.completion_tokens = response.usage.completion_tokens;
  return reply;
}

Status RunnerJudgeClient::Create(const JudgeSpec& spec, ResponseCache* cache, RunnerOptions runner,
                                 std::unique_ptr<RunnerJudgeClient>* out) {
  std::unique_ptr<RunnerJudgeClient> client(new RunnerJudgeClient());
  SVIT_RETURN_IF_ERROR(CheckModelSpec(spec.model).WithContext("judge " + spec.model.name));
  SVIT_RETURN_IF_ERROR(CreateAdapter(spec.model, &client->adapter_).WithContext("judge " + spec.model.name));
  client->endpoint_.name = spec.model.name;
  client->endpoint_.model = spec.model.model_id;
  client->endpoint_.usd_per_million_prompt_tokens = spec.usd_per_million_prompt_tokens;
  client->endpoint_.usd_per_million_completion_tokens = spec.usd_per_million_completion_tokens;
  client->cache_ = cache;
  client->default_max_tokens_ = spec.model.generation.max_new_tokens;
  RunnerOptions& options = client->options_;
  options = std::move(runner);
  options.concurrency = spec.model.concurrency;
  options.requests_per_minute = spec.model.requests_per_minute;
  options.tokens_per_minute = spec.model.tokens_per_minute;
  options.retry = spec.model.retry;
  options.progress_label = "judge " + spec.model.name;
  *out = std::move(client);
  return Status::OK();
}

Status RunnerJudgeClient::Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) {
  replies->clear();
  if (requests.empty()) return Status::OK();
  JudgeJobs jobs(requests, default_max_tokens_);
  Runner runner(adapter_.get(), cache_, options_);
  std::vector<JobOutcome> outcomes;
  Status status = runner.Run(&jobs, &outcomes);
  sent_ += runner.stats().sent;
  outcomes.resize(requests.size());
  size_t answered = 0;
  for (const JobOutcome& outcome : outcomes) answered += outcome.done && outcome.response.ok();
  if (!status.ok() && answered == 0) return status.WithContext("judge " + endpoint_.name);
  replies->reserve(requests.size());
  for (const JobOutcome& outcome : outcomes) replies->push_back(JudgeReplyFromOutcome(outcome));
  return Status::OK();
}

}  // namespace svit

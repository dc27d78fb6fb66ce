// RunnerJudgeClient: the JudgeClient of a live judge, built on the Runner and
// the judge's chat adapter, so judge requests get what model requests get:
// the response cache, retries, rate limits, concurrency and progress.
// - Each JudgeRequest becomes a generate Request (messages [system if not
//   empty, user], temperature, max_tokens, `repeat`); its cache key covers
//   the judge's ModelIdentity (adapter, profile, model id, settings) and all
//   of that, never the sample id.
// - A reply carries the text, the reported model and system_fingerprint (as
//   version), finish_reason, usage and whether it came from the cache; it is
//   `refused` when the finish reason is content_filter, the endpoint sent a
//   refusal, or the request was rejected by a content filter. A request
//   that failed after the runner's retries gets a non-OK status.
// - Complete() returns RunFailed only when the runner stopped (unreachable
//   endpoint, interrupt, cache write error) before any request was answered.
// The API key is read from the named environment variable by the adapter
// factory and never leaves the adapter's request headers.
#pragma once

#include <memory>

#include "core/judge_client.h"
#include "harness/response_cache.h"
#include "harness/runner.h"
#include "harness/suite.h"

namespace svit {

class RunnerJudgeClient : public JudgeClient {
 public:
  // `cache` may be null (no caching); it is not owned. `runner` sets how the
  // cache is used, progress and interruption; the spec sets concurrency,
  // rate limits and retries, and the progress label is "judge <name>".
  static Status Create(const JudgeSpec& spec, ResponseCache* cache, RunnerOptions runner,
                       std::unique_ptr<RunnerJudgeClient>* out);

  const JudgeEndpoint& endpoint() const override { return endpoint_; }
  Status Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) override;

  // Requests sent to the endpoint so far (retries included), over all calls.
  size_t sent() const { return sent_; }

 private:
  RunnerJudgeClient() = default;

  JudgeEndpoint endpoint_;
  std::unique_ptr<Adapter> adapter_;
  ResponseCache* cache_ = nullptr;
  RunnerOptions options_;
  int default_max_tokens_ = 0;
  size_t sent_ = 0;
};

// The Request a judge request is sent as; `default_max_tokens` replaces a
// max_tokens of 0.
Request JudgeRequestToRequest(const JudgeRequest& request, int default_max_tokens);
// The reply for a finished (or unfinished) runner outcome.
JudgeReply JudgeReplyFromOutcome(const JobOutcome& outcome);

}  // namespace svit

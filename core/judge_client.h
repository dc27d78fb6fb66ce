// JudgeClient: the one seam through which judged metrics (LLaVA-Bench,
// MM-Vet, choice-extraction fallback, pairwise judging) reach a judge model.
// tasks/ render judge prompts and parse verdicts; they never know how a
// request is answered. The harness implements this interface on top of the
// Runner (cache, retries, rate limits, progress) with a chat adapter; tests
// implement it in-process.
//
// Contract for implementations:
// - Complete() answers every request; replies[i] belongs to requests[i].
// - A request that got no usable answer after the runner's retries has a
//   non-OK reply.status (it is counted as failed, never scored).
// - The returned Status is non-OK only when judging cannot continue at all
//   (e.g. the endpoint is unreachable): Status::RunFailed, exit code 3.
// - The cache key of a request must cover endpoint().model, every field of
//   JudgeRequest except sample_id, and the client's own fixed parameters, so
//   that a cached verdict is reused only for exactly the same question.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace svit {

struct JudgeRequest {
  std::string system;  // system message; empty = the request has none (MM-Vet, VLMEvalKit)
  std::string user;    // the single user message
  double temperature = 0.0;
  int max_tokens = 0;  // 0 = the endpoint's default
  // Distinguishes otherwise identical requests that must get independent
  // answers: repeated judging (run k of n) and retries of the same prompt.
  int repeat = 0;
  std::string sample_id;  // names the item in progress and error messages only
};

struct JudgeUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

struct JudgeReply {
  Status status;  // not OK: no answer after the runner's retries
  std::string text;
  // The endpoint declined to answer (finish_reason "content_filter", or a
  // refusal field); `text` may then be empty.
  bool refused = false;
  std::string model;    // the model id the endpoint reported answering with
  std::string version;  // a finer version if reported (e.g. system_fingerprint), else ""
  std::string finish_reason;
  JudgeUsage usage;
  bool cached = false;  // served from the response cache, no new cost
};

// How the client is configured; part of every judged result's identity.
struct JudgeEndpoint {
  std::string name;   // label given with --judge NAME=URL or in the suite file
  std::string model;  // the requested model id
  // Prices in US dollars per million tokens; negative = unknown (no cost shown).
  double usd_per_million_prompt_tokens = -1.0;
  double usd_per_million_completion_tokens = -1.0;
};

class JudgeClient {
 public:
  virtual ~JudgeClient() = default;
  virtual const JudgeEndpoint& endpoint() const = 0;
  virtual Status Complete(const std::vector<JudgeRequest>& requests,
                          std::vector<JudgeReply>* replies) = 0;
};

}  // namespace svit

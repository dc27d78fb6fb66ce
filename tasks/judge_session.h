// JudgeSession: one judge model serving one judged metric. It sends batches
// of JudgeRequests through a JudgeClient (core/judge_client.h) and keeps what
// every judged result must carry and show next to its numbers: the judge's
// identity (endpoint, requested model id, the model ids and versions the
// endpoint reported, the protocol and its parameters, the sha256 of the
// prompt template) and its usage (requests, cache hits, failures, refusals,
// tokens, cost). Several reported models or versions are called out: a judge
// that drifts mid-run is never silent.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/judge_client.h"

namespace svit {

// What a judged metric fixes about its prompts and requests.
struct JudgeProtocol {
  std::string name;             // e.g. "llava/eval/eval_gpt_review_bench.py"
  std::string prompt_template;  // canonical text of every fixed part of the prompts
  nlohmann::json parameters;    // temperature, max_tokens, retries, repeats, ...
};

class JudgeSession {
 public:
  JudgeSession(JudgeClient* client, JudgeProtocol protocol);

  // Sends `requests`; (*replies)[i] answers requests[i]. Non-OK only when the
  // client cannot continue at all (then nothing of the batch is recorded).
  Status Ask(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies);

  const std::string& prompt_template_sha256() const { return template_sha256_; }

  // {"endpoint", "model", "reported_models", "versions", "protocol",
  //  "parameters", "prompt_template_sha256", "description" (Describe()),
  //  "usage": {requests, cached, failed, refused, prompt_tokens,
  //  completion_tokens, cost_usd, cost_usd_with_cached}}
  nlohmann::json Record() const;
  // One line printed with every judged number.
  std::string Describe() const;
  // Remarks for the result's notes: drift, failed and refused requests.
  std::vector<std::string> Notes() const;

 private:
  JudgeClient* client_;
  JudgeProtocol protocol_;
  std::string template_sha256_;
  std::set<std::string> reported_models_, versions_;
  size_t requests_ = 0, cached_ = 0, failed_ = 0, refused_ = 0;
  JudgeUsage usage_, uncached_usage_;
};

}  // namespace svit

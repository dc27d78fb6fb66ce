// An in-process JudgeClient for tests: answers each request with a function
// of the request and records every request it was sent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/judge_client.h"

namespace svit::testing {

class FakeJudgeClient : public JudgeClient {
 public:
  using Responder = std::function<JudgeReply(const JudgeRequest&)>;

  explicit FakeJudgeClient(Responder responder, std::string model = "fake-judge-1")
      : responder_(std::move(responder)) {
    endpoint_.name = "fake";
    endpoint_.model = std::move(model);
  }

  const JudgeEndpoint& endpoint() const override { return endpoint_; }
  JudgeEndpoint& mutable_endpoint() { return endpoint_; }

  Status Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) override {
    if (!status_.ok()) return status_;
    replies->clear();
    for (const auto& request : requests) {
      requests_.push_back(request);
      replies->push_back(responder_(request));
    }
    return Status::OK();
  }

  // Makes every later Complete() call fail as a whole.
  void FailAll(Status status) { status_ = std::move(status); }
  const std::vector<JudgeRequest>& requests() const { return requests_; }

 private:
  Responder responder_;
  JudgeEndpoint endpoint_;
  Status status_;
  std::vector<JudgeRequest> requests_;
};

// A successful reply with `text`, reported as `model`.
inline JudgeReply TextReply(std::string text, std::string model = "fake-judge-1-0613", std::string version = "") {
  JudgeReply reply;
  reply.text = std::move(text);
  reply.model = std::move(model);
  reply.version = std::move(version);
  reply.usage.prompt_tokens = 100;
  reply.usage.completion_tokens = 10;
  return reply;
}

}  // namespace svit::testing

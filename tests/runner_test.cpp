// The Runner's scheduling rules against an in-process fake adapter (no
// sockets): the concurrency bound, retries and the attempt cap, failures
// that are never answers, cache hits, render errors, and the backoff and
// rate-budget arithmetic.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "harness/rate_budget.h"
#include "harness/retry_policy.h"
#include "harness/run_suite.h"
#include "harness/runner.h"
#include "tests/test_util.h"

namespace svit {
namespace {

// Answers "echo: <text>" one poll after submission; `script` maps a prompt
// to the errors its first sends get.
class FakeAdapter : public Adapter {
 public:
  FakeAdapter() {
    identity_.adapter = "fake";
    identity_.model_id = "fake-model";
  }
  const ModelIdentity& identity() const override { return identity_; }
  void Submit(uint64_t tag, std::shared_ptr<const Request> request) override {
    pending_.emplace_back(tag, request->UserText());
    max_in_flight_ = std::max(max_in_flight_, pending_.size());
    ++sends_[request->UserText()];
  }
  void Poll(std::chrono::milliseconds, std::vector<Completion>* out) override {
    for (auto& [tag, text] : pending_) {
      Completion c;
      c.tag = tag;
      auto& errors = script_[text];
      if (!errors.empty()) {
        c.response.error = errors.front();
        errors.pop_front();
      } else {
        c.response.text = "echo: " + text;
        c.response.usage.prompt_tokens = 3;
        c.response.usage.completion_tokens = 2;
      }
      out->push_back(std::move(c));
    }
    pending_.clear();
  }
  void CancelAll() override { pending_.clear(); }

  ModelIdentity identity_;
  std::deque<std::pair<uint64_t, std::string>> pending_;
  std::map<std::string, std::deque<ResponseError>> script_;
  std::map<std::string, int> sends_;
  size_t max_in_flight_ = 0;
};

// An adapter with a queue (as the OpenAI adapter has): at most `limit_`
// requests run and each is answered by the next poll (reporting 7 ms of
// answering); the rest wait, in order, for the first poll that finds a slot
// free.
class QueueingAdapter : public FakeAdapter {
 public:
  void Submit(uint64_t tag, std::shared_ptr<const Request> request) override {
    queued_.emplace_back(tag, request->UserText());
    max_submitted_ = std::max(max_submitted_, queued_.size() + pending_.size());
    StartQueued();
  }
  void Poll(std::chrono::milliseconds timeout, std::vector<Completion>* out) override {
    StartQueued();
    size_t before = out->size();
    FakeAdapter::Poll(timeout, out);
    for (size_t i = before; i < out->size(); ++i) (*out)[i].seconds = 0.007;
  }
  size_t LimitConcurrency(size_t limit) override {
    limit_ = limit;
    return limit;
  }
  void Unqueue(std::vector<uint64_t>* tags) override {
    for (auto& [tag, text] : queued_) {
      tags->push_back(tag);
      unqueued_.push_back(text);
    }
    queued_.clear();
  }

  std::deque<std::pair<uint64_t, std::string>> queued_;
  std::vector<std::string> unqueued_;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> starts_;
  size_t limit_ = 0;
  size_t max_submitted_ = 0;

 private:
  void StartQueued() {
    while (!queued_.empty() && pending_.size() < limit_) {
      auto [tag, text] = queued_.front();
      queued_.pop_front();
      pending_.emplace_back(tag, text);
      max_in_flight_ = std::max(max_in_flight_, pending_.size());
      ++sends_[text];
      starts_.emplace_back(text, std::chrono::steady_clock::now());
    }
  }
};

class TextJobs : public JobSource {
 public:
  explicit TextJobs(std::vector<std::string> texts) : texts_(std::move(texts)) {}
  size_t size() const override { return texts_.size(); }
  Status Render(size_t index, Request* out) override {
    if (texts_[index] == "unrenderable") return Status::InvalidInput("image missing.jpg not found");
    *out = Request();
    out->messages.push_back({"user", {ContentPart{ContentPart::Kind::kText, texts_[index], nullptr}}});
    return Status::OK();
  }

 private:
  std::vector<std::string> texts_;
};

ResponseError Error(ResponseError::Kind kind, bool retryable, int status = 0) {
  ResponseError e;
  e.kind = kind;
  e.retryable = retryable;
  e.http_status = status;
  e.message = "injected";
  return e;
}

RunnerOptions FastOptions() {
  RunnerOptions o;
  o.concurrency = 3;
  o.retry.initial_delay_seconds = 0.001;
  o.retry.max_delay_seconds = 0.002;
  o.show_progress = false;
  return o;
}

std::vector<std::string> Texts(int n) {
  std::vector<std::string> texts;
  for (int i = 0; i < n; ++i) {
    std::string text = "q";
    text += std::to_string(i);
    texts.push_back(text);
  }
  return texts;
}

TEST(Runner, AnswersEveryJobWithinTheConcurrencyBound) {
  FakeAdapter adapter;
  TextJobs jobs(Texts(20));
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 20u);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_TRUE(outcomes[i].done);
    EXPECT_EQ(outcomes[i].response.text, "echo: q" + std::to_string(i));
    EXPECT_EQ(outcomes[i].attempts, 1);
  }
  EXPECT_EQ(adapter.max_in_flight_, 3u);
  EXPECT_EQ(runner.stats().answered, 20u);
  EXPECT_EQ(runner.stats().usage.prompt_tokens, 60);
}

TEST(Runner, KeepsAnAdaptersQueueFullWithinItsConcurrencyLimit) {
  QueueingAdapter adapter;
  TextJobs jobs(Texts(20));
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].response.text, "echo: q" + std::to_string(i));
    EXPECT_EQ(outcomes[i].attempts, 1);
    EXPECT_DOUBLE_EQ(outcomes[i].latency_seconds, 0.007);  // the adapter's, without the wait in its queue
  }
  EXPECT_EQ(adapter.limit_, 3u);
  EXPECT_EQ(adapter.max_in_flight_, 3u);
  EXPECT_EQ(adapter.max_submitted_, 6u);
  EXPECT_EQ(runner.stats().sent, 20u);
}

TEST(Runner, NothingWaitsInAnAdaptersQueueUnderRateBudgets) {
  QueueingAdapter adapter;
  TextJobs jobs(Texts(10));
  RunnerOptions options = FastOptions();
  options.requests_per_minute = 1e9;
  Runner runner(&adapter, nullptr, options);
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_EQ(runner.stats().answered, 10u);
  EXPECT_EQ(adapter.max_submitted_, 3u);
}

// A 429 pauses sending: the requests waiting in the adapter's queue are
// taken back unsent (no attempt counted) and start only after the pause.
// Rounds of the fake: q0-q2 (nothing queued before the first answer), then
// q3-q5 with q6-q8 queued, then q6-q8 with q9-q11 queued; q6 gets the 429.
TEST(Runner, A429TakesQueuedRequestsBackUntilThePauseEnds) {
  QueueingAdapter adapter;
  ResponseError limited = Error(ResponseError::Kind::kHttp, true, 429);
  limited.retry_after_seconds = 0.05;
  adapter.script_["q6"] = {limited};
  TextJobs jobs(Texts(12));
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_EQ(adapter.unqueued_, (std::vector<std::string>{"q9", "q10", "q11"}));
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_TRUE(outcomes[i].response.ok()) << i;
    EXPECT_EQ(outcomes[i].attempts, i == 6 ? 2 : 1) << i;
    EXPECT_EQ(adapter.sends_["q" + std::to_string(i)], i == 6 ? 2 : 1) << i;
  }
  EXPECT_EQ(runner.stats().sent, 13u);
  // q0-q8 started at once; everything after them waited out the pause.
  ASSERT_EQ(adapter.starts_.size(), 13u);
  for (size_t i = 9; i < adapter.starts_.size(); ++i) {
    EXPECT_GE(std::chrono::duration<double>(adapter.starts_[i].second - start).count(), 0.045)
        << adapter.starts_[i].first;
  }
}

// Until the endpoint has answered once nothing waits in the adapter's queue,
// so a wrong key or URL stops the run after at most `concurrency` requests.
TEST(Runner, NothingIsQueuedBeforeTheFirstAnswer) {
  QueueingAdapter adapter;
  for (const auto& text : Texts(10)) adapter.script_[text] = {Error(ResponseError::Kind::kHttp, false, 401)};
  TextJobs jobs(Texts(10));
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  EXPECT_FALSE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_EQ(adapter.max_submitted_, 3u);
  EXPECT_EQ(adapter.starts_.size(), 3u);
}

TEST(Runner, RetriesRetryableErrorsUpToTheAttemptCap) {
  FakeAdapter adapter;
  adapter.script_["q1"] = {Error(ResponseError::Kind::kHttp, true, 503), Error(ResponseError::Kind::kTimeout, true)};
  for (int i = 0; i < 10; ++i) adapter.script_["q2"].push_back(Error(ResponseError::Kind::kHttp, true, 500));
  TextJobs jobs(Texts(4));
  RunnerOptions options = FastOptions();
  options.retry.max_attempts = 4;
  Runner runner(&adapter, nullptr, options);
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_TRUE(outcomes[1].response.ok());
  EXPECT_EQ(outcomes[1].attempts, 3);
  EXPECT_FALSE(outcomes[2].response.ok());
  EXPECT_EQ(outcomes[2].attempts, 4);
  EXPECT_EQ(adapter.sends_["q2"], 4);
  EXPECT_NE(outcomes[2].response.error.message.find("after 4 attempts"), std::string::npos)
      << outcomes[2].response.error.message;
  EXPECT_EQ(runner.stats().failed, 1u);
  EXPECT_EQ(runner.stats().retries, 5u);
}

TEST(Runner, NonRetryableErrorsFailAtOnce) {
  FakeAdapter adapter;
  adapter.script_["q0"] = {Error(ResponseError::Kind::kContextLength, false, 400)};
  TextJobs jobs(Texts(2));
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_EQ(adapter.sends_["q0"], 1);
  EXPECT_EQ(outcomes[0].response.error.kind, ResponseError::Kind::kContextLength);
  EXPECT_EQ(outcomes[0].response.text, "");
  EXPECT_TRUE(outcomes[1].response.ok());
}

TEST(Runner, RenderErrorsFailOnlyTheirJob) {
  FakeAdapter adapter;
  TextJobs jobs({"q0", "unrenderable", "q2"});
  Runner runner(&adapter, nullptr, FastOptions());
  std::vector<JobOutcome> outcomes;
  ASSERT_TRUE(runner.Run(&jobs, &outcomes).ok());
  EXPECT_EQ(outcomes[1].response.error.kind, ResponseError::Kind::kInvalidInput);
  EXPECT_NE(outcomes[1].response.error.message.find("missing.jpg"), std::string::npos);
  EXPECT_EQ(outcomes[1].attempts, 0);
  EXPECT_TRUE(outcomes[0].response.ok() && outcomes[2].response.ok());
}

TEST(Runner, CachedAnswersAreNotSentAgain) {
  testing::TempDir dir;
  std::unique_ptr<ResponseCache> cache;
  ASSERT_TRUE(ResponseCache::Open(dir.File("cache.sqlite"), &cache).ok());
  FakeAdapter adapter;
  std::vector<JobOutcome> first, second;
  TextJobs some(Texts(3));
  ASSERT_TRUE(Runner(&adapter, cache.get(), FastOptions()).Run(&some, &first).ok());
  EXPECT_EQ(cache->Count(), 3u);
  TextJobs more(Texts(5));
  Runner runner(&adapter, cache.get(), FastOptions());
  ASSERT_TRUE(runner.Run(&more, &second).ok());
  EXPECT_EQ(runner.stats().cached, 3u);
  EXPECT_EQ(runner.stats().sent, 2u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(adapter.sends_["q" + std::to_string(i)], 1);
  EXPECT_TRUE(second[0].cached);
  EXPECT_EQ(second[0].response.text, first[0].response.text);
  EXPECT_EQ(second[0].response.usage.completion_tokens, 2);

  // Another model identity does not see these answers.
  FakeAdapter other;
  other.identity_.model_id = "other-model";
  TextJobs again(Texts(1));
  std::vector<JobOutcome> third;
  ASSERT_TRUE(Runner(&other, cache.get(), FastOptions()).Run(&again, &third).ok());
  EXPECT_FALSE(third[0].cached);
}

TEST(Runner, ConnectionFailuresBeforeAnyAnswerStopTheRun) {
  FakeAdapter adapter;
  for (const auto& t : Texts(6)) {
    for (int i = 0; i < 3; ++i) adapter.script_[t].push_back(Error(ResponseError::Kind::kConnect, true));
  }
  TextJobs jobs(Texts(6));
  RunnerOptions options = FastOptions();
  options.retry.max_attempts = 2;
  std::vector<JobOutcome> outcomes;
  Status status = Runner(&adapter, nullptr, options).Run(&jobs, &outcomes);
  EXPECT_EQ(status.code(), Status::Code::kRunFailed);
  EXPECT_NE(status.message().find("unreachable"), std::string::npos) << status.message();
}

TEST(PredictionFromOutcome, TextRankLettersAndFailures) {
  Sample sample;
  sample.id = "q1";
  sample.choices = {"red", "green", "blue"};
  JobOutcome outcome;
  outcome.done = true;
  outcome.response.text = " Green.";
  std::string error;
  Prediction p = PredictionFromOutcome(sample, "prompt", outcome, RequestKind::kGenerate, &error);
  EXPECT_EQ(p.id, "q1");
  EXPECT_EQ(p.text, " Green.");
  EXPECT_EQ(p.prompt, "prompt");
  EXPECT_FALSE(p.failed);
  EXPECT_EQ(error, "");

  outcome.response.option_logprobs = {-3.0, -0.5, -1.25};
  p = PredictionFromOutcome(sample, "prompt", outcome, RequestKind::kRank, &error);
  EXPECT_EQ(p.text, "B");
  outcome.response.option_logprobs = {-3.0, -0.5};
  p = PredictionFromOutcome(sample, "prompt", outcome, RequestKind::kRank, &error);
  EXPECT_TRUE(p.failed);
  EXPECT_NE(error.find("2 log-likelihoods for 3 options"), std::string::npos) << error;

  outcome.response = Response();
  outcome.response.error.kind = ResponseError::Kind::kContextLength;
  outcome.response.error.message = "context_length_exceeded: too long";
  p = PredictionFromOutcome(sample, "prompt", outcome, RequestKind::kGenerate, &error);
  EXPECT_TRUE(p.failed);
  EXPECT_EQ(p.text, "");
  EXPECT_EQ(error, "context_length_exceeded: too long");
  JobOutcome unfinished;
  p = PredictionFromOutcome(sample, "prompt", unfinished, RequestKind::kGenerate, &error);
  EXPECT_TRUE(p.failed);
}

TEST(RetryPolicy, ExponentialWithJitterCappedAndServerHintsWin) {
  RetryPolicy p;
  p.initial_delay_seconds = 1;
  p.max_delay_seconds = 8;
  p.max_retry_after_seconds = 30;
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 1, -1, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 1, -1, 0.999999), 0.9999995);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 3, -1, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 10, -1, 0.5), 6.0);  // capped at 8, then jitter
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 1, 2.5, 0.3), 2.5);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 1, 600, 0.3), 30);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(p, 2, 0, 0.0), 1.0);  // a zero hint is no hint
}

TEST(RateBudget, BurstOfOneSecondThenTheRate) {
  RateBudget rpm(120);  // 2 per second: a burst of two, one more into debt, then every 0.5 s
  double now = 0;
  std::vector<double> sends;
  while (sends.size() < 6) {
    now += rpm.WaitSeconds(now);
    rpm.Spend(1, now);
    sends.push_back(now);
  }
  const double expected[] = {0, 0, 0, 0.5, 1.0, 1.5};
  for (size_t i = 0; i < sends.size(); ++i) EXPECT_NEAR(sends[i], expected[i], 1e-4) << i;
  EXPECT_TRUE(RateBudget(0).unlimited());
  EXPECT_EQ(RateBudget(0).WaitSeconds(5), 0);
}

TEST(RateBudget, TokenEstimatesAreCorrectedByUsage) {
  RateBudget tpm(6000);  // 100 tokens per second
  tpm.Spend(1000, 0);    // estimate
  EXPECT_NEAR(tpm.WaitSeconds(0), 9.0, 1e-3);
  tpm.Adjust(-950);      // the request really used 50 tokens
  EXPECT_EQ(tpm.WaitSeconds(0), 0);
}

TEST(Runner, EstimatesTokensFromTextImagesAndMaxTokens) {
  Request r;
  r.params.max_new_tokens = 100;
  auto image = std::make_shared<const ImageData>("x", "image/png");
  r.messages.push_back({"user", {ContentPart{ContentPart::Kind::kImage, "", image},
                                 ContentPart{ContentPart::Kind::kText, std::string(40, 'a'), nullptr}}});
  EXPECT_DOUBLE_EQ(Runner::EstimateTokens(r), 100 + 765 + 10);
}

}  // namespace
}  // namespace svit

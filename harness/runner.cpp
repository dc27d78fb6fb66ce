#include "harness/runner.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "harness/cache_writer.h"
#include "harness/interrupt.h"
#include "harness/rate_budget.h"

namespace svit {
namespace {

using Clock = std::chrono::steady_clock;

// A rendered job on its way to an answer.
struct Slot {
  size_t index = 0;
  std::shared_ptr<const Request> request;
  std::string key;  // cache key ("" without a cache)
  int attempts = 0;
  double estimate = 0;  // tokens budgeted before sending
  Clock::time_point sent;
};

Clock::duration ToDuration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// One Runner::Run: the jobs' way from rendering to an outcome.
class RunLoop {
 public:
  RunLoop(Adapter* adapter, ResponseCache* cache, const RunnerOptions& options, JobSource* jobs,
          std::vector<JobOutcome>* outcomes, RunnerStats* stats)
      : adapter_(adapter),
        cache_(cache),
        options_(options),
        jobs_(jobs),
        outcomes_(*outcomes),
        stats_(*stats),
        identity_(adapter->identity().CanonicalText()),
        requests_budget_(options.requests_per_minute),
        tokens_budget_(options.tokens_per_minute),
        random_(options.random_seed),
        progress_(options.progress_label, stderr, options.progress_live, options.progress_interval_seconds) {}

  Status Run() {
    const size_t total = jobs_->size();
    outcomes_.assign(total, JobOutcome());
    // An adapter with a queue gets more than `concurrency` submitted, so its
    // transfers never wait for this thread; with rate budgets every request
    // is submitted when the budget allows it, as it is sent.
    size_t depth = adapter_->LimitConcurrency(options_.concurrency);
    bool budgets = options_.requests_per_minute > 0 || options_.tokens_per_minute > 0;
    queue_depth_ = budgets ? 0 : depth;
    while (finished_ < total) {
      Clock::time_point now = Clock::now();
      CheckInterrupts(now);
      Clock::time_point wake = now + std::chrono::milliseconds(options_.show_progress ? 250 : 1000);
      bool more_work_now = false;
      if (!stopping_) Send(now, &wake, &more_work_now);
      if (finished_ >= total) break;
      if (stopping_) {
        if (in_flight_.empty()) break;
        if (now >= stop_deadline_) {
          adapter_->CancelAll();
          in_flight_.clear();
          break;
        }
        wake = std::min(wake, stop_deadline_);
      }
      if (!waiting_.empty()) wake = std::min(wake, waiting_.begin()->first);
      auto timeout = more_work_now ? std::chrono::milliseconds(0)
                                   : std::chrono::ceil<std::chrono::milliseconds>(
                                         std::max(Clock::duration::zero(), wake - Clock::now()));
      completions_.clear();
      adapter_->Poll(timeout, &completions_);
      now = Clock::now();
      for (auto& completion : completions_) Handle(&completion, now);
      Commit(now);
      if (options_.show_progress) progress_.Update(Counts());
    }
    if (writer_) {
      Status status = writer_->Finish();
      if (!status.ok()) Stop(status, Clock::now());
    }
    stats_.wall_seconds = Seconds(Clock::now() - origin_);
    if (options_.show_progress) progress_.Finish(Counts());
    return stopping_ ? stop_status_ : Status::OK();
  }

 private:
  void CheckInterrupts(Clock::time_point now) {
    int interrupts = InterruptCount();
    if (interrupts == 0) return;
    Stop(Status::RunFailed("interrupted"), now);
    if (interrupts > 1) stop_deadline_ = now;  // a second Ctrl-C: do not wait
  }

  // Sends due retries and fresh jobs while the concurrency bound, the
  // budgets and a 429 pause allow; lowers `wake` to when they will.
  void Send(Clock::time_point now, Clock::time_point* wake, bool* more_work_now) {
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      ready_.push_back(std::move(waiting_.begin()->second));
      waiting_.erase(waiting_.begin());
    }
    size_t rendered = 0;
    // Until the endpoint has answered once, nothing waits in the adapter: a
    // wrong key or URL stops the run after at most `concurrency` requests.
    const size_t most = options_.concurrency + (stats_.answered > 0 ? queue_depth_ : 0);
    while (in_flight_.size() < most) {
      if (ready_.empty()) {
        if (next_index_ >= jobs_->size()) return;
        if (rendered++ >= 256) {  // let the sockets breathe between cache hits
          *more_work_now = true;
          return;
        }
        Slot slot;
        if (Prepare(next_index_++, &slot)) ready_.push_back(std::move(slot));
        continue;
      }
      double now_s = Seconds(now - origin_);
      double wait = std::max({Seconds(paused_until_ - now), requests_budget_.WaitSeconds(now_s),
                              tokens_budget_.WaitSeconds(now_s)});
      if (wait > 0) {
        *wake = std::min(*wake, now + ToDuration(wait));
        return;
      }
      Slot slot = std::move(ready_.front());
      ready_.pop_front();
      requests_budget_.Spend(1, now_s);
      tokens_budget_.Spend(slot.estimate, now_s);
      slot.attempts++;
      slot.sent = now;
      stats_.sent++;
      uint64_t tag = next_tag_++;
      adapter_->Submit(tag, slot.request);
      in_flight_.emplace(tag, std::move(slot));
    }
  }

  // Renders job `index` into `slot`. False when the job is already settled:
  // answered from the cache, or failed to render.
  bool Prepare(size_t index, Slot* slot) {
    slot->index = index;
    auto request = std::make_shared<Request>();
    Status status = jobs_->Render(index, request.get());
    if (!status.ok()) {
      ResponseError error;
      error.kind = ResponseError::Kind::kInvalidInput;
      error.message = status.message();
      Fail(index, std::move(error), 0);
      return false;
    }
    slot->request = std::move(request);
    if (cache_) slot->key = CacheKey(identity_, *slot->request);
    JobOutcome& outcome = outcomes_[index];
    if (cache_ && options_.read_cache && cache_->Get(slot->key, &outcome.response)) {
      outcome.done = true;
      outcome.cached = true;
      ++stats_.cached;
      ++finished_;
      return false;
    }
    slot->estimate = Runner::EstimateTokens(*slot->request);
    return true;
  }

  void Handle(Completion* completion, Clock::time_point now) {
    auto it = in_flight_.find(completion->tag);
    if (it == in_flight_.end()) return;
    Slot slot = std::move(it->second);
    in_flight_.erase(it);
    Response& response = completion->response;
    if (response.ok()) {
      double latency = completion->seconds > 0 ? completion->seconds : Seconds(now - slot.sent);
      Answer(slot, std::move(response), latency);
      return;
    }
    const ResponseError& error = response.error;
    bool may_retry = error.retryable && slot.attempts < options_.retry.max_attempts;
    if (may_retry && stopping_) return;  // left for the next run
    if (may_retry) {
      double delay = RetryDelaySeconds(options_.retry, slot.attempts, error.retry_after_seconds, unit_(random_));
      auto due = now + ToDuration(delay);
      ++stats_.retries;
      waiting_.emplace(due, std::move(slot));
      if (error.http_status == 429) {
        paused_until_ = std::max(paused_until_, due);
        Withdraw(false);
      }
      return;
    }
    // Before the endpoint ever answered, these failures mean every other
    // request would fail the same way: stop instead of failing them all.
    bool unreachable = error.kind == ResponseError::Kind::kConnect;
    bool refused = error.http_status == 401 || error.http_status == 403 || error.http_status == 404;
    if ((unreachable || refused) && stats_.answered == 0) {
      Stop(Status::RunFailed(std::string(unreachable ? "the endpoint is unreachable ("
                                                     : "the endpoint refuses the requests (") +
                             error.message + "); nothing was answered"),
           now);
      stop_deadline_ = now;
    }
    Fail(slot.index, std::move(response.error), slot.attempts);
  }

  void Answer(const Slot& slot, Response response, double latency_seconds) {
    JobOutcome& outcome = outcomes_[slot.index];
    outcome.done = true;
    outcome.attempts = slot.attempts;
    outcome.latency_seconds = latency_seconds;
    int64_t used = response.usage.prompt_tokens + response.usage.completion_tokens;
    if (used > 0) tokens_budget_.Adjust(static_cast<double>(used) - slot.estimate);
    tokens_seen_ += used;
    stats_.usage.prompt_tokens += response.usage.prompt_tokens;
    stats_.usage.completion_tokens += response.usage.completion_tokens;
    stats_.usage.reasoning_tokens += response.usage.reasoning_tokens;
    outcome.response = std::move(response);
    if (cache_ && options_.write_cache) {
      to_commit_.push_back({slot.key, adapter_->identity().model_id, slot.request->UserText(), &outcome.response});
    }
    ++stats_.answered;
    ++finished_;
  }

  // Hands the answers of this round to the cache writer, which commits them
  // with whatever else arrives while it writes. An answer counts as done
  // (progress lines; the run's outputs are written after Finish) only once
  // committed, so a kill -9 loses only answers nobody was told about, and
  // the next run sends them again.
  void Commit(Clock::time_point now) {
    if (to_commit_.empty()) return;
    if (!writer_) {  // opened on the first answer: runs served from the cache need none
      Status status = CacheWriter::Open(cache_->path(), &writer_);
      if (!status.ok()) {
        to_commit_.clear();
        Stop(status, now);
        return;
      }
    }
    writer_->Add(to_commit_);
    to_commit_.clear();
    Status status = writer_->status();
    if (!status.ok()) Stop(status, now);
  }

  void Fail(size_t index, ResponseError error, int attempts) {
    JobOutcome& outcome = outcomes_[index];
    outcome.done = true;
    outcome.attempts = attempts;
    error.message = std::string(ResponseErrorKindName(error.kind)) + ": " + error.message;
    if (attempts > 1) error.message += " (after " + std::to_string(attempts) + " attempts)";
    outcome.response = Response();
    outcome.response.error = std::move(error);
    ++stats_.failed;
    ++finished_;
  }

  void Stop(Status why, Clock::time_point now) {
    if (stopping_) return;
    stopping_ = true;
    stop_status_ = std::move(why);
    stop_deadline_ = now + ToDuration(std::max(0.0, options_.grace_seconds));
    Withdraw(true);
  }

  // Takes back the requests still waiting in the adapter's queue: a 429
  // pause or a stop holds them back too. They were never sent: after a
  // pause they go out first when sending resumes; after a stop they are
  // left for the next run.
  void Withdraw(bool stopping) {
    withdrawn_.clear();
    adapter_->Unqueue(&withdrawn_);
    for (auto tag = withdrawn_.rbegin(); tag != withdrawn_.rend(); ++tag) {
      auto it = in_flight_.find(*tag);
      Slot slot = std::move(it->second);
      in_flight_.erase(it);
      slot.attempts--;
      stats_.sent--;
      if (!stopping) ready_.push_front(std::move(slot));
    }
  }

  ProgressCounts Counts() const {
    ProgressCounts c;
    c.total = outcomes_.size();
    c.done = finished_ - (writer_ ? writer_->queued() - writer_->committed() : 0);  // done once committed
    c.cached = stats_.cached;
    c.failed = stats_.failed;
    c.in_flight = std::min(in_flight_.size(), options_.concurrency);  // the rest wait in the adapter
    c.retries = stats_.retries;
    c.tokens = tokens_seen_;
    return c;
  }

  Adapter* adapter_;
  ResponseCache* cache_;
  const RunnerOptions& options_;
  JobSource* jobs_;
  std::vector<JobOutcome>& outcomes_;
  RunnerStats& stats_;
  const std::string identity_;
  const Clock::time_point origin_ = Clock::now();

  RateBudget requests_budget_;
  RateBudget tokens_budget_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  ProgressReporter progress_;

  size_t queue_depth_ = 0;  // how many may wait in the adapter's queue
  std::unordered_map<uint64_t, Slot> in_flight_;  // submitted: running or in the adapter's queue
  std::deque<Slot> ready_;                          // rendered, waiting for a send permit
  std::multimap<Clock::time_point, Slot> waiting_;  // retries, by due time
  Clock::time_point paused_until_ = origin_;        // after a 429
  uint64_t next_tag_ = 1;
  size_t next_index_ = 0;
  size_t finished_ = 0;
  int64_t tokens_seen_ = 0;
  bool stopping_ = false;
  Clock::time_point stop_deadline_;
  Status stop_status_;
  std::vector<Completion> completions_;
  std::vector<ResponseCache::Entry> to_commit_;  // answered in this round
  std::vector<uint64_t> withdrawn_;
  std::unique_ptr<CacheWriter> writer_;          // null until the first commit
};

}  // namespace

Runner::Runner(Adapter* adapter, ResponseCache* cache, RunnerOptions options)
    : adapter_(adapter), cache_(cache), options_(std::move(options)) {
  options_.concurrency = std::max<size_t>(1, options_.concurrency);
  options_.retry.max_attempts = std::max(1, options_.retry.max_attempts);
}

double Runner::EstimateTokens(const Request& request) {
  double tokens = request.params.max_new_tokens;
  for (const auto& message : request.messages) {
    for (const auto& part : message.parts) {
      tokens += part.kind == ContentPart::Kind::kText ? static_cast<double>(part.text.size()) / 4.0 : 765.0;
    }
  }
  return tokens;
}

Status Runner::Run(JobSource* jobs, std::vector<JobOutcome>* outcomes) {
  stats_ = RunnerStats();
  return RunLoop(adapter_, cache_, options_, jobs, outcomes, &stats_).Run();
}

}  // namespace svit

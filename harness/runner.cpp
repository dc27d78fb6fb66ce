#include "harness/runner.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "harness/interrupt.h"
#include "harness/rate_budget.h"

namespace svit {
namespace {

using Clock = std::chrono::steady_clock;

// A rendered job on its way to an answer.
struct Slot {
  size_t index = 0;
  std::shared_ptr<const Request> request;
  std::string key;
  int attempts = 0;
  double estimate = 0;
  Clock::time_point sent;
};

double Seconds(Clock::time_point t, Clock::time_point origin) {
  return std::chrono::duration<double>(t - origin).count();
}

std::string FailureMessage(const ResponseError& error, int attempts) {
  std::string message = std::string(ResponseErrorKindName(error.kind)) + ": " + error.message;
  if (attempts > 1) message += " (after " + std::to_string(attempts) + " attempts)";
  return message;
}

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
  const size_t total = jobs->size();
  outcomes->assign(total, JobOutcome());
  stats_ = RunnerStats();
  const Clock::time_point origin = Clock::now();
  const std::string identity = adapter_->identity().CanonicalText();
  const std::string model_label = adapter_->identity().model_id;
  const bool read_cache = cache_ && options_.read_cache;
  const bool write_cache = cache_ && options_.write_cache;

  RateBudget requests_budget(options_.requests_per_minute);
  RateBudget tokens_budget(options_.tokens_per_minute);
  std::mt19937_64 random(options_.random_seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  ProgressReporter progress(options_.progress_label, stderr, options_.progress_live,
                            options_.progress_interval_seconds);

  std::unordered_map<uint64_t, Slot> in_flight;
  std::deque<Slot> ready;                       // rendered, waiting for a send permit
  std::multimap<Clock::time_point, Slot> waiting;  // retries, by due time
  Clock::time_point paused_until = origin;      // after a 429
  uint64_t next_tag = 1;
  size_t next_index = 0;
  size_t finished = 0;
  int64_t tokens_seen = 0;
  bool stopping = false;
  Clock::time_point stop_deadline;
  Status stop_status;
  std::vector<Completion> completions;

  auto counts = [&] {
    ProgressCounts c;
    c.total = total;
    c.done = finished;
    c.cached = stats_.cached;
    c.failed = stats_.failed;
    c.in_flight = in_flight.size();
    c.retries = stats_.retries;
    c.tokens = tokens_seen;
    return c;
  };
  auto stop = [&](Status why, Clock::time_point now) {
    if (stopping) return;
    stopping = true;
    stop_status = std::move(why);
    stop_deadline = now + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(std::max(0.0, options_.grace_seconds)));
  };
  auto fail = [&](size_t index, ResponseError error, int attempts) {
    JobOutcome& outcome = (*outcomes)[index];
    outcome.done = true;
    outcome.attempts = attempts;
    error.message = FailureMessage(error, attempts);
    outcome.response = Response();
    outcome.response.error = std::move(error);
    ++stats_.failed;
    ++finished;
  };

  while (finished < total) {
    Clock::time_point now = Clock::now();
    int interrupts = InterruptCount();
    if (interrupts > 0) {
      stop(Status::RunFailed("interrupted"), now);
      if (interrupts > 1) stop_deadline = now;
    }
    Clock::time_point wake = now + std::chrono::milliseconds(options_.show_progress ? 250 : 1000);
    bool more_work_now = false;

    if (!stopping) {
      while (!waiting.empty() && waiting.begin()->first <= now) {
        ready.push_back(std::move(waiting.begin()->second));
        waiting.erase(waiting.begin());
      }
      size_t rendered = 0;
      while (in_flight.size() < options_.concurrency) {
        if (ready.empty()) {
          if (next_index >= total) break;
          if (rendered++ >= 256) {  // let the sockets breathe between cache hits
            more_work_now = true;
            break;
          }
          Slot slot;
          slot.index = next_index++;
          auto request = std::make_shared<Request>();
          Status status = jobs->Render(slot.index, request.get());
          slot.request = std::move(request);
          if (!status.ok()) {
            ResponseError error;
            error.kind = ResponseError::Kind::kInvalidInput;
            error.message = status.message();
            fail(slot.index, std::move(error), 0);
            continue;
          }
          if (cache_) slot.key = CacheKey(identity, *slot.request);
          JobOutcome& outcome = (*outcomes)[slot.index];
          if (read_cache && cache_->Get(slot.key, &outcome.response)) {
            outcome.done = true;
            outcome.cached = true;
            ++stats_.cached;
            ++finished;
            continue;
          }
          slot.estimate = EstimateTokens(*slot.request);
          ready.push_back(std::move(slot));
        }
        double now_s = Seconds(now, origin);
        double wait = std::max({Seconds(paused_until, now), requests_budget.WaitSeconds(now_s),
                                tokens_budget.WaitSeconds(now_s)});
        if (wait > 0) {
          wake = std::min(wake, now + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(wait)));
          break;
        }
        Slot slot = std::move(ready.front());
        ready.pop_front();
        requests_budget.Spend(1, now_s);
        tokens_budget.Spend(slot.estimate, now_s);
        slot.attempts++;
        slot.sent = now;
        stats_.sent++;
        uint64_t tag = next_tag++;
        adapter_->Submit(tag, slot.request);
        in_flight.emplace(tag, std::move(slot));
      }
    }
    if (finished >= total) break;
    if (stopping) {
      if (in_flight.empty()) break;
      if (now >= stop_deadline) {
        adapter_->CancelAll();
        in_flight.clear();
        break;
      }
      wake = std::min(wake, stop_deadline);
    }
    if (!waiting.empty()) wake = std::min(wake, waiting.begin()->first);

    auto timeout = more_work_now ? std::chrono::milliseconds(0)
                                 : std::chrono::ceil<std::chrono::milliseconds>(
                                       std::max(Clock::duration::zero(), wake - Clock::now()));
    completions.clear();
    adapter_->Poll(timeout, &completions);
    now = Clock::now();

    for (auto& completion : completions) {
      auto it = in_flight.find(completion.tag);
      if (it == in_flight.end()) continue;
      Slot slot = std::move(it->second);
      in_flight.erase(it);
      Response& response = completion.response;
      if (response.ok()) {
        JobOutcome& outcome = (*outcomes)[slot.index];
        outcome.done = true;
        outcome.attempts = slot.attempts;
        outcome.latency_seconds = Seconds(now, slot.sent);
        int64_t used = response.usage.prompt_tokens + response.usage.completion_tokens;
        if (used > 0) tokens_budget.Adjust(static_cast<double>(used) - slot.estimate);
        tokens_seen += used;
        stats_.usage.prompt_tokens += response.usage.prompt_tokens;
        stats_.usage.completion_tokens += response.usage.completion_tokens;
        stats_.usage.reasoning_tokens += response.usage.reasoning_tokens;
        if (write_cache) {
          Status status = cache_->Put(slot.key, model_label, slot.request->UserText(), response);
          if (!status.ok()) stop(status, now);
        }
        outcome.response = std::move(response);
        ++stats_.answered;
        ++finished;
        continue;
      }
      const ResponseError& error = response.error;
      if (error.retryable && slot.attempts < options_.retry.max_attempts && !stopping) {
        double delay = RetryDelaySeconds(options_.retry, slot.attempts, error.retry_after_seconds, unit(random));
        auto due = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
        if (error.http_status == 429) paused_until = std::max(paused_until, due);
        ++stats_.retries;
        waiting.emplace(due, std::move(slot));
        continue;
      }
      if (stopping && error.retryable && slot.attempts < options_.retry.max_attempts) continue;
      // Before the endpoint ever answered, these failures mean every other
      // request will fail the same way: stop instead of failing them all.
      bool unreachable = error.kind == ResponseError::Kind::kConnect;
      bool refused = error.http_status == 401 || error.http_status == 403 || error.http_status == 404;
      std::string message = error.message;
      fail(slot.index, response.error, slot.attempts);
      if ((unreachable || refused) && stats_.answered == 0) {
        stop(Status::RunFailed(std::string(unreachable ? "the endpoint is unreachable (" : "the endpoint refuses the requests (") +
                               message + "); nothing was answered"),
             now);
        stop_deadline = now;
      }
    }
    if (options_.show_progress) progress.Update(counts());
  }
  stats_.wall_seconds = Seconds(Clock::now(), origin);
  if (options_.show_progress) progress.Finish(counts());
  return stopping ? stop_status : Status::OK();
}

}  // namespace svit

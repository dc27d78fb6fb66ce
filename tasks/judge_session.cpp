#include "tasks/judge_session.h"

#include <cstdio>

#include "core/sha256.h"

namespace svit {
namespace {

// Dollars for `usage` at the endpoint's prices, or null when a price is unknown.
nlohmann::json Cost(const JudgeEndpoint& endpoint, const JudgeUsage& usage) {
  if (endpoint.usd_per_million_prompt_tokens < 0 || endpoint.usd_per_million_completion_tokens < 0) {
    return nullptr;
  }
  return (static_cast<double>(usage.prompt_tokens) * endpoint.usd_per_million_prompt_tokens +
          static_cast<double>(usage.completion_tokens) * endpoint.usd_per_million_completion_tokens) /
         1e6;
}

std::string Join(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace

JudgeSession::JudgeSession(JudgeClient* client, JudgeProtocol protocol)
    : client_(client), protocol_(std::move(protocol)), template_sha256_(Sha256Hex(protocol_.prompt_template)) {}

Status JudgeSession::Ask(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) {
  replies->clear();
  if (requests.empty()) return Status::OK();
  SVIT_RETURN_IF_ERROR(client_->Complete(requests, replies));
  if (replies->size() != requests.size()) {
    return Status::RunFailed("judge client answered " + std::to_string(replies->size()) + " of " +
                             std::to_string(requests.size()) + " requests");
  }
  for (const JudgeReply& reply : *replies) {
    ++requests_;
    if (!reply.status.ok()) {
      ++failed_;
      continue;
    }
    if (reply.refused) ++refused_;
    if (!reply.model.empty()) reported_models_.insert(reply.model);
    if (!reply.version.empty()) versions_.insert(reply.version);
    usage_.prompt_tokens += reply.usage.prompt_tokens;
    usage_.completion_tokens += reply.usage.completion_tokens;
    if (reply.cached) {
      ++cached_;
    } else {
      uncached_usage_.prompt_tokens += reply.usage.prompt_tokens;
      uncached_usage_.completion_tokens += reply.usage.completion_tokens;
    }
  }
  return Status::OK();
}

nlohmann::json JudgeSession::Record() const {
  const JudgeEndpoint& endpoint = client_->endpoint();
  nlohmann::json record;
  record["endpoint"] = endpoint.name;
  record["model"] = endpoint.model;
  record["reported_models"] = reported_models_;
  record["versions"] = versions_;
  record["protocol"] = protocol_.name;
  record["parameters"] = protocol_.parameters;
  record["prompt_template_sha256"] = template_sha256_;
  record["description"] = Describe();
  record["usage"] = {
      {"requests", requests_},
      {"cached", cached_},
      {"failed", failed_},
      {"refused", refused_},
      {"prompt_tokens", usage_.prompt_tokens},
      {"completion_tokens", usage_.completion_tokens},
      // What this run paid (cache hits are free) and what the verdicts cost when first made.
      {"cost_usd", Cost(endpoint, uncached_usage_)},
      {"cost_usd_with_cached", Cost(endpoint, usage_)},
  };
  return record;
}

std::string JudgeSession::Describe() const {
  const JudgeEndpoint& endpoint = client_->endpoint();
  std::string out = endpoint.model.empty() ? "model not recorded" : endpoint.model;
  if (!endpoint.name.empty()) out += " via " + endpoint.name;
  if (!reported_models_.empty()) out += " (reported: " + Join(reported_models_) + ")";
  if (!versions_.empty()) out += " (versions: " + Join(versions_) + ")";
  out += "; " + protocol_.parameters.dump();
  out += "; prompt template sha256 " + template_sha256_;
  out += "; " + std::to_string(requests_) + " requests, " + std::to_string(cached_) + " cached, " +
         std::to_string(failed_) + " failed, " + std::to_string(refused_) + " refused, " +
         std::to_string(usage_.prompt_tokens + usage_.completion_tokens) + " tokens";
  nlohmann::json cost = Cost(endpoint, uncached_usage_);
  if (!cost.is_null()) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.4f", cost.get<double>());
    out += ", " + std::string(text) + " this run";
  }
  return out;
}

std::vector<std::string> JudgeSession::Notes() const {
  std::vector<std::string> notes;
  if (reported_models_.size() > 1) {
    notes.push_back("judge drift: replies came from " + std::to_string(reported_models_.size()) +
                    " different models (" + Join(reported_models_) + ")");
  }
  if (versions_.size() > 1) {
    notes.push_back("judge drift: replies came from " + std::to_string(versions_.size()) +
                    " different model versions (" + Join(versions_) + ")");
  }
  if (failed_ > 0) {
    notes.push_back(std::to_string(failed_) + " judge requests failed after retries; their samples "
                                              "have no verdict and are excluded (status 'failed')");
  }
  if (refused_ > 0) {
    notes.push_back(std::to_string(refused_) + " judge replies were refusals");
  }
  return notes;
}

}  // namespace svit

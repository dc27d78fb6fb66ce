// The wire protocol of OpenAI-style chat endpoints, without any I/O: the URL
// and headers of each endpoint profile, the request body, and the reading of
// replies, including each server's error bodies (OpenAI, Azure, vLLM, SGLang,
// TGI, llama.cpp, LMDeploy, Ollama). The transport (adapters/http_client.h)
// moves the bytes; these functions decide what the bytes mean, so they are
// tested on recorded bodies without a server.
#pragma once

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/request.h"
#include "core/status.h"

namespace svit {

// How an endpoint family is addressed. Most servers speak plain
// OpenAI-compatible chat completions; the profile picks the URL layout, the
// authentication header, the max-tokens field and the body dialect.
enum class EndpointProfile {
  kOpenAiCompatible,  // generic: {base}/chat/completions, Bearer, max_tokens
  kOpenAi,            // api.openai.com: max_completion_tokens
  kAzure,             // {base}/openai/deployments/{d}/chat/completions?api-version=, api-key header
  kVllm,
  kSglang,
  kTgi,
  kLlamaCpp,
  kLmdeploy,
  kOllama,            // native {base}/api/chat (NDJSON unless stream:false)
};

// Parses a profile name ("vllm", "azure", ...); InvalidInput lists the names.
Status ParseEndpointProfile(std::string_view name, EndpointProfile* out);
const char* EndpointProfileName(EndpointProfile profile);
std::vector<std::string> EndpointProfileNames();

struct ChatEndpoint {
  EndpointProfile profile = EndpointProfile::kOpenAiCompatible;
  // As given to the OpenAI SDK: "http://host:8000/v1" (a bare host gets /v1
  // appended); Azure: "https://RESOURCE.openai.azure.com"; Ollama:
  // "http://host:11434". A URL already ending in the endpoint path is used
  // as is.
  std::string base_url;
  std::string model_id;
  std::string azure_deployment;    // Azure only; defaults to model_id
  std::string azure_api_version;   // Azure only; required
  std::string max_tokens_field;    // "" = the profile's default
  std::string image_detail;        // "low" | "high" | "auto"; "" = omit
  nlohmann::json extra_body = nlohmann::json::object();  // merged into the body
};

// Checks the endpoint's settings (Azure needs an api-version, URLs need a
// scheme, ...) and returns the full URL requests are posted to.
Status ChatUrl(const ChatEndpoint& endpoint, std::string* url);

// The header carrying `api_key` for the profile ("" when the key is empty):
// "Authorization: Bearer KEY" or Azure's "api-key: KEY".
std::string AuthHeader(const ChatEndpoint& endpoint, const std::string& api_key);

// The max-tokens field the endpoint receives.
std::string MaxTokensField(const ChatEndpoint& endpoint);

// Appends the JSON body for a generate `request` to `body`.
void BuildChatBody(const ChatEndpoint& endpoint, const Request& request, std::string* body);

// A finished HTTP exchange as the transport saw it (headers of interest only).
struct HttpReply {
  long status = 0;
  std::string body;
  std::string retry_after;       // Retry-After: seconds or an HTTP date
  std::string retry_after_ms;    // retry-after-ms (Azure, OpenAI)
  std::string should_retry;      // x-should-retry: true|false
  std::string ratelimit_reset_requests;  // x-ratelimit-reset-requests
  std::string ratelimit_reset_tokens;    // x-ratelimit-reset-tokens
};

// Turns a reply into a Response: the answer and usage on success, otherwise a
// typed error (context length and content filter recognised and never
// retryable; 408/409/429/5xx retryable unless the quota is exhausted;
// x-should-retry overrides) with the server's retry hint.
Response ParseChatReply(const ChatEndpoint& endpoint, const HttpReply& reply,
                        simdjson::dom::parser* parser);

// Seconds until the retry the hints ask for, or -1 when they ask nothing:
// retry-after-ms first, then Retry-After (seconds, fractional allowed, or an
// HTTP date), then, for a 429, the later x-ratelimit-reset-* duration ("1s",
// "6m0s", "12ms").
double RetryAfterSeconds(const HttpReply& reply);

// Parses a duration such as "20ms", "1.5s", "6m0s", "1h2m3s"; -1 if invalid.
double ParseResetDuration(std::string_view text);

}  // namespace svit

#include "adapters/openai_protocol.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

#include "core/json_text.h"

namespace svit {
namespace {

struct ProfileTraits {
  EndpointProfile profile;
  const char* name;
  const char* max_tokens_field;
};

constexpr ProfileTraits kProfiles[] = {
    {EndpointProfile::kOpenAiCompatible, "openai-compatible", "max_tokens"},
    {EndpointProfile::kOpenAi, "openai", "max_completion_tokens"},
    {EndpointProfile::kAzure, "azure", "max_completion_tokens"},
    {EndpointProfile::kVllm, "vllm", "max_tokens"},
    {EndpointProfile::kSglang, "sglang", "max_tokens"},
    {EndpointProfile::kTgi, "tgi", "max_tokens"},
    {EndpointProfile::kLlamaCpp, "llamacpp", "max_tokens"},
    {EndpointProfile::kLmdeploy, "lmdeploy", "max_tokens"},
    {EndpointProfile::kOllama, "ollama", "num_predict"},
};

const ProfileTraits& Traits(EndpointProfile profile) {
  for (const auto& t : kProfiles) {
    if (t.profile == profile) return t;
  }
  return kProfiles[0];
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Appends `,"key":value` unless the user's extra body sets the key itself.
template <typename Fn>
void AppendField(const ChatEndpoint& endpoint, const char* key, std::string* body, Fn value) {
  if (endpoint.extra_body.contains(key)) return;
  *body += ",\"";
  *body += key;
  *body += "\":";
  value();
}

void AppendNumberField(const ChatEndpoint& endpoint, const char* key, double value, std::string* body) {
  AppendField(endpoint, key, body, [&] { AppendJsonNumber(value, body); });
}

void AppendStopField(const ChatEndpoint& endpoint, const Request& request, std::string* body) {
  if (request.params.stop.empty()) return;
  AppendField(endpoint, "stop", body, [&] {
    *body += '[';
    for (size_t i = 0; i < request.params.stop.size(); ++i) {
      if (i) *body += ',';
      AppendJsonString(request.params.stop[i], body);
    }
    *body += ']';
  });
}

void AppendExtraBody(const nlohmann::json& extra, const char* skip, std::string* body) {
  for (const auto& [key, value] : extra.items()) {
    if (skip && key == skip) continue;
    *body += ',';
    AppendJsonString(key, body);
    *body += ':';
    *body += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void AppendIntegerText(int64_t value, std::string* body) { *body += std::to_string(value); }

// OpenAI chat completions: content is a plain string when a message has only
// text (older servers accept nothing else), otherwise an array of parts.
void BuildOpenAiBody(const ChatEndpoint& endpoint, const Request& request, std::string* body) {
  *body += "{\"model\":";
  AppendJsonString(endpoint.model_id, body);
  *body += ",\"messages\":[";
  for (size_t m = 0; m < request.messages.size(); ++m) {
    const ChatMessage& message = request.messages[m];
    if (m) *body += ',';
    *body += "{\"role\":";
    AppendJsonString(message.role, body);
    *body += ",\"content\":";
    bool text_only = std::all_of(message.parts.begin(), message.parts.end(), [](const ContentPart& p) {
      return p.kind == ContentPart::Kind::kText;
    });
    if (text_only && message.parts.size() == 1) {
      AppendJsonString(message.parts[0].text, body);
    } else {
      *body += '[';
      for (size_t i = 0; i < message.parts.size(); ++i) {
        const ContentPart& part = message.parts[i];
        if (i) *body += ',';
        if (part.kind == ContentPart::Kind::kText) {
          *body += "{\"type\":\"text\",\"text\":";
          AppendJsonString(part.text, body);
          *body += '}';
        } else {
          const std::string& b64 = part.image->base64();
          body->reserve(body->size() + b64.size() + 256);
          *body += "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:";
          *body += part.image->mime();
          *body += ";base64,";
          *body += b64;
          *body += '"';
          if (!endpoint.image_detail.empty()) {
            *body += ",\"detail\":";
            AppendJsonString(endpoint.image_detail, body);
          }
          *body += "}}";
        }
      }
      *body += ']';
    }
    *body += '}';
  }
  *body += ']';
  std::string max_field = MaxTokensField(endpoint);
  AppendField(endpoint, max_field.c_str(), body,
              [&] { AppendIntegerText(request.params.max_new_tokens, body); });
  AppendNumberField(endpoint, "temperature", request.params.temperature, body);
  if (request.params.top_p) AppendNumberField(endpoint, "top_p", *request.params.top_p, body);
  if (request.params.seed) {
    AppendField(endpoint, "seed", body, [&] { AppendIntegerText(*request.params.seed, body); });
  }
  AppendStopField(endpoint, request, body);
  AppendField(endpoint, "stream", body, [&] { *body += "false"; });
  AppendExtraBody(endpoint.extra_body, nullptr, body);
  *body += '}';
}

// Ollama's native /api/chat: text in "content", raw base64 images in
// "images", sampling settings under "options".
void BuildOllamaBody(const ChatEndpoint& endpoint, const Request& request, std::string* body) {
  *body += "{\"model\":";
  AppendJsonString(endpoint.model_id, body);
  *body += ",\"messages\":[";
  for (size_t m = 0; m < request.messages.size(); ++m) {
    const ChatMessage& message = request.messages[m];
    if (m) *body += ',';
    *body += "{\"role\":";
    AppendJsonString(message.role, body);
    std::string text;
    bool has_image = false;
    for (const auto& part : message.parts) {
      if (part.kind == ContentPart::Kind::kText) {
        if (!text.empty()) text += '\n';
        text += part.text;
      } else {
        has_image = true;
      }
    }
    *body += ",\"content\":";
    AppendJsonString(text, body);
    if (has_image) {
      *body += ",\"images\":[";
      bool first = true;
      for (const auto& part : message.parts) {
        if (part.kind != ContentPart::Kind::kImage) continue;
        if (!first) *body += ',';
        first = false;
        *body += '"';
        *body += part.image->base64();
        *body += '"';
      }
      *body += ']';
    }
    *body += '}';
  }
  *body += "],\"stream\":false,\"options\":{\"num_predict\":";
  AppendIntegerText(request.params.max_new_tokens, body);
  *body += ",\"temperature\":";
  AppendJsonNumber(request.params.temperature, body);
  if (request.params.top_p) {
    *body += ",\"top_p\":";
    AppendJsonNumber(*request.params.top_p, body);
  }
  if (request.params.seed) {
    *body += ",\"seed\":";
    AppendIntegerText(*request.params.seed, body);
  }
  if (!request.params.stop.empty()) {
    *body += ",\"stop\":[";
    for (size_t i = 0; i < request.params.stop.size(); ++i) {
      if (i) *body += ',';
      AppendJsonString(request.params.stop[i], body);
    }
    *body += ']';
  }
  auto options = endpoint.extra_body.find("options");
  if (options != endpoint.extra_body.end() && options->is_object()) {
    AppendExtraBody(*options, nullptr, body);
  }
  *body += '}';
  AppendExtraBody(endpoint.extra_body, "options", body);
  *body += '}';
}

// ------------------------------------------------------------------ replies

struct ErrorInfo {
  std::string message;
  std::string type;
  std::string code;
};

std::string ScalarText(simdjson::dom::element value) {
  std::string_view text;
  if (value.get(text) == simdjson::SUCCESS) return std::string(text);
  int64_t integer;
  if (value.get(integer) == simdjson::SUCCESS) return std::to_string(integer);
  return "";
}

std::string FieldText(simdjson::dom::object object, std::string_view key) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return "";
  return ScalarText(value);
}

// Bytes of a body shown in an error message: bounded, one line.
std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, 300));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (body.size() > 300) out += "...";
  return out;
}

// Reads every error dialect: {"error": {message, type, code}} (OpenAI, vLLM,
// SGLang, llama.cpp), {"error": "text"} (Ollama, TGI with "error_type"), and
// the flat {"object": "error", "message", "type", "code"} (older vLLM,
// LMDeploy).
bool ExtractError(simdjson::dom::element root, ErrorInfo* info) {
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return false;
  simdjson::dom::element error;
  if (object.at_key("error").get(error) == simdjson::SUCCESS) {
    simdjson::dom::object error_object;
    if (error.get(error_object) == simdjson::SUCCESS) {
      info->message = FieldText(error_object, "message");
      info->type = FieldText(error_object, "type");
      info->code = FieldText(error_object, "code");
      return true;
    }
    std::string_view text;
    if (error.get(text) == simdjson::SUCCESS) {
      info->message = std::string(text);
      info->type = FieldText(object, "error_type");
      return true;
    }
    return false;
  }
  if (FieldText(object, "object") == "error" || object.at_key("message").error() == simdjson::SUCCESS) {
    info->message = FieldText(object, "message");
    info->type = FieldText(object, "type");
    info->code = FieldText(object, "code");
    return !info->message.empty() || !info->type.empty();
  }
  return false;
}

bool IsContextLengthError(long status, const ErrorInfo& info) {
  if (info.code == "context_length_exceeded" || info.type == "exceed_context_size_error") return true;
  if (status != 200 && status != 400 && status != 413 && status != 422) return false;
  static const char* const kPhrases[] = {
      "maximum context length", "context length", "context_length_exceeded",
      "exceeds the available context size", "longer than the model's context length",
      "must be <=", "maximum allowed length", "too many tokens", "input is too long",
  };
  std::string message = Lower(info.message);
  for (const char* phrase : kPhrases) {
    if (message.find(phrase) != std::string::npos) return true;
  }
  return false;
}

bool IsContentFilterError(const ErrorInfo& info) {
  return info.code == "content_filter" || info.code == "content_policy_violation" ||
         info.code == "invalid_prompt" || info.type == "content_filter";
}

bool IsQuotaError(const ErrorInfo& info) {
  return info.code == "insufficient_quota" || info.type == "insufficient_quota";
}

bool IsRetryableStatus(long status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

Response ErrorResponse(const HttpReply& reply, simdjson::dom::parser* parser) {
  Response response;
  ResponseError& error = response.error;
  error.http_status = static_cast<int>(reply.status);
  ErrorInfo info;
  simdjson::dom::element root;
  bool parsed = parser->parse(reply.body).get(root) == simdjson::SUCCESS && ExtractError(root, &info);
  std::string detail = parsed ? info.message : Excerpt(reply.body);
  if (parsed && !info.code.empty() && info.code != std::to_string(reply.status)) {
    detail += " (code " + info.code + ")";
  }
  error.message = "HTTP " + std::to_string(reply.status) + (detail.empty() ? "" : ": " + detail);
  if (parsed && IsContextLengthError(reply.status, info)) {
    error.kind = ResponseError::Kind::kContextLength;
    error.retryable = false;
    return response;
  }
  if (parsed && IsContentFilterError(info)) {
    error.kind = ResponseError::Kind::kContentFilter;
    error.retryable = false;
    return response;
  }
  error.kind = ResponseError::Kind::kHttp;
  error.retryable = IsRetryableStatus(reply.status) && !(parsed && IsQuotaError(info));
  std::string should_retry = Lower(Trim(reply.should_retry));
  if (should_retry == "true") error.retryable = true;
  if (should_retry == "false") error.retryable = false;
  error.retry_after_seconds = RetryAfterSeconds(reply);
  return response;
}

Response Malformed(const std::string& why, const HttpReply& reply) {
  Response response;
  response.error.kind = ResponseError::Kind::kMalformed;
  response.error.retryable = true;
  response.error.http_status = static_cast<int>(reply.status);
  response.error.message = why + ": " + Excerpt(reply.body);
  return response;
}

int64_t IntField(simdjson::dom::object object, std::string_view key) {
  int64_t value = 0;
  simdjson::dom::element element;
  if (object.at_key(key).get(element) != simdjson::SUCCESS) return 0;
  if (element.get(value) == simdjson::SUCCESS) return value;
  double real;
  if (element.get(real) == simdjson::SUCCESS) return static_cast<int64_t>(real);
  return 0;
}

// message.content may be a string, null (refusals, filters, tool calls) or a
// list of parts.
void ReadContent(simdjson::dom::element content, std::string* text) {
  std::string_view value;
  if (content.get(value) == simdjson::SUCCESS) {
    text->assign(value);
    return;
  }
  simdjson::dom::array parts;
  if (content.get(parts) != simdjson::SUCCESS) return;
  for (simdjson::dom::element part : parts) {
    std::string_view piece;
    if (part.get(piece) == simdjson::SUCCESS || part["text"].get(piece) == simdjson::SUCCESS) {
      *text += piece;
    }
  }
}

Response ParseOpenAiSuccess(const HttpReply& reply, simdjson::dom::element root) {
  Response response;
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return Malformed("reply is not a JSON object", reply);
  simdjson::dom::array choices;
  if (object.at_key("choices").get(choices) != simdjson::SUCCESS || choices.size() == 0) {
    ErrorInfo info;
    if (ExtractError(root, &info)) {
      // An error body under a success status (some proxies, streamed errors).
      Response error = Malformed("error in a success reply: " + info.message, reply);
      if (IsContextLengthError(reply.status, info)) {
        error.error.kind = ResponseError::Kind::kContextLength;
        error.error.retryable = false;
      }
      return error;
    }
    return Malformed("reply has no choices", reply);
  }
  simdjson::dom::object choice;
  if (choices.at(0).get(choice) != simdjson::SUCCESS) return Malformed("choices[0] is not an object", reply);
  simdjson::dom::object message;
  if (choice.at_key("message").get(message) != simdjson::SUCCESS) {
    return Malformed("choices[0] has no message", reply);
  }
  simdjson::dom::element content;
  if (message.at_key("content").get(content) == simdjson::SUCCESS) ReadContent(content, &response.text);
  response.refusal = FieldText(message, "refusal");
  response.finish_reason = FieldText(choice, "finish_reason");
  response.model = FieldText(object, "model");
  response.system_fingerprint = FieldText(object, "system_fingerprint");
  simdjson::dom::object usage;
  if (object.at_key("usage").get(usage) == simdjson::SUCCESS) {
    response.usage.prompt_tokens = IntField(usage, "prompt_tokens");
    response.usage.completion_tokens = IntField(usage, "completion_tokens");
    simdjson::dom::object details;
    if (usage.at_key("completion_tokens_details").get(details) == simdjson::SUCCESS) {
      response.usage.reasoning_tokens = IntField(details, "reasoning_tokens");
    }
  }
  return response;
}

Response ParseOllamaSuccess(const HttpReply& reply, simdjson::dom::element root) {
  Response response;
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return Malformed("reply is not a JSON object", reply);
  simdjson::dom::object message;
  if (object.at_key("message").get(message) != simdjson::SUCCESS) {
    ErrorInfo info;
    if (ExtractError(root, &info)) return Malformed("error in a success reply: " + info.message, reply);
    return Malformed("reply has no message", reply);
  }
  simdjson::dom::element content;
  if (message.at_key("content").get(content) == simdjson::SUCCESS) ReadContent(content, &response.text);
  response.finish_reason = FieldText(object, "done_reason");
  response.model = FieldText(object, "model");
  response.usage.prompt_tokens = IntField(object, "prompt_eval_count");
  response.usage.completion_tokens = IntField(object, "eval_count");
  return response;
}

}  // namespace

Status ParseEndpointProfile(std::string_view name, EndpointProfile* out) {
  for (const auto& t : kProfiles) {
    if (name == t.name) {
      *out = t.profile;
      return Status::OK();
    }
  }
  std::string names;
  for (const auto& n : EndpointProfileNames()) names += (names.empty() ? "" : ", ") + n;
  return Status::InvalidInput("unknown endpoint profile '" + std::string(name) + "'; known: " + names);
}

const char* EndpointProfileName(EndpointProfile profile) { return Traits(profile).name; }

std::vector<std::string> EndpointProfileNames() {
  std::vector<std::string> names;
  for (const auto& t : kProfiles) names.emplace_back(t.name);
  return names;
}

std::string MaxTokensField(const ChatEndpoint& endpoint) {
  if (!endpoint.max_tokens_field.empty()) return endpoint.max_tokens_field;
  return Traits(endpoint.profile).max_tokens_field;
}

Status ChatUrl(const ChatEndpoint& endpoint, std::string* url) {
  std::string base = endpoint.base_url;
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    return Status::InvalidInput("base URL '" + base + "' must start with http:// or https://");
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  size_t host_start = base.find("://") + 3;
  bool has_path = base.find('/', host_start) != std::string::npos;
  switch (endpoint.profile) {
    case EndpointProfile::kAzure: {
      if (endpoint.azure_api_version.empty()) {
        return Status::InvalidInput("the azure profile needs an api_version (Azure answers 404 without one)");
      }
      std::string deployment = endpoint.azure_deployment.empty() ? endpoint.model_id : endpoint.azure_deployment;
      if (!EndsWith(base, "/chat/completions")) base += "/openai/deployments/" + deployment + "/chat/completions";
      *url = base + "?api-version=" + endpoint.azure_api_version;
      return Status::OK();
    }
    case EndpointProfile::kOllama:
      *url = EndsWith(base, "/api/chat") ? base : base + "/api/chat";
      return Status::OK();
    default:
      if (EndsWith(base, "/chat/completions")) {
        *url = base;
      } else {
        *url = (has_path ? base : base + "/v1") + "/chat/completions";
      }
      return Status::OK();
  }
}

std::string AuthHeader(const ChatEndpoint& endpoint, const std::string& api_key) {
  if (api_key.empty()) return "";
  if (endpoint.profile == EndpointProfile::kAzure) return "api-key: " + api_key;
  return "Authorization: Bearer " + api_key;
}

void BuildChatBody(const ChatEndpoint& endpoint, const Request& request, std::string* body) {
  if (endpoint.profile == EndpointProfile::kOllama) {
    BuildOllamaBody(endpoint, request, body);
  } else {
    BuildOpenAiBody(endpoint, request, body);
  }
}

Response ParseChatReply(const ChatEndpoint& endpoint, const HttpReply& reply,
                        simdjson::dom::parser* parser) {
  if (reply.status < 200 || reply.status >= 300) return ErrorResponse(reply, parser);
  simdjson::dom::element root;
  if (parser->parse(reply.body).get(root) != simdjson::SUCCESS) {
    return Malformed("reply is not valid JSON", reply);
  }
  return endpoint.profile == EndpointProfile::kOllama ? ParseOllamaSuccess(reply, root)
                                                      : ParseOpenAiSuccess(reply, root);
}

double ParseResetDuration(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return -1;
  double total = 0;
  bool any = false;
  while (!text.empty()) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data()) return -1;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    double scale;
    if (text.rfind("ms", 0) == 0) {
      scale = 0.001;
      text.remove_prefix(2);
    } else if (!text.empty() && (text[0] == 's' || text[0] == 'm' || text[0] == 'h')) {
      scale = text[0] == 's' ? 1 : text[0] == 'm' ? 60 : 3600;
      text.remove_prefix(1);
    } else if (text.empty() && !any) {
      scale = 1;  // a bare number is seconds
    } else {
      return -1;
    }
    total += value * scale;
    any = true;
  }
  return total;
}

double RetryAfterSeconds(const HttpReply& reply) {
  std::string_view ms = Trim(reply.retry_after_ms);
  if (!ms.empty()) {
    double value = 0;
    auto [end, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), value);
    if (ec == std::errc() && end == ms.data() + ms.size() && value >= 0) return value / 1000.0;
  }
  std::string_view after = Trim(reply.retry_after);
  if (!after.empty()) {
    double value = 0;
    auto [end, ec] = std::from_chars(after.data(), after.data() + after.size(), value);
    if (ec == std::errc() && end == after.data() + after.size() && value >= 0) return value;
    time_t when = curl_getdate(std::string(after).c_str(), nullptr);
    if (when != -1) return std::max(0.0, std::difftime(when, std::time(nullptr)));
  }
  if (reply.status == 429) {
    double reset = std::max(ParseResetDuration(reply.ratelimit_reset_requests),
                            ParseResetDuration(reply.ratelimit_reset_tokens));
    if (reset >= 0) return reset;
  }
  return -1;
}

}  // namespace svit

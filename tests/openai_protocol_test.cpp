// The chat protocol without a server: URLs and bodies of each endpoint
// profile, and how replies and every server's error bodies are read
// (bodies as documented in ../shared/specs/http-serving.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/openai_protocol.h"
#include "core/base64.h"

namespace svit {
namespace {

ChatEndpoint Endpoint(EndpointProfile profile, std::string base_url) {
  ChatEndpoint e;
  e.profile = profile;
  e.base_url = std::move(base_url);
  e.model_id = "llava-1.5-7b";
  return e;
}

std::string Url(const ChatEndpoint& e) {
  std::string url;
  Status status = ChatUrl(e, &url);
  EXPECT_TRUE(status.ok()) << status.message();
  return url;
}

Request ImageRequest() {
  Request r;
  r.params.max_new_tokens = 64;
  r.params.seed = 7;
  r.params.stop = {"</s>"};
  auto image = std::make_shared<const ImageData>(std::string("\x89PNG\r\n\x1A\nxyz", 11), "image/png");
  r.messages.push_back({"system", {ContentPart{ContentPart::Kind::kText, "Be brief.", nullptr}}});
  r.messages.push_back({"user", {ContentPart{ContentPart::Kind::kImage, "", image},
                                 ContentPart{ContentPart::Kind::kText, "What is \"this\"?\n", nullptr}}});
  return r;
}

nlohmann::json Body(const ChatEndpoint& e, const Request& r) {
  std::string body;
  BuildChatBody(e, r, &body);
  return nlohmann::json::parse(body);
}

Response Reply(long status, std::string body, EndpointProfile profile = EndpointProfile::kVllm) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  simdjson::dom::parser parser;
  return ParseChatReply(Endpoint(profile, "http://h/v1"), reply, &parser);
}

TEST(ChatUrl, EachProfileLaysOutItsUrl) {
  EXPECT_EQ(Url(Endpoint(EndpointProfile::kVllm, "http://localhost:8000/v1")),
            "http://localhost:8000/v1/chat/completions");
  EXPECT_EQ(Url(Endpoint(EndpointProfile::kVllm, "http://localhost:8000/v1/")),
            "http://localhost:8000/v1/chat/completions");
  EXPECT_EQ(Url(Endpoint(EndpointProfile::kLlamaCpp, "http://localhost:8080")),
            "http://localhost:8080/v1/chat/completions");
  EXPECT_EQ(Url(Endpoint(EndpointProfile::kSglang, "http://h:30000/v1/chat/completions")),
            "http://h:30000/v1/chat/completions");
  EXPECT_EQ(Url(Endpoint(EndpointProfile::kOllama, "http://localhost:11434")), "http://localhost:11434/api/chat");
  ChatEndpoint azure = Endpoint(EndpointProfile::kAzure, "https://res.openai.azure.com/");
  azure.azure_deployment = "gpt4o";
  azure.azure_api_version = "2024-10-21";
  EXPECT_EQ(Url(azure), "https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21");
  azure.azure_api_version.clear();
  std::string url;
  EXPECT_FALSE(ChatUrl(azure, &url).ok());
  EXPECT_FALSE(ChatUrl(Endpoint(EndpointProfile::kVllm, "localhost:8000"), &url).ok());
}

TEST(ChatUrl, AuthHeaderPerProfile) {
  EXPECT_EQ(AuthHeader(Endpoint(EndpointProfile::kOpenAi, "https://x"), "sk-1"), "Authorization: Bearer sk-1");
  EXPECT_EQ(AuthHeader(Endpoint(EndpointProfile::kAzure, "https://x"), "k"), "api-key: k");
  EXPECT_EQ(AuthHeader(Endpoint(EndpointProfile::kVllm, "http://x"), ""), "");
}

TEST(ChatBody, OpenAiStyleWithImagePartsAndParameters) {
  ChatEndpoint e = Endpoint(EndpointProfile::kVllm, "http://h/v1");
  e.image_detail = "low";
  Request r = ImageRequest();
  auto body = Body(e, r);
  EXPECT_EQ(body["model"], "llava-1.5-7b");
  EXPECT_EQ(body["messages"][0]["content"], "Be brief.");  // text-only content is a plain string
  const auto& parts = body["messages"][1]["content"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["type"], "image_url");
  EXPECT_EQ(parts[0]["image_url"]["url"], "data:image/png;base64," + EncodeBase64(std::string("\x89PNG\r\n\x1A\nxyz", 11)));
  EXPECT_EQ(parts[0]["image_url"]["detail"], "low");
  EXPECT_EQ(parts[1]["text"], "What is \"this\"?\n");
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["stop"][0], "</s>");
  EXPECT_EQ(body["stream"], false);
  EXPECT_FALSE(body.contains("top_p"));
  EXPECT_FALSE(body.contains("max_completion_tokens"));
}

TEST(ChatBody, MaxTokensFieldFollowsProfileOrOverride) {
  Request r = ImageRequest();
  EXPECT_EQ(Body(Endpoint(EndpointProfile::kOpenAi, "https://api.openai.com/v1"), r)["max_completion_tokens"], 64);
  EXPECT_FALSE(Body(Endpoint(EndpointProfile::kOpenAi, "https://api.openai.com/v1"), r).contains("max_tokens"));
  ChatEndpoint e = Endpoint(EndpointProfile::kAzure, "https://x");
  e.max_tokens_field = "max_tokens";
  EXPECT_EQ(Body(e, r)["max_tokens"], 64);
}

TEST(ChatBody, ExtraBodyFieldsAreAddedAndWinOverDefaults) {
  ChatEndpoint e = Endpoint(EndpointProfile::kVllm, "http://h/v1");
  e.extra_body = {{"temperature", 0.7}, {"repetition_penalty", 1.1}};
  auto body = Body(e, ImageRequest());
  EXPECT_EQ(body["temperature"], 0.7);
  EXPECT_EQ(body["repetition_penalty"], 1.1);
}

TEST(ChatBody, OllamaNativeBody) {
  ChatEndpoint e = Endpoint(EndpointProfile::kOllama, "http://h:11434");
  e.extra_body = {{"keep_alive", "5m"}, {"options", {{"num_ctx", 8192}}}};
  auto body = Body(e, ImageRequest());
  EXPECT_EQ(body["stream"], false);
  EXPECT_EQ(body["messages"][1]["content"], "What is \"this\"?\n");
  EXPECT_EQ(body["messages"][1]["images"][0], EncodeBase64(std::string("\x89PNG\r\n\x1A\nxyz", 11)));
  EXPECT_EQ(body["options"]["num_predict"], 64);
  EXPECT_EQ(body["options"]["seed"], 7);
  EXPECT_EQ(body["options"]["num_ctx"], 8192);
  EXPECT_EQ(body["keep_alive"], "5m");
}

TEST(ChatReply, SuccessWithUsage) {
  Response r = Reply(200, R"({"choices":[{"index":0,"message":{"role":"assistant","content":"B"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":1123,"completion_tokens":27,"completion_tokens_details":{"reasoning_tokens":5}}})");
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.text, "B");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage.prompt_tokens, 1123);
  EXPECT_EQ(r.usage.completion_tokens, 27);
  EXPECT_EQ(r.usage.reasoning_tokens, 5);
}

TEST(ChatReply, NullAndListContent) {
  Response null_content = Reply(200, R"({"choices":[{"message":{"content":null,"refusal":"no"},"finish_reason":"content_filter"}]})");
  ASSERT_TRUE(null_content.ok());
  EXPECT_EQ(null_content.text, "");
  EXPECT_EQ(null_content.finish_reason, "content_filter");
  Response list = Reply(200, R"({"choices":[{"message":{"content":[{"type":"text","text":"a "},{"type":"text","text":"b"}]}}]})");
  EXPECT_EQ(list.text, "a b");
  EXPECT_EQ(list.usage.prompt_tokens, 0);  // usage is optional
}

TEST(ChatReply, MalformedSuccessBodiesAreRetryable) {
  for (const char* body : {"{\"choices\": [", "[]", "{\"choices\": []}", "{\"id\": \"x\"}"}) {
    Response r = Reply(200, body);
    EXPECT_EQ(r.error.kind, ResponseError::Kind::kMalformed) << body;
    EXPECT_TRUE(r.error.retryable) << body;
  }
}

TEST(ChatReply, ContextLengthErrorsOfEveryServerAreRecognisedAndNotRetryable) {
  const std::pair<long, const char*> cases[] = {
      {400, R"({"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})"},
      {400, R"({"error":{"message":"'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778). None","type":"BadRequestError","param":null,"code":400}})"},
      {400, R"({"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","code":400})"},
      {400, R"({"error":{"message":"The input (5000 tokens) is longer than the model's context length (4096 tokens).","type":"BadRequestError","code":400}})"},
      {400, R"({"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":4476,"n_ctx":4096}})"},
      {422, R"({"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000","error_type":"validation"})"},
  };
  for (const auto& [status, body] : cases) {
    Response r = Reply(status, body);
    EXPECT_EQ(r.error.kind, ResponseError::Kind::kContextLength) << body;
    EXPECT_FALSE(r.error.retryable) << body;
    EXPECT_EQ(r.error.http_status, status);
  }
}

TEST(ChatReply, RetryableStatusesAndHints) {
  HttpReply reply;
  reply.status = 429;
  reply.body = R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})";
  reply.retry_after = "2";
  simdjson::dom::parser parser;
  ChatEndpoint e = Endpoint(EndpointProfile::kOpenAi, "https://x/v1");
  Response r = ParseChatReply(e, reply, &parser);
  EXPECT_EQ(r.error.kind, ResponseError::Kind::kHttp);
  EXPECT_TRUE(r.error.retryable);
  EXPECT_DOUBLE_EQ(r.error.retry_after_seconds, 2.0);
  EXPECT_NE(r.error.message.find("Rate limit reached"), std::string::npos);
  reply.retry_after_ms = "250";
  EXPECT_DOUBLE_EQ(ParseChatReply(e, reply, &parser).error.retry_after_seconds, 0.25);

  for (long status : {408L, 409L, 500L, 502L, 503L, 504L}) {
    EXPECT_TRUE(Reply(status, "<html>Bad gateway</html>").error.retryable) << status;
  }
  for (long status : {400L, 401L, 403L, 404L, 422L}) {
    EXPECT_FALSE(Reply(status, R"({"error":{"message":"nope"}})").error.retryable) << status;
  }
  EXPECT_FALSE(Reply(429, R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})")
                   .error.retryable);
  Response filtered = Reply(400, R"({"error":{"message":"filtered","type":null,"code":"content_filter"}})");
  EXPECT_EQ(filtered.error.kind, ResponseError::Kind::kContentFilter);
  EXPECT_FALSE(filtered.error.retryable);
}

TEST(ChatReply, XShouldRetryOverrides) {
  HttpReply reply;
  reply.status = 500;
  reply.body = "{}";
  reply.should_retry = "false";
  simdjson::dom::parser parser;
  ChatEndpoint e = Endpoint(EndpointProfile::kOpenAi, "https://x/v1");
  EXPECT_FALSE(ParseChatReply(e, reply, &parser).error.retryable);
  reply.status = 400;
  reply.should_retry = "true";
  EXPECT_TRUE(ParseChatReply(e, reply, &parser).error.retryable);
}

TEST(ChatReply, OllamaNativeReplies) {
  Response r = Reply(200, R"({"model":"llava","message":{"role":"assistant","content":"A cat."},"done":true,
      "done_reason":"stop","prompt_eval_count":40,"eval_count":3})", EndpointProfile::kOllama);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.text, "A cat.");
  EXPECT_EQ(r.usage.prompt_tokens, 40);
  EXPECT_EQ(r.usage.completion_tokens, 3);
  Response missing = Reply(404, R"({"error":"model \"llava\" not found, try pulling it first"})", EndpointProfile::kOllama);
  EXPECT_FALSE(missing.error.retryable);
  EXPECT_NE(missing.error.message.find("not found"), std::string::npos);
}

TEST(RetryHints, DurationsDatesAndJunk) {
  EXPECT_DOUBLE_EQ(ParseResetDuration("12ms"), 0.012);
  EXPECT_DOUBLE_EQ(ParseResetDuration("1s"), 1.0);
  EXPECT_DOUBLE_EQ(ParseResetDuration("6m0s"), 360.0);
  EXPECT_DOUBLE_EQ(ParseResetDuration("1h2m3.5s"), 3723.5);
  EXPECT_DOUBLE_EQ(ParseResetDuration("2"), 2.0);
  EXPECT_LT(ParseResetDuration("soon"), 0);
  EXPECT_LT(ParseResetDuration("-1"), 0);

  HttpReply reply;
  reply.status = 429;
  reply.ratelimit_reset_requests = "1s";
  reply.ratelimit_reset_tokens = "6m0s";
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(reply), 360.0);
  reply.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT";  // in the past: retry now
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(reply), 0.0);
  reply.retry_after = "1.5";
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(reply), 1.5);
  reply.retry_after_ms = "junk";
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(reply), 1.5);
  HttpReply none;
  none.status = 503;
  EXPECT_LT(RetryAfterSeconds(none), 0);
}

TEST(EndpointProfile, NamesRoundTripAndUnknownIsAnError) {
  for (const auto& name : EndpointProfileNames()) {
    EndpointProfile p;
    ASSERT_TRUE(ParseEndpointProfile(name, &p).ok());
    EXPECT_EQ(EndpointProfileName(p), name);
  }
  EndpointProfile p;
  Status status = ParseEndpointProfile("gpt", &p);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("vllm"), std::string::npos);
}

}  // namespace
}  // namespace svit

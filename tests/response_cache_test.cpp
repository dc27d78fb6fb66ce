// The SQLite response cache: round trips, durability across reopen,
// replacement (--refresh), and keys that separate models.
#include <gtest/gtest.h>

#include "harness/response_cache.h"
#include "tests/test_util.h"

namespace svit {
namespace {

Request TextRequest(const std::string& text) {
  Request r;
  r.messages.push_back({"user", {ContentPart{ContentPart::Kind::kText, text, nullptr}}});
  return r;
}

Response Answer(const std::string& text) {
  Response r;
  r.text = text;
  r.finish_reason = "stop";
  r.usage = {11, 3, 1};
  return r;
}

TEST(ResponseCache, StoresAndReadsBackAcrossReopen) {
  testing::TempDir dir;
  std::string path = dir.File("cache.sqlite");
  std::string key = CacheKey("model-a", TextRequest("q"));
  {
    std::unique_ptr<ResponseCache> cache;
    ASSERT_TRUE(ResponseCache::Open(path, &cache).ok());
    Response out;
    EXPECT_FALSE(cache->Get(key, &out));
    Response answer = Answer("unicode é ✓ \"quoted\"\n");
    ASSERT_TRUE(cache->Put({{key, "model-a", "q", &answer}}).ok());
  }
  std::unique_ptr<ResponseCache> cache;
  ASSERT_TRUE(ResponseCache::Open(path, &cache).ok());
  Response out;
  ASSERT_TRUE(cache->Get(key, &out));
  EXPECT_EQ(out.text, "unicode é ✓ \"quoted\"\n");
  EXPECT_EQ(out.finish_reason, "stop");
  EXPECT_EQ(out.usage.prompt_tokens, 11);
  EXPECT_EQ(out.usage.completion_tokens, 3);
  EXPECT_EQ(out.usage.reasoning_tokens, 1);
  EXPECT_TRUE(out.ok());
  Response replaced = Answer("replaced"), other = Answer("other");
  std::string other_key = CacheKey("model-a", TextRequest("r"));
  ASSERT_TRUE(cache->Put({{key, "model-a", "q", &replaced}, {other_key, "model-a", "r", &other}}).ok());
  ASSERT_TRUE(cache->Get(key, &out));
  EXPECT_EQ(out.text, "replaced");
  ASSERT_TRUE(cache->Get(other_key, &out));
  EXPECT_EQ(out.text, "other");
  EXPECT_EQ(cache->Count(), 2u);
}

TEST(ResponseCache, RankAnswersKeepTheirLogLikelihoods) {
  Response r;
  r.option_logprobs = {-1.5, -0.25, -7};
  Response back;
  ASSERT_TRUE(DeserializeResponse(SerializeResponse(r), &back));
  EXPECT_EQ(back.option_logprobs, r.option_logprobs);
  EXPECT_FALSE(DeserializeResponse("{\"no\": 1}", &back));
  EXPECT_FALSE(DeserializeResponse("not json", &back));
}

TEST(ResponseCache, KeysSeparateModelsAndRequests) {
  EXPECT_NE(CacheKey("model-a", TextRequest("q")), CacheKey("model-b", TextRequest("q")));
  EXPECT_NE(CacheKey("model-a", TextRequest("q")), CacheKey("model-a", TextRequest("r")));
  EXPECT_EQ(CacheKey("model-a", TextRequest("q")), CacheKey("model-a", TextRequest("q")));
}

TEST(ResponseCache, UnopenablePathIsInvalidInput) {
  testing::TempDir dir;
  std::unique_ptr<ResponseCache> cache;
  Status status = ResponseCache::Open(dir.File("missing-folder/cache.sqlite"), &cache);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("missing-folder/cache.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace svit

// Choice-extraction fallback: VLMEvalKit's matching prompt byte for byte and
// the ask-retry-record loop with deterministic, unparsable and failed replies.
#include <gtest/gtest.h>

#include "tasks/mcq_judge.h"
#include "tests/fake_judge_client.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::FakeJudgeClient;
using testing::ReadText;
using testing::TextReply;

TEST(McqJudge, PromptIsVlmEvalKitsTemplate) {
  std::string tmpl = ReadText(DataPath("samples/judge_prompts/mcq_match_en_template.txt"));
  std::string expected = tmpl;
  for (const char* value : {"What is in the box", "OPTIONS", "a {curly} cat"}) {
    expected.replace(expected.find("{}"), 2, value);
  }
  EXPECT_EQ(RenderMcqMatchPrompt("What is in the box", "OPTIONS", "a {curly} cat"), expected);
}

TEST(McqJudge, OptionStringAsBuildOptionStr) {
  EXPECT_EQ(McqOptionString({{"A", "teddy bear"}, {"B", "rabbit"}}),
            "There are several options: \nA. teddy bear\nB. rabbit\n");
}

TEST(McqJudge, DefaultParserTakesALetterOrZ) {
  std::vector<McqChoice> choices = {{"A", "x"}, {"B", "y"}};
  EXPECT_EQ(ParseMcqLetter(" B\n", choices), "B");
  EXPECT_EQ(ParseMcqLetter("Z", choices), "Z");
  EXPECT_EQ(ParseMcqLetter("C", choices), "");
  EXPECT_EQ(ParseMcqLetter("B.", choices), "");
}

TEST(McqJudge, AsksRetriesAndRecordsWhatItCouldNotResolve) {
  std::vector<McqChoice> choices = {{"A", "cat"}, {"B", "dog"}, {"C", "bird"}};
  std::vector<McqFallbackItem> items = {
      {"q1", "Which animal", choices, "  it barks  "},
      {"q2", "Which animal", choices, "a fish"},
      {"q3", "Which animal", choices, "hmm"},
      {"q4", "Which animal", choices, "meow"},
  };
  FakeJudgeClient judge([](const JudgeRequest& r) {
    if (r.sample_id == "q1") return TextReply("B");
    if (r.sample_id == "q2") return TextReply(r.repeat == 0 ? "None of them" : "Z");
    if (r.sample_id == "q3") return TextReply("I cannot tell");
    JudgeReply failed;
    failed.status = Status::RunFailed("timeout");
    return failed;
  });
  JudgeSession session(&judge, McqJudgeProtocol({}));
  std::vector<McqFallbackResult> results;
  ASSERT_TRUE(AskMcqFallback(items, {}, ParseMcqLetter, &session, &results).ok());
  EXPECT_EQ(results[0].letter, "B");
  EXPECT_EQ(results[0].attempts, 1);
  EXPECT_EQ(results[1].letter, "Z");
  EXPECT_EQ(results[1].attempts, 2);
  EXPECT_EQ(results[2].letter, "");  // unresolved after three attempts, never a random pick
  EXPECT_EQ(results[2].attempts, 3);
  EXPECT_EQ(results[2].last_reply, "I cannot tell");
  EXPECT_TRUE(results[3].failed);
  EXPECT_EQ(results[3].last_reply, "timeout");
  // One request per attempt; retries differ by repeat so a cache cannot replay them.
  ASSERT_EQ(judge.requests().size(), 4u + 2u + 1u);
  EXPECT_EQ(judge.requests()[4].repeat, 1);
  EXPECT_EQ(judge.requests()[4].user, judge.requests()[1].user);
  // The prediction is stripped before it goes into the prompt.
  EXPECT_NE(judge.requests()[0].user.find("Answer: it barks\nYour output: "), std::string::npos);
  EXPECT_NE(judge.requests()[0].user.find("Question: Which animal?\nOptions: There are several options: \nA. cat\n"),
            std::string::npos);
  EXPECT_EQ(session.Record()["usage"]["failed"], 1);
}

}  // namespace
}  // namespace svit

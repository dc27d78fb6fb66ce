// Live judging through the CLI: `svit-eval score --task llava-bench --judge`
// against the mock server acting as a judge with deterministic reviews,
// malformed reviews, refusals and failures. The expected numbers are worked
// out by hand from the reviews the mock gives (LLaVA's summary: per category
// the column means rounded to 3 decimals, relative = round(model/ref*100, 1)).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::MockServer;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

constexpr const char* kKeyVariable = "SVIT_JUDGE_LIVE_TEST_KEY";
constexpr const char* kSecretKey = "sk-live-judge-SECRET-8d1f";

// Six In-the-Wild questions (conv 1-3, detail 4-6); model answer n contains
// the marker <mN> that the mock's rules match in the review prompt.
struct Bench {
  std::vector<std::string> files;  // score arguments up to --predictions
  std::string predictions;
};

std::string Lines(const std::vector<nlohmann::json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return text;
}

std::vector<nlohmann::json> ModelAnswers(const std::string& changed_third = "") {
  std::vector<nlohmann::json> answers;
  for (int id = 1; id <= 6; ++id) {
    std::string text = "model says <m" + std::to_string(id) + ">";
    if (id == 3 && !changed_third.empty()) text = changed_third;
    answers.push_back({{"question_id", id}, {"text", text}, {"answer_id", "m" + std::to_string(id)}});
  }
  return answers;
}

Bench MakeBench(const TempDir& dir) {
  std::vector<nlohmann::json> questions, context, references;
  for (int id = 1; id <= 6; ++id) {
    std::string image = "img" + std::to_string(id) + ".jpg";
    questions.push_back({{"question_id", id}, {"image", image}, {"text", "question " + std::to_string(id)},
                         {"category", id <= 3 ? "conv" : "detail"}});
    context.push_back({{"image", image}, {"caption", "caption " + std::to_string(id)}});
    references.push_back({{"question_id", id}, {"text", "reference " + std::to_string(id)}, {"answer_id", "r"}});
  }
  Bench bench;
  bench.files = {"score", "--task", "llava-bench",
                 "--questions", dir.Write("questions.jsonl", Lines(questions)),
                 "--context", dir.Write("context.jsonl", Lines(context)),
                 "--answers-ref", dir.Write("ref.jsonl", Lines(references)),
                 "--rule", DataPath("samples/llava_bench_coco/rule.json")};
  bench.predictions = dir.Write("model.jsonl", Lines(ModelAnswers()));
  return bench;
}

// The judge: <m1> 8 7, <m2> 9 6, <m3> malformed, <m4> refused (content
// filter), <m5> 10 8, <m6> HTTP 500 on every attempt.
nlohmann::json JudgeConfig(bool with_failure) {
  nlohmann::json config = {
      {"api_key", kSecretKey},
      {"reported_model", "judge-model-0613"},
      {"system_fingerprint", "fp_mock_1"},
      {"rules",
       {{{"match", "<m1>"}, {"answer", "8 7\nAssistant 1 is more precise."}},
        {{"match", "<m2>"}, {"answer", "9,6\nok"}},
        {{"match", "<m3>"}, {"answer", "Assistant 1 scores eight."}},
        {{"match", "<m4>"}, {"answer", nullptr}, {"finish_reason", "content_filter"}},
        {{"match", "<m5>"}, {"answer", "10 8\nfine"}},
        {{"match", "<m6>"}, {"answer", "7 7\nsame"}},
        {{"match", "<changed>"}, {"answer", "6 6\nchanged"}}}},
  };
  if (with_failure) config["faults"] = {{{"match", "<m6>"}, {"kind", "500"}, {"times", -1}}};
  return config;
}

std::vector<std::string> Args(const Bench& bench, const std::string& predictions, const MockServer& judge,
                              const std::vector<std::string>& extra) {
  std::vector<std::string> args = bench.files;
  args.insert(args.end(), {"--predictions", predictions, "--judge", "mockjudge=" + judge.url(), "--judge-model",
                           "judge-model", "--judge-api-key-env", kKeyVariable, "--judge-max-attempts", "2"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class JudgeLive : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kKeyVariable, kSecretKey, 1); }
  void TearDown() override { unsetenv(kKeyVariable); }
};

TEST_F(JudgeLive, LlavaBenchScoresThroughTheCliWithIdentityAndCounts) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  MockServer judge(JudgeConfig(/*with_failure=*/true));
  std::string result_path = dir.File("result.json");
  auto r = RunCli(Args(bench, bench.predictions, judge,
                       {"--judge-cache", dir.File("judge.sqlite"), "--judge-price-prompt", "10",
                        "--judge-price-completion", "30", "--output", result_path}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(result_path);
  const auto& m = result["metrics"];
  // Default mode: scored reviews only. conv (8,7),(9,6): means 8.5, 6.5 ->
  // 76.5; detail (10,8) -> 80.0; all (9.0, 7.0) -> 77.8.
  EXPECT_EQ(m["llava_bench_conv"]["relative_score"], 76.5);
  EXPECT_EQ(m["llava_bench_conv"]["reference_score_x10"], 85.0);
  EXPECT_EQ(m["llava_bench_conv"]["model_score_x10"], 65.0);
  EXPECT_EQ(m["llava_bench_detail"]["relative_score"], 80.0);
  EXPECT_EQ(m["all"]["relative_score"], 77.8);
  EXPECT_EQ(m["all"]["reference_score_x10"], 90.0);
  EXPECT_EQ(m["all"]["model_score_x10"], 70.0);
  EXPECT_EQ(m["all"]["averaged"], 3);
  EXPECT_EQ(m["all"]["parse_failures"], 2);  // the malformed and the refused review
  EXPECT_EQ(result["counts"]["answered"], 3);
  EXPECT_EQ(result["counts"]["unparseable"], 2);
  EXPECT_EQ(result["counts"]["failed"], 1);
  const auto& samples = result["per_sample"];
  ASSERT_EQ(samples.size(), 6u);
  EXPECT_EQ(samples[0]["score"], 7.0);
  EXPECT_EQ(samples[2]["judge_outcome"], "malformed");
  EXPECT_EQ(samples[3]["judge_outcome"], "refused");
  EXPECT_EQ(samples[5]["status"], "failed");
  EXPECT_EQ(samples[5]["judge_outcome"], "failed");
  EXPECT_NE(samples[5]["score"], -1);
  EXPECT_NE(r.out.find("2 reviews could not be parsed and are excluded from every mean"), std::string::npos) << r.out;

  // Identity: requested and reported model, version, template hash; printed too.
  const auto& j = result["judge"];
  EXPECT_EQ(j["endpoint"], "mockjudge");
  EXPECT_EQ(j["model"], "judge-model");
  EXPECT_EQ(j["reported_models"], nlohmann::json::array({"judge-model-0613"}));
  EXPECT_EQ(j["versions"], nlohmann::json::array({"fp_mock_1"}));
  std::string sha = j["prompt_template_sha256"].get<std::string>();
  EXPECT_TRUE(std::regex_match(sha, std::regex("[0-9a-f]{64}"))) << sha;
  EXPECT_NE(r.out.find("judge: judge-model via mockjudge (reported: judge-model-0613) (versions: fp_mock_1)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("prompt template sha256 " + sha), std::string::npos);
  EXPECT_EQ(j["usage"]["failed"], 1);
  EXPECT_EQ(j["usage"]["refused"], 1);
  EXPECT_EQ(j["usage"]["cached"], 0);
  EXPECT_TRUE(j["usage"]["cost_usd"].is_number());
  // The request went out as LLaVA's script sends it.
  auto last = judge.Stats()["last"]["body"];
  EXPECT_EQ(last["temperature"], 0.2);
  EXPECT_EQ(last["max_tokens"], 1024);
  EXPECT_EQ(last["messages"][0]["role"], "system");
  // 5 answered + 2 sends of the failing one.
  EXPECT_EQ(judge.Stats()["total"], 7);

  // The key reached the server (the mock checks it) and nothing else.
  for (const std::string& text : {r.out, r.err, ReadText(result_path), ReadText(dir.File("judge.sqlite"))}) {
    EXPECT_EQ(text.find(kSecretKey), std::string::npos);
  }
}

TEST_F(JudgeLive, OfficialModeAveragesUnparsedReviewsAsMinusOne) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  MockServer judge(JudgeConfig(/*with_failure=*/true));
  auto r = RunCli(Args(bench, bench.predictions, judge, {"--mode", "official", "--output", dir.File("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = ReadJsonFile(dir.File("r.json"))["metrics"];
  // conv (8,7),(9,6),(-1,-1): means 5.333, 4.0 -> 75.0; detail (-1,-1),(10,8):
  // 4.5, 3.5 -> 77.8; all: 5.0, 3.8 -> 76.0. The failed request stays out.
  EXPECT_EQ(m["llava_bench_conv"]["relative_score"], 75.0);
  EXPECT_EQ(m["llava_bench_detail"]["relative_score"], 77.8);
  EXPECT_EQ(m["all"]["relative_score"], 76.0);
  EXPECT_EQ(m["all"]["reviews"], 5);
}

TEST_F(JudgeLive, CacheReJudgesOnlyChangedAnswers) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  MockServer judge(JudgeConfig(/*with_failure=*/false));
  std::vector<std::string> cache = {"--judge-cache", dir.File("judge.sqlite"), "--output", dir.File("r.json")};
  auto first = RunCli(Args(bench, bench.predictions, judge, cache));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(judge.Stats()["total"], 6);
  auto first_result = ReadJsonFile(dir.File("r.json"));

  auto again = RunCli(Args(bench, bench.predictions, judge, cache));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(judge.Stats()["total"], 6);  // nothing sent
  auto again_result = ReadJsonFile(dir.File("r.json"));
  EXPECT_EQ(again_result["metrics"], first_result["metrics"]);
  EXPECT_EQ(again_result["judge"]["usage"]["cached"], 6);
  EXPECT_EQ(again_result["judge"]["reported_models"], first_result["judge"]["reported_models"]);
  EXPECT_EQ(again_result["judge"]["versions"], first_result["judge"]["versions"]);

  std::string changed = dir.Write("changed.jsonl", Lines(ModelAnswers("now <changed>")));
  auto third = RunCli(Args(bench, changed, judge, cache));
  ASSERT_EQ(third.exit_code, 0) << third.err;
  auto stats = judge.Stats();
  EXPECT_EQ(stats["total"], 7);  // only the changed answer
  auto third_result = ReadJsonFile(dir.File("r.json"));
  EXPECT_EQ(third_result["judge"]["usage"]["cached"], 5);
  EXPECT_EQ(third_result["per_sample"][2]["score"], 6.0);

  // Another judge model never reuses these verdicts.
  auto args = Args(bench, bench.predictions, judge, cache);
  args.insert(args.end(), {"--judge-model", "other-judge"});
  args.erase(std::find(args.begin(), args.end(), "judge-model"));
  args.erase(std::find(args.begin(), args.end(), "--judge-model"));
  auto other = RunCli(args);
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(judge.Stats()["total"], 13);
}

TEST_F(JudgeLive, RepeatsAreSeparateCacheEntries) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  MockServer judge(JudgeConfig(/*with_failure=*/false));
  std::vector<std::string> extra = {"--judge-cache", dir.File("judge.sqlite"), "--output", dir.File("r.json")};
  ASSERT_EQ(RunCli(Args(bench, bench.predictions, judge, extra)).exit_code, 0);
  EXPECT_EQ(judge.Stats()["total"], 6);
  extra.insert(extra.end(), {"--judge-repeats", "3"});
  auto r = RunCli(Args(bench, bench.predictions, judge, extra));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(judge.Stats()["total"], 18);  // repeat 0 came from the cache
  auto m = ReadJsonFile(dir.File("r.json"))["metrics"];
  EXPECT_EQ(m["judge_repeats"]["repeats"], 3);
  EXPECT_EQ(m["judge_repeats"]["all_relative_score_std"], 0.0);
}

TEST_F(JudgeLive, UnreachableJudgeExitsThree) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  auto args = bench.files;
  args.insert(args.end(), {"--predictions", bench.predictions, "--judge", "down=http://127.0.0.1:1", "--judge-model",
                           "m", "--judge-max-attempts", "1"});
  auto r = RunCli(args);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("judge down"), std::string::npos) << r.err;
}

TEST_F(JudgeLive, BadJudgeOptionsAreUsageErrors) {
  TempDir dir;
  Bench bench = MakeBench(dir);
  auto with = [&](std::vector<std::string> extra) {
    auto args = bench.files;
    args.insert(args.end(), {"--predictions", bench.predictions});
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  };
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9"}), {"--judge needs --judge-model"});
  testing::ExpectBadInput(with({"--judge", "http://127.0.0.1:9", "--judge-model", "m"}), {"--judge must be NAME=URL"});
  testing::ExpectBadInput(with({"--judge-model", "m"}), {"--judge-model needs --judge"});
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9", "--judge-model", "m", "--judge-replay", "x.jsonl"}),
                          {"either --judge", "or --judge-replay"});
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9", "--judge-model", "m", "--judge-price-prompt", "1"}),
                          {"give both --judge-price-prompt and --judge-price-completion"});
  unsetenv(kKeyVariable);
  auto r = with({"--judge", "j=http://127.0.0.1:9", "--judge-model", "m", "--judge-api-key-env", kKeyVariable});
  testing::ExpectBadInput(r, {kKeyVariable, "is not set or empty"});
}

TEST_F(JudgeLive, UnjudgedTaskRejectsAJudge) {
  auto r = RunCli({"score", "--task", "pope", "--judge", "j=http://127.0.0.1:9", "--judge-model", "m"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not judged"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace svit

// `svit-eval pairwise` against the mock server acting as a judge with
// deterministic reviews. Every expected count and rate below is worked out by
// hand from the reviews the mock gives; the Wilson bounds are
//   center = (p + z^2/2n) / (1 + z^2/n),
//   half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2),   z = 1.959963984540054,
// evaluated once in float64 and written out here.
#include <gtest/gtest.h>

#include <cstdlib>

#include "results/run_files.h"
#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ExpectBadInput;
using testing::MockServer;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

constexpr const char* kKeyVariable = "SVIT_PAIRWISE_TEST_KEY";
constexpr const char* kSecretKey = "sk-pairwise-SECRET-51c2";

std::string Lines(const std::vector<nlohmann::json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return text;
}

// Answers "<prefix> <qN>" to questions 1..6, in the order given.
std::string Answers(const std::string& prefix, const std::vector<int>& ids) {
  std::vector<nlohmann::json> answers;
  for (int id : ids) answers.push_back({{"question_id", id}, {"text", prefix + " <q" + std::to_string(id) + ">"}});
  return Lines(answers);
}

// Six In-the-Wild questions: conv 1-3, detail 4-6.
struct Bench {
  std::vector<std::string> files;  // pairwise arguments before --a
};

Bench MakeBench(const TempDir& dir) {
  std::vector<nlohmann::json> questions, context;
  for (int id = 1; id <= 6; ++id) {
    std::string image = "img" + std::to_string(id) + ".jpg";
    questions.push_back({{"question_id", id}, {"image", image}, {"text", "question " + std::to_string(id)},
                         {"category", id <= 3 ? "conv" : "detail"}});
    context.push_back({{"image", image}, {"caption", "caption " + std::to_string(id)}});
  }
  return Bench{{"pairwise", "--task", "llava-bench", "--questions", dir.Write("questions.jsonl", Lines(questions)),
                "--context", dir.Write("context.jsonl", Lines(context)), "--rule",
                DataPath("samples/llava_bench_coco/rule.json")}};
}

// Matches the review of question n with `side`'s answer shown first.
std::string First(const std::string& side, int n) {
  return "[Assistant 1]\n" + side + " <q" + std::to_string(n) + ">";
}

// The judge (score of Assistant 1, then Assistant 2):
//   q1  A first 8 6, B first 6 8   A wins in both orders     -> A wins
//   q2  A first 5 9, B first 9 5   B wins in both orders     -> B wins
//   q3  7 7 in both orders                                   -> tie
//   q4  9 4 in both orders: the first answer wins            -> tie, inconsistent
//   q5  A first malformed, B first 3 8                       -> undecided
//   q6  A first 8 2, B first HTTP 500 on every attempt       -> undecided
nlohmann::json JudgeConfig() {
  return {
      {"api_key", kSecretKey},
      {"reported_model", "judge-model-0613"},
      {"rules",
       {{{"match", First("alpha", 1)}, {"answer", "8 6\nA is better."}},
        {{"match", First("beta", 1)}, {"answer", "6 8\nthe second is better."}},
        {{"match", First("alpha", 2)}, {"answer", "5 9\nthe second is better."}},
        {{"match", First("beta", 2)}, {"answer", "9 5\nthe first is better."}},
        {{"match", "<q3>"}, {"answer", "7 7\nequal."}},
        {{"match", "<q4>"}, {"answer", "9 4\nthe first is better."}},
        {{"match", First("alpha", 5)}, {"answer", "Assistant 1 is better."}},
        {{"match", First("beta", 5)}, {"answer", "3 8\nthe second is better."}},
        {{"match", First("alpha", 6)}, {"answer", "8 2\nthe first is better."}},
        {{"match", First("beta", 6)}, {"answer", "5 5\nnever sent back"}}}},
      {"faults", {{{"match", First("beta", 6)}, {"kind", "500"}, {"times", -1}}}},
  };
}

std::vector<std::string> Args(const Bench& bench, const std::string& a, const std::string& b, const MockServer& judge,
                              const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = bench.files;
  args.insert(args.end(), {"--a", a, "--b", b, "--judge", "mockjudge=" + judge.url(), "--judge-model", "judge-model",
                           "--judge-api-key-env", kKeyVariable, "--judge-max-attempts", "2"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void ExpectRate(const nlohmann::json& rate, size_t count, double value, double low, double high) {
  EXPECT_EQ(rate["count"], count) << rate;
  EXPECT_NEAR(rate["rate"].get<double>(), value, 1e-12) << rate;
  EXPECT_NEAR(rate["ci95"][0].get<double>(), low, 1e-12) << rate;
  EXPECT_NEAR(rate["ci95"][1].get<double>(), high, 1e-12) << rate;
}

class PairwiseCli : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kKeyVariable, kSecretKey, 1); }
  void TearDown() override { unsetenv(kKeyVariable); }
  TempDir dir_;
  Bench bench_ = MakeBench(dir_);
};

TEST_F(PairwiseCli, BothOrdersGiveWinTieLossAndPositionInconsistency) {
  MockServer judge(JudgeConfig());
  // B's file is in another order: answers are matched by id.
  std::string a = dir_.Write("a.jsonl", Answers("alpha", {1, 2, 3, 4, 5, 6}));
  std::string b = dir_.Write("b.jsonl", Answers("beta", {6, 5, 4, 3, 2, 1}));
  std::string output = dir_.File("pairwise.json");
  auto r = RunCli(Args(bench_, "tuned=" + a, b, judge,
                       {"--judge-price-prompt", "10", "--judge-price-completion", "30", "--output", output}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(output);
  EXPECT_EQ(result["task"], "llava-bench");
  EXPECT_EQ(result["a"]["label"], "tuned");
  EXPECT_EQ(result["b"]["label"], "b.jsonl");

  // Decided: q1 A, q2 B, q3 tie, q4 tie (inconsistent); q5 and q6 undecided.
  const auto& all = result["summary"];
  EXPECT_EQ(all["items"], 6);
  EXPECT_EQ(all["decided"], 4);
  EXPECT_EQ(all["undecided"], 2);
  ExpectRate(all["a_wins"], 1, 0.25, 0.04558726080970055, 0.6993581574175981);
  ExpectRate(all["ties"], 2, 0.5, 0.15003898915214953, 0.8499610108478505);
  ExpectRate(all["b_wins"], 1, 0.25, 0.04558726080970055, 0.6993581574175981);
  ExpectRate(all["position_inconsistent"], 1, 0.25, 0.04558726080970055, 0.6993581574175981);
  // Decisive single reviews: q1 x2, q2 x2, q4 x2, q5 B-first, q6 A-first = 8;
  // the first shown won in q1 A-first, q2 B-first, q4 both, q6 A-first = 5.
  EXPECT_EQ(all["decisive_orders"], 8);
  ExpectRate(all["first_position_wins"], 5, 0.625, 0.3057423946026273, 0.8631557141764027);

  // conv (q1-q3): one each, all consistent; detail: only q4 decided, a tie.
  const auto& conv = result["categories"]["llava_bench_conv"];
  EXPECT_EQ(conv["decided"], 3);
  ExpectRate(conv["a_wins"], 1, 1.0 / 3, 0.06149194472039615, 0.7923403991979523);
  ExpectRate(conv["ties"], 1, 1.0 / 3, 0.06149194472039615, 0.7923403991979523);
  ExpectRate(conv["b_wins"], 1, 1.0 / 3, 0.06149194472039615, 0.7923403991979523);
  EXPECT_EQ(conv["position_inconsistent"]["count"], 0);
  const auto& detail = result["categories"]["llava_bench_detail"];
  EXPECT_EQ(detail["items"], 3);
  EXPECT_EQ(detail["decided"], 1);
  ExpectRate(detail["ties"], 1, 1.0, 0.20654931437723745, 1.0);
  ExpectRate(detail["position_inconsistent"], 1, 1.0, 0.20654931437723745, 1.0);

  // Parse failures and failed requests are counted, never scored.
  EXPECT_EQ(result["counts"]["a_first"], nlohmann::json({{"scored", 5}, {"malformed", 1}, {"refused", 0}, {"failed", 0}}));
  EXPECT_EQ(result["counts"]["b_first"], nlohmann::json({{"scored", 5}, {"malformed", 0}, {"refused", 0}, {"failed", 1}}));

  // Per item, both orders, scores from A's and B's side.
  const auto& items = result["per_item"];
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[0]["id"], "1");
  EXPECT_EQ(items[0]["verdict"], "a_wins");
  EXPECT_EQ(items[0]["a_first"]["score_a"], 8.0);
  EXPECT_EQ(items[0]["a_first"]["score_b"], 6.0);
  EXPECT_EQ(items[0]["b_first"]["score_a"], 8.0);
  EXPECT_EQ(items[0]["b_first"]["score_b"], 6.0);
  EXPECT_EQ(items[1]["verdict"], "b_wins");
  EXPECT_EQ(items[2]["verdict"], "tie");
  EXPECT_EQ(items[2]["position_consistent"], true);
  EXPECT_EQ(items[3]["verdict"], "tie");
  EXPECT_EQ(items[3]["position_consistent"], false);
  EXPECT_EQ(items[3]["b_first"]["score_b"], 9.0);
  EXPECT_TRUE(items[4]["verdict"].is_null());
  EXPECT_EQ(items[4]["a_first"]["outcome"], "malformed");
  EXPECT_EQ(items[4]["b_first"]["outcome"], "scored");
  EXPECT_TRUE(items[5]["verdict"].is_null());
  EXPECT_EQ(items[5]["b_first"]["outcome"], "failed");
  EXPECT_FALSE(items[5]["b_first"]["error"].get<std::string>().empty());

  // Identity and usage: 11 answered reviews plus 2 sends of the failing one.
  const auto& j = result["judge"];
  EXPECT_EQ(j["model"], "judge-model");
  EXPECT_EQ(j["reported_models"], nlohmann::json::array({"judge-model-0613"}));
  EXPECT_EQ(j["usage"]["requests"], 12);
  EXPECT_EQ(j["usage"]["failed"], 1);
  EXPECT_TRUE(j["usage"]["cost_usd"].is_number());
  EXPECT_NE(j["protocol"].get<std::string>().find("pairwise"), std::string::npos);
  EXPECT_EQ(judge.Stats()["total"], 13);

  // The printed summary.
  EXPECT_NE(r.out.find("A = tuned vs B = b.jsonl, 6 questions, 6 judged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("judge: judge-model via mockjudge (reported: judge-model-0613)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all: 4 of 6 items judged in both orders (2 undecided"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  A wins                 1   25.0% [4.6, 69.9]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  ties                   2   50.0% [15.0, 85.0]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  position-inconsistent  1   25.0% [4.6, 69.9]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("A first: 5 scored, 1 did not parse, 0 refused, 0 failed requests"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("B first: 5 scored, 0 did not parse, 0 refused, 1 failed requests"), std::string::npos) << r.out;
  for (const std::string& text : {r.out, r.err, ReadText(output)}) EXPECT_EQ(text.find(kSecretKey), std::string::npos);
}

TEST_F(PairwiseCli, PositionBiasedJudgeMakesEveryItemAnInconsistentTie) {
  // Whatever the answers, Assistant 1 gets 9 and Assistant 2 gets 4.
  MockServer judge({{"api_key", kSecretKey}, {"default_answer", "9 4\nThe first answer is better."}});
  std::string a = dir_.Write("a.jsonl", Answers("alpha", {1, 2, 3, 4, 5, 6}));
  std::string b = dir_.Write("b.jsonl", Answers("beta", {1, 2, 3, 4, 5, 6}));
  std::string output = dir_.File("biased.json");
  auto r = RunCli(Args(bench_, a, b, judge, {"-o", output}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(output);
  const auto& s = result["summary"];
  EXPECT_EQ(s["decided"], 6);
  ExpectRate(s["a_wins"], 0, 0.0, 0.0, 0.39033428790216534);
  ExpectRate(s["ties"], 6, 1.0, 0.6096657120978346, 1.0);
  ExpectRate(s["b_wins"], 0, 0.0, 0.0, 0.39033428790216534);
  ExpectRate(s["position_inconsistent"], 6, 1.0, 0.6096657120978346, 1.0);
  EXPECT_EQ(s["decisive_orders"], 12);
  ExpectRate(s["first_position_wins"], 12, 1.0, 0.7575059933447592, 1.0);
  EXPECT_NE(r.out.find("  position-inconsistent  6  100.0% [61.0, 100.0]"), std::string::npos) << r.out;
}

TEST_F(PairwiseCli, ReadsAnswersFromARunRecordAndSkipsFailedAnswers) {
  MockServer judge({{"api_key", kSecretKey}, {"default_answer", "6 6\nequal"}});
  // A run of model "tuned" whose answer to question 2 failed.
  RunRecord record;
  record.run_id = "r1-tuned";
  record.invocation = "r1";
  record.model_name = "tuned";
  record.status = "complete_with_failures";
  TaskRun task;
  task.task = "llava-bench";
  for (int id = 1; id <= 6; ++id) {
    SampleRun sample;
    sample.id = std::to_string(id);
    sample.response = id == 2 ? "" : "alpha <q" + std::to_string(id) + ">";
    if (id == 2) sample.error = "HTTP 500 after 6 attempts";
    task.samples.push_back(sample);
    SampleScore score;
    score.id = sample.id;
    score.status = id == 2 ? SampleStatus::kFailed : SampleStatus::kAnswered;
    task.score.per_sample.push_back(score);
  }
  task.score.task = "llava-bench";
  record.tasks.push_back(task);
  std::string run_dir = dir_.File("runs/r1/tuned");
  ASSERT_TRUE(WriteRunRecord(record, run_dir).ok());

  std::string b = dir_.Write("b.jsonl", Answers("beta", {1, 2, 3, 4, 5, 6}));
  std::string output = dir_.File("run.json.out");
  auto r = RunCli(Args(bench_, run_dir, b, judge, {"-o", output}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(output);
  EXPECT_EQ(result["a"]["label"], "tuned");
  EXPECT_EQ(result["counts"]["judged"], 5);
  EXPECT_EQ(result["counts"]["answer_failed_a"], 1);
  EXPECT_EQ(result["summary"]["items"], 5);
  ExpectRate(result["summary"]["ties"], 5, 1.0, 0.5655175352168251, 1.0);
  EXPECT_TRUE(result["per_item"][1]["verdict"].is_null());
  EXPECT_EQ(result["per_item"][1]["not_judged"], "model answer failed: A");
  EXPECT_EQ(judge.Stats()["total"], 10);
  EXPECT_NE(r.out.find("1 questions are not judged because a model's answer failed in its run (A: 1, B: 0)"),
            std::string::npos)
      << r.out;
}

TEST_F(PairwiseCli, MismatchedIdsAreNamed) {
  std::string a = dir_.Write("a.jsonl", Answers("alpha", {1, 2, 3, 4, 5, 6}));
  std::string b = dir_.Write("b.jsonl", Answers("beta", {1, 2, 4, 5, 6, 99}));
  // No judge is contacted: the ids are checked first.
  std::vector<std::string> args = bench_.files;
  args.insert(args.end(), {"--a", a, "--b", b, "--judge", "j=http://127.0.0.1:9", "--judge-model", "m"});
  ExpectBadInput(RunCli(args), {"--b " + b, "no answer to question ids 3", "answers to ids 99"});
}

TEST_F(PairwiseCli, BadUsageExitsTwo) {
  std::string a = dir_.Write("a.jsonl", Answers("alpha", {1, 2, 3, 4, 5, 6}));
  std::string dup = dir_.Write("dup.jsonl", Answers("beta", {1, 2, 3, 3, 4, 5, 6}));
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = bench_.files;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  };
  std::vector<std::string> judge = {"--judge", "j=http://127.0.0.1:9", "--judge-model", "m"};
  auto plus = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), judge.begin(), judge.end());
    return extra;
  };
  ExpectBadInput(with({"--a", a, "--b", a}), {"--judge is required"});
  ExpectBadInput(with(plus({"--a", a})), {"--b is required"});
  ExpectBadInput(with(plus({"--a", a, "--b", dup})), {dup + ":4: second answer to question_id 3 (first on line 3)"});
  ExpectBadInput(with(plus({"--a", a, "--b", a, "--answers-ref", a})), {"drop --answers-ref"});
  ExpectBadInput(with(plus({"--a", a, "--b", dir_.path()})), {dir_.path()});
  ExpectBadInput(with({"--a", a, "--b", a, "--judge", "nourl", "--judge-model", "m"}), {"--judge must be NAME=URL"});
  ExpectBadInput(with(plus({"--a", a, "--b", a, "--judge-temperature", "5"})), {"judge-temperature"});
  ExpectBadInput(RunCli({"pairwise", "--task", "mm-vet"}), {"only llava-bench"});
  ExpectBadInput(RunCli({"pairwise", "--bogus"}), {"bogus", "svit-eval pairwise --help"});
  auto help = RunCli({"pairwise", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("position-inconsistency"), std::string::npos);
  EXPECT_NE(help.out.find("--judge-cache FILE"), std::string::npos);
}

TEST_F(PairwiseCli, UnreachableJudgeExitsThree) {
  std::string a = dir_.Write("a.jsonl", Answers("alpha", {1, 2, 3, 4, 5, 6}));
  std::vector<std::string> args = bench_.files;
  args.insert(args.end(), {"--a", a, "--b", a, "--judge", "j=http://127.0.0.1:9", "--judge-model", "m",
                           "--judge-max-attempts", "1"});
  auto r = RunCli(args);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
}

}  // namespace
}  // namespace svit

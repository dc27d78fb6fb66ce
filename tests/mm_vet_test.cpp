// mm-vet: grader messages, retries and grade records against the official
// evaluator (tests/data/mm_vet_oracle), the replay of its grade file through
// the CLI with hand-checked aggregates, the protocol's corner cases, and bad input.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "tasks/judged_task.h"
#include "tasks/mm_vet.h"
#include "tasks/registry.h"
#include "tests/fake_judge_client.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::FakeJudgeClient;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;
using testing::TextReply;

const std::string kDir = "mm_vet_oracle/";
const char kHint[] = "\nPredict the correctness of the answer (digit): ";

// attempt 1 = the message without the hint; later attempts by temperature.
int AttemptOf(const JudgeRequest& request) {
  std::string_view user = request.user;
  bool hinted = user.size() >= sizeof kHint - 1 && user.substr(user.size() - (sizeof kHint - 1)) == kHint;
  if (!hinted) return 1;
  return 2 + static_cast<int>(request.temperature / 0.5);
}

// Answers as the oracle's stand-in client did, from script.json.
FakeJudgeClient ScriptedJudge() {
  auto script = ReadJsonFile(DataPath(kDir + "script.json"));
  return FakeJudgeClient([script](const JudgeRequest& request) {
    const auto& by_run = script[request.sample_id];
    std::string run = std::to_string(request.repeat);
    const auto& replies = by_run.contains(run) ? by_run[run] : by_run["0"];
    size_t attempt = std::min<size_t>(AttemptOf(request), replies.size());
    const auto& reply = replies[attempt - 1];
    if (reply.is_null()) {
      JudgeReply refused = TextReply("", "gpt-4-0613");
      refused.refused = true;
      return refused;
    }
    return TextReply(reply.get<std::string>(), "gpt-4-0613");
  }, "gpt-4-0613");
}

TaskConfig Config(std::map<std::string, std::string> extra = {}) {
  TaskConfig config;
  config.Set("annotations", DataPath(kDir + "mm-vet.json"));
  config.Set("predictions", DataPath(kDir + "results.json"));
  config.Set("mode", "default");
  config.Set("runs", "2");
  for (auto& [k, v] : extra) config.Set(k, v);
  return config;
}

struct Loaded {
  std::unique_ptr<Task> task;
  const JudgedTask* judged = nullptr;
  std::vector<Prediction> predictions;
};

Status LoadTask(const TaskConfig& config, Loaded* out) {
  SVIT_RETURN_IF_ERROR(CreateTask("mm-vet", &out->task));
  out->judged = dynamic_cast<const JudgedTask*>(out->task.get());
  SVIT_RETURN_IF_ERROR(out->task->Load(config));
  return out->task->ReadPredictions(config, &out->predictions);
}

TEST(MmvetPrompt, GraderPromptIsTheOfficialFile) {
  MmvetItem item{"v1_9", "x.png", "Q?", "a<AND>b<OR>c", {"rec"}};
  std::string prompt = ReadText(DataPath("samples/judge_prompts/mmvet_grader_prompt.txt"));
  EXPECT_EQ(RenderMmvetGraderMessage(item, "pred", false), prompt + "\nQ? | a <AND> b <OR> c | pred | ");
  EXPECT_EQ(RenderMmvetGraderMessage(item, "pred", true), prompt + "\nQ? | a <AND> b <OR> c | pred | " + kHint);
}

TEST(MmvetOracle, LiveGradingSendsWhatTheOfficialEvaluatorSends) {
  Loaded loaded;
  Status status = LoadTask(Config({{"mode", "official"}}), &loaded);
  ASSERT_TRUE(status.ok()) << status.message();
  FakeJudgeClient judge = ScriptedJudge();
  ScoreResult result;
  status = loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result);
  ASSERT_TRUE(status.ok()) << status.message();

  // The evaluator's requests, except the sixth of an exhausted grading,
  // whose reply it never reads (svit-eval does not send it).
  using Key = std::tuple<std::string, int, int>;
  std::map<Key, nlohmann::json> expected;
  std::string log = ReadText(DataPath(kDir + "requests.jsonl"));
  for (size_t start = 0; start < log.size();) {
    size_t end = log.find('\n', start);
    auto r = nlohmann::json::parse(log.substr(start, end - start));
    start = end + 1;
    if (r["attempt"] == 6) continue;
    expected[{r["id"], r["run"], r["attempt"]}] = r;
  }
  ASSERT_EQ(judge.requests().size(), expected.size());
  for (const JudgeRequest& request : judge.requests()) {
    Key key{request.sample_id, request.repeat, AttemptOf(request)};
    ASSERT_TRUE(expected.count(key)) << request.sample_id << " run " << request.repeat;
    const auto& e = expected[key];
    ASSERT_EQ(e["messages"].size(), 1u);
    EXPECT_EQ(e["messages"][0]["role"], "user");
    EXPECT_EQ(request.system, "");
    EXPECT_EQ(request.user, e["messages"][0]["content"].get<std::string>());
    EXPECT_EQ(request.temperature, e["temperature"].get<double>());
    EXPECT_EQ(request.max_tokens, e["max_tokens"].get<int>());
  }

  auto grades = ReadJsonFile(DataPath(kDir + "grades.json"));
  for (const auto& s : result.per_sample) {
    for (int run = 0; run < 2; ++run) {
      const auto& g = s.detail["grades"][run];
      EXPECT_EQ(g["score"], grades[s.id]["score"][run]) << s.id << " run " << run;
      EXPECT_EQ(g["content"], grades[s.id]["content"][run]) << s.id << " run " << run;
      EXPECT_EQ(g["model"], grades[s.id]["model"][run]);
    }
  }
  EXPECT_EQ(result.per_sample[3].detail["grades"][0]["outcome"], "exhausted");
  EXPECT_EQ(result.per_sample[3].detail["grades"][0]["attempts"], 5);
  EXPECT_EQ(result.judge["usage"]["refused"], 4);
  EXPECT_EQ(result.judge["reported_models"], nlohmann::json::array({"gpt-4-0613"}));
}

std::vector<std::string> Args(std::vector<std::string> extra) {
  std::vector<std::string> args = {"score", "--task", "mm-vet", "--annotations", DataPath(kDir + "mm-vet.json"),
                                   "--runs", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Hand-checked from grades.json. Run 0: 1.0+0.8+0.5+0+0.3+0+0.7 = 3.3 of 7 samples
// (47.14...), run 1: 0.9+0.7+0.6+0+0.4+0.2+1.0 = 3.8 (54.29...): total 50.7,
// population std 3.57... -> 3.6. ocr (v1_0, v1_3, v1_4): 43.33 both runs; math (v1_0):
// 100 and 90; spat (v1_4, v1_5): 15 and 30; know = gen (v1_1, v1_6): 75 and 85.
TEST(MmvetReplay, OfficialModeAggregatesTheGradeFile) {
  TempDir dir;
  auto r = RunCli(Args({"--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                        DataPath(kDir + "grades.json"), "--mode", "official", "--output", dir.File("out.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("out.json"));
  const auto& m = result["metrics"];
  EXPECT_EQ(m["total"], 50.7);
  EXPECT_EQ(m["std"], 3.6);
  EXPECT_EQ(m["runs"], nlohmann::json::array({47.1, 54.3}));
  EXPECT_EQ(m["capabilities"]["ocr"], 43.3);
  EXPECT_EQ(m["capabilities"]["math"], 95.0);
  EXPECT_EQ(m["capabilities"]["spat"], 22.5);
  EXPECT_EQ(m["capabilities"]["know"], 80.0);
  EXPECT_EQ(m["capabilities"]["gen"], 80.0);
  // v1_1 and v1_6 list {rec, know, gen} in different orders: one combination.
  EXPECT_EQ(m["capability_integrations"]["rec_know_gen"], 80.0);
  EXPECT_EQ(m["capability_integrations"]["ocr_math"], 95.0);
  EXPECT_EQ(m["capability_integrations"].size(), 6u);
  EXPECT_NEAR(result["metrics_unrounded"]["total"].get<double>(), (3.3 / 7 + 3.8 / 7) * 50, 1e-9);
  std::string csv = result["official_output"];
  EXPECT_EQ(csv.substr(0, csv.find('\n')), ",rec,ocr,know,gen,spat,math,total,std,runs");
  EXPECT_NE(csv.find(",80.0,80.0,22.5,95.0,50.7,3.6,\"[47.1, 54.3]\"\n"), std::string::npos) << csv;
  EXPECT_EQ(result["counts"]["unparseable"], 1);  // v1_3 ran out of retries in both runs
  EXPECT_NE(r.out.find("2 gradings ran out of retries (5 replies without a grade): graded 0.0"), std::string::npos);
  EXPECT_NE(r.out.find("judge: model not recorded via replay of"), std::string::npos);
  EXPECT_NE(r.out.find("(reported: gpt-4-0613)"), std::string::npos);
}

TEST(MmvetReplay, DefaultModeExcludesExhaustedGradings) {
  TempDir dir;
  auto r = RunCli(Args({"--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                        DataPath(kDir + "grades.json"), "--output", dir.File("out.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("out.json"));
  // Without v1_3: 3.3/6 = 55.0 and 3.8/6 = 63.33...; mean 59.17 -> 59.2, std 4.17 -> 4.2.
  EXPECT_EQ(result["metrics"]["total"], 59.2);
  EXPECT_EQ(result["metrics"]["std"], 4.2);
  EXPECT_EQ(result["metrics"]["capabilities"]["ocr"], 65.0);  // (1.0+0.3)/2 and (0.9+0.4)/2
  EXPECT_EQ(result["per_sample"][3]["status"], "unparseable");
  EXPECT_NE(r.out.find("excluded from every mean (--mode official grades them 0.0"), std::string::npos);
  // The evaluator's own output keeps its rule.
  EXPECT_NE(result["official_output"].get<std::string>().find(",50.7,3.6,"), std::string::npos);
}

TEST(MmvetReplay, LlavaAnswerJsonlScoresLikeTheResultsFile) {
  TempDir dir;
  auto results = ReadJsonFile(DataPath(kDir + "results.json"));
  std::string lines;
  for (const auto& [id, text] : results.items()) {
    lines += nlohmann::json({{"question_id", std::stoi(id.substr(3))}, {"prompt", "p"}, {"text", text}}).dump() + "\n";
  }
  std::string jsonl = dir.Write("answers.jsonl", lines);
  auto a = RunCli(Args({"--predictions", jsonl, "--judge-replay", DataPath(kDir + "grades.json"), "-o", dir.File("a.json")}));
  auto b = RunCli(Args({"--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                        DataPath(kDir + "grades.json"), "-o", dir.File("b.json")}));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(ReadJsonFile(dir.File("a.json"))["metrics"], ReadJsonFile(dir.File("b.json"))["metrics"]);
}

TEST(MmvetJudge, NanIsNotAGrade) {
  // The official range test lets float("nan") through; svit-eval retries.
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config({{"runs", "1"}}), &loaded).ok());
  FakeJudgeClient judge([](const JudgeRequest& r) { return TextReply(AttemptOf(r) == 1 ? "nan" : "0.5"); });
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  EXPECT_EQ(result.metrics["total"], 50.0);
  EXPECT_EQ(result.per_sample[0].detail["grades"][0]["attempts"], 2);
}

TEST(MmvetJudge, FailedRequestsAreExcludedAndCounted) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config({{"runs", "1"}, {"mode", "official"}}), &loaded).ok());
  FakeJudgeClient judge([](const JudgeRequest& r) {
    if (r.sample_id != "v1_0") return TextReply("1.0");
    JudgeReply failed;
    failed.status = Status::RunFailed("HTTP 503 after 5 attempts");
    return failed;
  });
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.metrics["total"], 100.0);  // 6 of 6 graded samples are right
  EXPECT_EQ(result.per_sample[0].status, SampleStatus::kFailed);
  EXPECT_EQ(result.per_sample[0].detail["grades"][0]["content"], "HTTP 503 after 5 attempts");
  EXPECT_EQ(judge.requests().size(), 7u);  // a failure is not retried by the protocol
}

TEST(MmvetJudge, FailedModelAnswersAreNotGraded) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config({{"runs", "1"}}), &loaded).ok());
  for (auto& p : loaded.predictions) p.failed = p.id == "v1_2";
  FakeJudgeClient judge([](const JudgeRequest&) { return TextReply("0.5"); });
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  EXPECT_EQ(judge.requests().size(), 6u);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.per_sample[2].status, SampleStatus::kFailed);
  EXPECT_EQ(result.metrics["total"], 50.0);
  EXPECT_EQ(result.notes.front(), "1 model answers failed (no answer) and are not graded");
}

void ExpectBadInput(const testing::CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(MmvetInput, BadInputIsNamed) {
  TempDir dir;
  auto results = ReadJsonFile(DataPath(kDir + "results.json"));
  ExpectBadInput(RunCli(Args({"--predictions", DataPath(kDir + "results.json")})),
                 "mm-vet is scored by a judge model: give --judge-replay");

  auto fewer = results;
  fewer.erase("v1_4");
  ExpectBadInput(RunCli(Args({"--predictions", dir.Write("fewer.json", fewer.dump()), "--judge-replay",
                              DataPath(kDir + "grades.json")})),
                 "1 of 7 samples have no prediction; mm-vet_evaluator.py needs every sample answered: v1_4");
  auto extra = results;
  extra["v2_0"] = "x";
  ExpectBadInput(RunCli(Args({"--predictions", dir.Write("extra.json", extra.dump())})),
                 "1 prediction(s) for ids the benchmark does not have: v2_0");
  auto typed = results;
  typed["v1_2"] = 3;
  ExpectBadInput(RunCli(Args({"--predictions", dir.Write("typed.json", typed.dump())})),
                 "the answer for 'v1_2' must be a string, got an integer");

  auto grades = ReadJsonFile(DataPath(kDir + "grades.json"));
  auto edited = grades;
  edited.erase("v1_5");
  ExpectBadInput(RunCli(Args({"--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                              dir.Write("g1.json", edited.dump())})),
                 "g1.json: no grades for 1 sample(s): v1_5");
  edited = grades;
  edited["v1_2"]["score"][1] = 0.9;
  ExpectBadInput(RunCli(Args({"--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                              dir.Write("g2.json", edited.dump())})),
                 "g2.json: v1_2: run 1 has score 0.9 but content '0.6' is not that grade");
  ExpectBadInput(RunCli({"score", "--task", "mm-vet", "--annotations", DataPath(kDir + "mm-vet.json"), "--runs", "3",
                         "--predictions", DataPath(kDir + "results.json"), "--judge-replay",
                         DataPath(kDir + "grades.json")}),
                 "v1_0: has 2 graded runs, --runs asks for 3");

  auto data = ReadJsonFile(DataPath(kDir + "mm-vet.json"));
  data["v1_1"].erase("capability");
  ExpectBadInput(RunCli({"score", "--task", "mm-vet", "--annotations", dir.Write("mm.json", data.dump()),
                         "--predictions", DataPath(kDir + "results.json")}),
                 "mm.json: v1_1: missing field 'capability'");
  ExpectBadInput(RunCli({"score", "--task", "mm-vet", "--annotations", DataPath(kDir + "mm-vet.json"), "--runs", "0",
                         "--predictions", DataPath(kDir + "results.json")}),
                 "--runs must be an integer from 1 to 100, got '0'");
}

}  // namespace
}  // namespace svit

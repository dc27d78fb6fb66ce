// Judges inside `svit-eval run`, end to end: the real binary, one mock
// server as the model and another as the judge, on LLaVA-Bench COCO (the 90
// qa90 questions) and MM-Vet (the 7 synthetic items of mm_vet_oracle). The
// model answers each question with a marker; the judge's rules answer each
// marker with a fixed review or grade, a malformed one, a refusal or HTTP
// 500s. Every expected number below is worked out by hand from those
// scripted replies:
// - LLaVA-Bench COCO (summarize_gpt_review.py: column means rounded to 3
//   decimals, relative = round(model / reference * 100, 1)): conv answers
//   get "8 6", detail "9 3", complex "10 5"; question 0 (conv) gets a
//   malformed review, 1 (detail) a refusal, 2 (complex) only HTTP 500s.
//   Default mode excludes all three, so conv 75.0 (80.0, 60.0), detail
//   33.3 (90.0, 30.0), complex 50.0 (100.0, 50.0); all = 29 of each:
//   means 9.0 and 14/3 -> 4.667, relative round(466.7 / 9, 1) = 51.9.
// - MM-Vet (one run, scores * 100 per column): v1_0 1.0, v1_1 0.8, v1_2
//   0.5, v1_3 "N/A" five times (exhausted: excluded by default), v1_4 0.3,
//   v1_5 refused then 0.2 on the first hinted retry, v1_6 HTTP 500s
//   (failed). total = 2.8 / 5 = 56.0; ocr (1.0, 0.3) 65.0; math 100.0; rec
//   (0.8, 0.5, 0.2) 50.0; know 80.0; gen 80.0; spat (0.3, 0.2) 25.0.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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

constexpr const char* kModelKeyVariable = "SVIT_RUN_JUDGE_TEST_MODEL_KEY";
constexpr const char* kModelKey = "sk-model-SECRET-41c7";
constexpr const char* kJudgeKeyVariable = "SVIT_RUN_JUDGE_TEST_JUDGE_KEY";
constexpr const char* kJudgeKey = "sk-judge-SECRET-93ab";

const std::string kCoco = "samples/llava_bench_coco/";
const std::string kMmvet = "mm_vet_oracle/";

std::vector<nlohmann::json> JsonLines(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::string text = ReadText(path);
  for (size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) rows.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  }
  return rows;
}

// The model's answers, by question text: LLaVA-Bench answers carry their
// category's marker (questions 0-2 a special one), MM-Vet answers [[vN]].
// `prefix` makes another model's answers differ in text, not in verdict.
nlohmann::json ModelConfig(const std::string& prefix) {
  nlohmann::json answers = nlohmann::json::object();
  for (const auto& q : JsonLines(DataPath(kCoco + "qa90_questions.jsonl"))) {
    static const std::map<int, std::string> kSpecial = {{0, "[[malformed]]"}, {1, "[[refused]]"}, {2, "[[fails]]"}};
    int id = q["question_id"].get<int>();
    std::string marker = kSpecial.count(id) ? kSpecial.at(id) : "[[" + q["category"].get<std::string>() + "-answer]]";
    answers[q["text"].get<std::string>()] = prefix + "answer " + marker;
  }
  nlohmann::json mmvet = ReadJsonFile(DataPath(kMmvet + "mm-vet.json"));
  for (const auto& [id, item] : mmvet.items()) {
    answers[item["question"].get<std::string>()] = prefix + "answer [[" + id.substr(3) + "]]";
  }
  return {{"answers", answers}, {"api_key", kModelKey}};
}

// The judge's scripted replies (see the file comment). Without failures the
// two failing markers get ordinary verdicts instead.
nlohmann::json JudgeConfig(bool with_failures) {
  nlohmann::json rules = {
      {{"match", "[[malformed]]"}, {"answer", "no scores in this review"}},
      {{"match", "[[refused]]"}, {"answer", nullptr}, {"finish_reason", "content_filter"}},
      {{"match", "[[conv-answer]]"}, {"answer", "8 6\nfine"}},
      {{"match", "[[detail-answer]]"}, {"answer", "9 3\nfine"}},
      {{"match", "[[complex-answer]]"}, {"answer", "10 5\nfine"}},
      {{"match", "[[fails]]"}, {"answer", "10 5\nfine"}},
      {{"match", "[[0]]"}, {"answer", "1.0"}},
      {{"match", "[[1]]"}, {"answer", "0.8"}},
      {{"match", "[[2]]"}, {"answer", "0.5"}},
      {{"match", "[[3]]"}, {"answer", "N/A"}},
      {{"match", "[[4]]"}, {"answer", "0.3"}},
      {{"match", "[[5]] | \nPredict the correctness"}, {"answer", "0.2"}},
      {{"match", "[[5]]"}, {"answer", nullptr}, {"finish_reason", "content_filter"}},
      {{"match", "[[6]]"}, {"answer", "0.7"}},
  };
  nlohmann::json config = {{"rules", rules},
                           {"api_key", kJudgeKey},
                           {"reported_model", "judge-model-0613"},
                           {"system_fingerprint", "fp_judge_1"}};
  if (with_failures) {
    config["faults"] = {{{"match", "[[fails]]"}, {"kind", "500"}, {"times", -1}},
                        {{"match", "[[6]]"}, {"kind", "500"}, {"times", -1}}};
  }
  return config;
}

nlohmann::json FastRetry(int max_attempts) {
  return {{"max_attempts", max_attempts}, {"initial_delay_seconds", 0.01}, {"max_delay_seconds", 0.02}};
}

class RunJudgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(kModelKeyVariable, kModelKey, 1);
    setenv(kJudgeKeyVariable, kJudgeKey, 1);
    images_ = dir_.File("images");
    std::set<std::string> names;
    for (const auto& q : JsonLines(DataPath(kCoco + "qa90_questions.jsonl"))) names.insert(q["image"].get<std::string>());
    nlohmann::json mmvet = ReadJsonFile(DataPath(kMmvet + "mm-vet.json"));
    for (const auto& [id, item] : mmvet.items()) {
      names.insert(item["imagename"].get<std::string>());
    }
    unsigned char shade = 0;
    for (const auto& name : names) testing::WriteTestImage(images_ + "/" + name, 8, 8, shade += 7);
  }
  void TearDown() override {
    unsetenv(kModelKeyVariable);
    unsetenv(kJudgeKeyVariable);
  }

  nlohmann::json Model(const std::string& name, const MockServer& server) {
    return {{"name", name},
            {"base_url", server.url() + "/v1"},
            {"model_id", name + "-vlm"},
            {"api_key_env", kModelKeyVariable},
            {"retry", FastRetry(2)}};
  }

  // A model nothing is sent to (the run stops before).
  static nlohmann::json Unreachable() { return {{"name", "m"}, {"base_url", "http://127.0.0.1:9/v1"}}; }

  nlohmann::json Judge(const std::string& base_url) {
    return {{"name", "mockjudge"},
            {"base_url", base_url},
            {"model_id", "judge-4"},
            {"api_key_env", kJudgeKeyVariable},
            {"retry", FastRetry(2)},
            {"price_prompt", 10},
            {"price_completion", 30}};
  }

  nlohmann::json LlavaBenchTask() {
    return {{"name", "llava-bench"},
            {"files",
             {{"questions", DataPath(kCoco + "qa90_questions.jsonl")},
              {"context", DataPath(kCoco + "caps_boxes_coco2014_val_80.jsonl")},
              {"answers-ref", DataPath(kCoco + "qa90_gpt4_answer.jsonl")},
              {"rule", DataPath(kCoco + "rule.json")}}},
            {"images", images_}};
  }

  nlohmann::json MmvetTask() {
    return {{"name", "mm-vet"}, {"files", {{"annotations", DataPath(kMmvet + "mm-vet.json")}}}, {"images", images_}};
  }

  // A suite of `models` on both tasks, judged by `judge` unless null.
  std::string Suite(const std::vector<nlohmann::json>& models, const nlohmann::json& judge,
                    std::vector<nlohmann::json> tasks = {}) {
    if (tasks.empty()) tasks = {LlavaBenchTask(), MmvetTask()};
    nlohmann::json suite = {{"output", dir_.File("runs")}, {"models", models}, {"tasks", tasks}};
    if (!judge.is_null()) suite["judge"] = judge;
    return dir_.Write("suite-" + std::to_string(++suites_) + ".json", suite.dump(2));
  }

  testing::CliResult Run(const std::string& suite, const std::string& run_id) {
    return RunCli({"run", "--config", suite, "--run-id", run_id, "--progress-interval", "60"});
  }

  nlohmann::json Record(const std::string& run_id, const std::string& model) {
    return ReadJsonFile(dir_.File("runs/" + run_id + "/" + model + "/run.json"));
  }

  static const nlohmann::json& TaskOf(const nlohmann::json& record, const std::string& task) {
    for (const auto& t : record["tasks"]) {
      if (t["task"] == task) return t;
    }
    ADD_FAILURE() << "no task " << task;
    static const nlohmann::json kNone;
    return kNone;
  }

  // The headline numbers of the two tasks, as worked out in the file comment.
  static void ExpectScriptedNumbers(const nlohmann::json& record) {
    const auto& bench = TaskOf(record, "llava-bench");
    const auto& m = bench["metrics"];
    EXPECT_EQ(m["conv"]["relative_score"], 75.0);
    EXPECT_EQ(m["conv"]["reference_score_x10"], 80.0);
    EXPECT_EQ(m["conv"]["model_score_x10"], 60.0);
    EXPECT_EQ(m["detail"]["relative_score"], 33.3);
    EXPECT_EQ(m["detail"]["reference_score_x10"], 90.0);
    EXPECT_EQ(m["detail"]["model_score_x10"], 30.0);
    EXPECT_EQ(m["complex"]["relative_score"], 50.0);
    EXPECT_EQ(m["complex"]["model_score_x10"], 50.0);
    EXPECT_EQ(m["all"]["relative_score"], 51.9);
    EXPECT_EQ(m["all"]["reference_score_x10"], 90.0);
    EXPECT_EQ(m["all"]["model_score_x10"], 46.7);
    EXPECT_EQ(m["all"]["averaged"], 87);
    EXPECT_EQ(m["all"]["reviews"], 89);  // the failed request has no review

    const auto& mmvet = TaskOf(record, "mm-vet");
    const auto& v = mmvet["metrics"];
    EXPECT_EQ(v["total"], 56.0);
    EXPECT_EQ(v["std"], 0.0);
    EXPECT_EQ(v["capabilities"]["ocr"], 65.0);
    EXPECT_EQ(v["capabilities"]["math"], 100.0);
    EXPECT_EQ(v["capabilities"]["rec"], 50.0);
    EXPECT_EQ(v["capabilities"]["know"], 80.0);
    EXPECT_EQ(v["capabilities"]["gen"], 80.0);
    EXPECT_EQ(v["capabilities"]["spat"], 25.0);
    EXPECT_EQ(v["capability_integrations"]["ocr_spat"], 30.0);
    EXPECT_EQ(v["capability_integrations"]["rec_spat"], 20.0);
  }

  TempDir dir_;
  std::string images_;
  int suites_ = 0;
};

TEST_F(RunJudgeTest, ScoresJudgedTasksWithIdentityUsageAndFailures) {
  MockServer model(ModelConfig(""));
  MockServer judge(JudgeConfig(/*with_failures=*/true));
  auto r = Run(Suite({Model("mock", model)}, Judge(judge.url() + "/v1")), "r1");
  // The judge's failed requests make the run incomplete (exit 3), records written.
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("2 judge request(s) failed after retries"), std::string::npos) << r.err;
  EXPECT_EQ(model.Stats()["total"], 97);  // 90 + 7 questions
  // LLaVA-Bench: 89 reviews + 2 sends of the failing one; MM-Vet: 6 + 2
  // (v1_6) first attempts, then v1_3 and v1_5 hinted, then v1_3 three more.
  EXPECT_EQ(judge.Stats()["total"], 91 + 13);

  auto record = Record("r1", "mock");
  EXPECT_EQ(record["status"], "complete_with_failures");
  ExpectScriptedNumbers(record);

  const auto& bench = TaskOf(record, "llava-bench");
  EXPECT_EQ(bench["counts"]["total"], 90);
  EXPECT_EQ(bench["counts"]["answered"], 87);
  EXPECT_EQ(bench["counts"]["unparseable"], 2);  // the malformed and the refused review
  EXPECT_EQ(bench["counts"]["failed"], 1);
  EXPECT_EQ(bench["metrics"]["all"]["parse_failures"], 2);
  const auto& samples = bench["per_sample"];
  EXPECT_EQ(samples[0]["judge_outcome"], "malformed");
  EXPECT_EQ(samples[1]["judge_outcome"], "refused");
  EXPECT_EQ(samples[2]["judge_outcome"], "failed");
  EXPECT_EQ(samples[2]["status"], "failed");
  EXPECT_EQ(samples[3]["score"], 6.0);
  // The model's own requests all succeeded.
  EXPECT_EQ(bench["requests"]["failed"], 0);

  // The judge's identity and usage with every judged result.
  const auto& j = bench["judge"];
  EXPECT_EQ(j["endpoint"], "mockjudge");
  EXPECT_EQ(j["model"], "judge-4");
  EXPECT_EQ(j["reported_models"], nlohmann::json::array({"judge-model-0613"}));
  EXPECT_EQ(j["versions"], nlohmann::json::array({"fp_judge_1"}));
  EXPECT_EQ(j["parameters"]["temperature"], 0.2);
  EXPECT_EQ(j["usage"]["requests"], 90);
  EXPECT_EQ(j["usage"]["failed"], 1);
  EXPECT_EQ(j["usage"]["refused"], 1);
  EXPECT_EQ(j["usage"]["cached"], 0);
  // The mock counts words: "8 6\nfine" is 3, the malformed review 5, a refusal 0.
  EXPECT_EQ(j["usage"]["completion_tokens"], 87 * 3 + 5);
  double prompt_tokens = j["usage"]["prompt_tokens"].get<double>();
  EXPECT_GT(prompt_tokens, 0);
  EXPECT_DOUBLE_EQ(j["usage"]["cost_usd"].get<double>(), (prompt_tokens * 10 + (87 * 3 + 5) * 30) / 1e6);

  const auto& mmvet = TaskOf(record, "mm-vet");
  EXPECT_EQ(mmvet["counts"]["answered"], 5);
  EXPECT_EQ(mmvet["counts"]["unparseable"], 1);  // v1_3: retries exhausted
  EXPECT_EQ(mmvet["counts"]["failed"], 1);       // v1_6: no reply
  EXPECT_EQ(mmvet["per_sample"][3]["status"], "unparseable");
  EXPECT_EQ(mmvet["per_sample"][5]["score"], 0.2);
  EXPECT_EQ(mmvet["per_sample"][6]["status"], "failed");
  const auto& g = mmvet["judge"];
  EXPECT_EQ(g["model"], "judge-4");
  EXPECT_EQ(g["protocol"], "mm-vet_evaluator.py");
  EXPECT_EQ(g["usage"]["requests"], 7 + 2 + 3);
  EXPECT_EQ(g["usage"]["refused"], 1);
  EXPECT_EQ(g["usage"]["failed"], 1);
  // One word per grade reply: 5 first grades + v1_5's retry + v1_3's four more "N/A".
  EXPECT_EQ(g["usage"]["completion_tokens"], 5 + 1 + 4);
  EXPECT_NE(g["prompt_template_sha256"], j["prompt_template_sha256"]);

  // The run's config names the judge, its prices and its key's variable.
  const auto& config_judge = record["config"]["judge"];
  EXPECT_EQ(config_judge["model_id"], "judge-4");
  EXPECT_EQ(config_judge["api_key_env"], kJudgeKeyVariable);
  EXPECT_EQ(config_judge["price_prompt"], 10);
  EXPECT_EQ(config_judge["price_completion"], 30);

  // The summary names the judge next to the judged numbers.
  std::string line = "judge: judge-4 via mockjudge (reported: judge-model-0613) (versions: fp_judge_1)";
  size_t bench_at = r.out.find("== mock / llava-bench ==");
  size_t mmvet_at = r.out.find("== mock / mm-vet ==");
  ASSERT_NE(bench_at, std::string::npos) << r.out;
  ASSERT_NE(mmvet_at, std::string::npos) << r.out;
  EXPECT_LT(r.out.find(line, bench_at), mmvet_at) << r.out;
  EXPECT_NE(r.out.find(line, mmvet_at), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prompt template sha256 " + j["prompt_template_sha256"].get<std::string>()), std::string::npos);

  // Keys reached the servers (the mocks check them) and nothing else.
  for (const std::string& text : {r.out, r.err, ReadText(dir_.File("runs/r1/mock/run.json")),
                                  ReadText(dir_.File("runs/r1/mock/samples.jsonl"))}) {
    EXPECT_EQ(text.find(kModelKey), std::string::npos);
    EXPECT_EQ(text.find(kJudgeKey), std::string::npos);
  }
}

TEST_F(RunJudgeTest, CacheReJudgesNothingWhenRerunOrWhenAModelIsAdded) {
  MockServer model_a(ModelConfig(""));
  MockServer model_b(ModelConfig("B's "));
  MockServer judge(JudgeConfig(/*with_failures=*/false));
  // LLaVA-Bench: 90 reviews; MM-Vet: 7 grades, v1_3 four retries, v1_5 one.
  constexpr int kJudgeRequests = 90 + 7 + 4 + 1;
  auto first = Run(Suite({Model("a", model_a)}, Judge(judge.url() + "/v1")), "first");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(judge.Stats()["total"], kJudgeRequests);
  auto first_record = Record("first", "a");

  auto again = Run(Suite({Model("a", model_a)}, Judge(judge.url() + "/v1")), "again");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(model_a.Stats()["total"], 97);
  EXPECT_EQ(judge.Stats()["total"], kJudgeRequests);  // nothing re-judged
  auto again_record = Record("again", "a");
  for (const char* task : {"llava-bench", "mm-vet"}) {
    EXPECT_EQ(TaskOf(again_record, task)["metrics"], TaskOf(first_record, task)["metrics"]) << task;
    EXPECT_EQ(TaskOf(again_record, task)["judge"]["usage"]["cached"],
              TaskOf(again_record, task)["judge"]["usage"]["requests"]);
    EXPECT_EQ(TaskOf(again_record, task)["judge"]["usage"]["cost_usd"], 0.0);
    EXPECT_EQ(TaskOf(again_record, task)["judge"]["usage"]["cost_usd_with_cached"],
              TaskOf(first_record, task)["judge"]["usage"]["cost_usd"]);
    EXPECT_EQ(TaskOf(again_record, task)["judge"]["versions"], TaskOf(first_record, task)["judge"]["versions"]);
  }

  // Adding model b judges b's answers only.
  auto added = Run(Suite({Model("a", model_a), Model("b", model_b)}, Judge(judge.url() + "/v1")), "added");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(model_a.Stats()["total"], 97);
  EXPECT_EQ(model_b.Stats()["total"], 97);
  EXPECT_EQ(judge.Stats()["total"], 2 * kJudgeRequests);
  EXPECT_EQ(TaskOf(Record("added", "a"), "mm-vet")["metrics"], TaskOf(first_record, "mm-vet")["metrics"]);
  auto b = Record("added", "b");
  EXPECT_EQ(TaskOf(b, "mm-vet")["judge"]["usage"]["cached"], 0);
  // Without failures v1_6 grades 0.7 ([know, rec, gen]): total 3.5 / 6.
  EXPECT_EQ(TaskOf(b, "mm-vet")["metrics"]["total"], 58.3);
  EXPECT_EQ(TaskOf(b, "mm-vet")["metrics"]["capabilities"]["rec"], 55.0);
}

TEST_F(RunJudgeTest, JudgedTaskWithoutJudgeIsRefusedBeforeAnythingIsSent) {
  MockServer model(ModelConfig(""));
  auto r = Run(Suite({Model("mock", model)}, nullptr, {MmvetTask()}), "r");
  testing::ExpectBadInput(r, {"task mm-vet", "scored by a judge model", "\"judge\" object", "--judge NAME=URL"});
  EXPECT_EQ(model.Stats()["total"], 0);

  auto quick = RunCli({"run", "--task", "llava-bench", "--questions", DataPath(kCoco + "qa90_questions.jsonl"),
                       "--context", DataPath(kCoco + "caps_boxes_coco2014_val_80.jsonl"), "--answers-ref",
                       DataPath(kCoco + "qa90_gpt4_answer.jsonl"), "--rule", DataPath(kCoco + "rule.json"),
                       "--images", images_, "--model", "m=" + model.url() + "/v1", "--output", dir_.File("runs")});
  testing::ExpectBadInput(quick, {"task llava-bench", "scored by a judge model"});
  EXPECT_EQ(model.Stats()["total"], 0);
}

TEST_F(RunJudgeTest, UnsetJudgeKeyIsRefusedBeforeAnythingIsSent) {
  MockServer model(ModelConfig(""));
  unsetenv(kJudgeKeyVariable);
  auto r = Run(Suite({Model("mock", model)}, Judge("http://127.0.0.1:9/v1")), "r");
  testing::ExpectBadInput(r, {kJudgeKeyVariable, "is not set or empty"});
  EXPECT_EQ(model.Stats()["total"], 0);
}

TEST_F(RunJudgeTest, UnreachableJudgeStopsWithResumeAdviceAndKeepsTheAnswers) {
  MockServer model(ModelConfig(""));
  nlohmann::json down = Judge("http://127.0.0.1:1/v1");
  down["retry"] = FastRetry(1);
  auto r = Run(Suite({Model("mock", model)}, down, {MmvetTask()}), "down");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("judge mockjudge"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run the same command again to resume"), std::string::npos) << r.err;
  EXPECT_EQ(model.Stats()["total"], 7);

  // With the judge back, the model's answers come from the cache.
  MockServer judge(JudgeConfig(/*with_failures=*/false));
  auto resumed = Run(Suite({Model("mock", model)}, Judge(judge.url() + "/v1"), {MmvetTask()}), "down");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(model.Stats()["total"], 7);
  EXPECT_EQ(TaskOf(Record("down", "mock"), "mm-vet")["requests"]["cached"], 7);
  EXPECT_EQ(judge.Stats()["total"], 7 + 4 + 1);
}

TEST_F(RunJudgeTest, QuickFormTakesTheJudgeFlagsOfScore) {
  MockServer model(ModelConfig(""));
  MockServer judge(JudgeConfig(/*with_failures=*/true));
  std::vector<std::string> args = {"run", "--task", "mm-vet", "--annotations", DataPath(kMmvet + "mm-vet.json"),
                                   "--images", images_, "--model", "quick=" + model.url() + "/v1",
                                   "--api-key-env", kModelKeyVariable, "--output", dir_.File("runs"),
                                   "--run-id", "q", "--judge", "mockjudge=" + judge.url() + "/v1",
                                   "--judge-model", "judge-4", "--judge-api-key-env", kJudgeKeyVariable,
                                   "--judge-max-attempts", "1", "--judge-price-prompt", "10",
                                   "--judge-price-completion", "30"};
  auto r = RunCli(args);
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;  // v1_6's judge request fails
  EXPECT_NE(r.err.find("1 judge request(s) failed"), std::string::npos) << r.err;
  auto mmvet = TaskOf(Record("q", "quick"), "mm-vet");
  EXPECT_EQ(mmvet["metrics"]["total"], 56.0);
  EXPECT_EQ(mmvet["counts"]["failed"], 1);
  EXPECT_EQ(mmvet["judge"]["usage"]["requests"], 7 + 2 + 3);
  EXPECT_EQ(judge.Stats()["total"], 7 + 2 + 3);  // one send of v1_6
  EXPECT_EQ(Record("q", "quick")["config"]["judge"]["retry"]["max_attempts"], 1);
  EXPECT_NE(r.out.find("judge: judge-4 via mockjudge"), std::string::npos) << r.out;
  for (const std::string& text : {r.out, r.err, ReadText(dir_.File("runs/q/quick/run.json"))}) {
    EXPECT_EQ(text.find(kJudgeKey), std::string::npos);
    EXPECT_EQ(text.find(kModelKey), std::string::npos);
  }
}

TEST_F(RunJudgeTest, BadJudgeFlagsAreUsageErrors) {
  std::vector<std::string> base = {"run", "--task", "mm-vet", "--annotations", DataPath(kMmvet + "mm-vet.json"),
                                   "--images", images_, "--model", "m=http://127.0.0.1:9/v1"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  };
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9"}), {"--judge needs --judge-model"});
  testing::ExpectBadInput(with({"--judge", "http://127.0.0.1:9", "--judge-model", "m"}), {"--judge must be NAME=URL"});
  testing::ExpectBadInput(with({"--judge-model", "m"}), {"--judge-model needs --judge"});
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9", "--judge-model", "m", "--judge-price-completion",
                                "1"}),
                          {"give both --judge-price-prompt and --judge-price-completion"});
  testing::ExpectBadInput(with({"--judge", "j=http://127.0.0.1:9", "--judge-model", "m", "--judge-max-attempts", "0"}),
                          {"--judge-max-attempts must be an integer from 1"});
  testing::ExpectBadInput(RunCli({"run", "--judge", "j=http://127.0.0.1:9", "--judge-model", "m"}),
                          {"--judge needs --task NAME (or use --config)"});
  std::string suite = Suite({Unreachable()}, nullptr, {MmvetTask()});
  testing::ExpectBadInput(RunCli({"run", "--config", suite, "--judge", "j=http://127.0.0.1:9", "--judge-model", "m"}),
                          {"--judge cannot be used with --config"});
}

TEST_F(RunJudgeTest, JudgeAndRecordedVerdictsExcludeEachOther) {
  nlohmann::json task = MmvetTask();
  task["files"]["judge-replay"] = DataPath(kMmvet + "grades.json");
  auto r = Run(Suite({Unreachable()}, Judge("http://127.0.0.1:9/v1"), {task}), "r");
  testing::ExpectBadInput(r, {"task mm-vet", "either the suite's judge (mockjudge) or the task's judge-replay"});
}

}  // namespace
}  // namespace svit

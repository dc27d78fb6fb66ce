// `svit-eval run` end to end against the mock OpenAI-compatible server: the
// VQAv2 golden questions with a tiny generated image folder; the mock answers
// each question with the golden raw answer, so the run must reproduce the
// official numbers of expected.json. Then every injected fault, the cache,
// the endpoint profiles, and secrets.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "core/sha256.h"
#include "tasks/registry.h"
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

const std::string kDir = "golden/vqav2/";

// prompt text -> golden raw answer, for the mock.
nlohmann::json GoldenAnswers() {
  std::unique_ptr<Task> task;
  CreateTask("vqav2", &task);
  TaskConfig config;
  config.Set("questions", DataPath(kDir + "questions.json"));
  config.Set("annotations", DataPath(kDir + "annotations.json"));
  config.Set("answer-processor", "raw");
  EXPECT_TRUE(task->Load(config).ok());
  std::map<std::string, std::string> by_id;
  for (const auto& r : ReadJsonFile(DataPath(kDir + "results_raw.json"))) {
    by_id[std::to_string(r["question_id"].get<long long>())] = r["answer"].get<std::string>();
  }
  nlohmann::json answers = nlohmann::json::object();
  for (const auto& s : task->samples()) answers[s.prompt] = by_id.at(s.id);
  return answers;
}

std::string Sha256HexOfFile(const std::string& path) {
  std::string hex;
  EXPECT_TRUE(Sha256File(path, &hex).ok());
  return hex;
}

// The prompt of golden question number `n` ("Synthetic question n?").
std::string Question(int n) { return "Synthetic question " + std::to_string(n) + "?"; }

class RunHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = dir_.File("images");
    testing::WriteVqav2GoldenImages(images_);
  }

  nlohmann::json MockConfig(nlohmann::json faults = nlohmann::json::array()) {
    return {{"answers", GoldenAnswers()}, {"faults", faults}};
  }

  // The quick form against `server`, with fast retries.
  std::vector<std::string> Args(const MockServer& server, const std::string& run_id,
                                std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"),
                                     "--annotations", DataPath(kDir + "annotations.json"), "--images", images_,
                                     "--model", "mock=" + server.url() + "/v1", "--model-id", "mock-vlm",
                                     "--output", dir_.File("runs"), "--run-id", run_id, "--concurrency", "8"};
    for (size_t i = 0; i < extra.size(); ++i) {
      auto it = extra[i].rfind("--", 0) == 0 ? std::find(args.begin(), args.end(), extra[i]) : args.end();
      if (it != args.end() && i + 1 < extra.size()) {
        *(it + 1) = extra[++i];  // a flag of the base command: replace its value
      } else {
        args.push_back(extra[i]);
      }
    }
    return args;
  }

  // Writes a suite with fast retry delays and returns its path.
  std::string Suite(const MockServer& server, nlohmann::json model_extra = nlohmann::json::object(),
                    nlohmann::json task_extra = nlohmann::json::object()) {
    nlohmann::json model = {{"name", "mock"},
                            {"base_url", server.url() + "/v1"},
                            {"model_id", "mock-vlm"},
                            {"concurrency", 8},
                            {"retry", {{"max_attempts", 4}, {"initial_delay_seconds", 0.02}, {"max_delay_seconds", 0.1}}}};
    model.update(model_extra);
    nlohmann::json task = {{"name", "vqav2"},
                           {"files", {{"questions", DataPath(kDir + "questions.json")},
                                      {"annotations", DataPath(kDir + "annotations.json")}}},
                           {"images", images_}};
    task.update(task_extra);
    nlohmann::json suite = {{"output", dir_.File("runs")}, {"models", {model}}, {"tasks", {task}}};
    return dir_.Write("suite-" + std::to_string(++suites_) + ".json", suite.dump(2));
  }

  // The run record of the one model ("mock") of run `run_id`.
  nlohmann::json Record(const std::string& run_id) {
    return ReadJsonFile(dir_.File("runs/" + run_id + "/mock/run.json"));
  }

  std::vector<nlohmann::json> SampleRows(const std::string& run_id) {
    std::vector<nlohmann::json> rows;
    std::string text = ReadText(dir_.File("runs/" + run_id + "/mock/samples.jsonl"));
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      rows.push_back(nlohmann::json::parse(text.substr(start, end - start)));
      start = end + 1;
    }
    return rows;
  }

  nlohmann::json RowFor(const std::string& run_id, const std::string& prompt_prefix) {
    for (auto& row : SampleRows(run_id)) {
      if (row["prompt"].get<std::string>().rfind(prompt_prefix, 0) == 0) return row;
    }
    return nullptr;
  }

  TempDir dir_;
  std::string images_;
  int suites_ = 0;
};

void ExpectGoldenMetrics(const nlohmann::json& result) {
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"))["official_on_raw_answers"];
  EXPECT_EQ(result["metrics"]["overall"].get<double>(), golden["overall"].get<double>());
  EXPECT_NEAR(result["metrics_unrounded"]["overall"].get<double>(), golden["overall_12dp"].get<double>(), 1e-9);
  EXPECT_EQ(result["metrics"]["perAnswerType"], golden["perAnswerType"]);
  EXPECT_EQ(result["metrics"]["perQuestionType"], golden["perQuestionType"]);
  ASSERT_EQ(result["per_sample"].size(), golden["evalQA"].size());
  for (const auto& row : result["per_sample"]) {
    std::string id = row["id"].get<std::string>();
    EXPECT_NEAR(100.0 * row["score"].get<double>(), golden["evalQA_12dp"][id].get<double>(), 1e-9) << id;
  }
}

TEST_F(RunHttpTest, QuickFormReproducesGoldenNumbersAndWritesRecord) {
  MockServer server(MockConfig());
  auto r = RunCli(Args(server, "golden"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Overall Accuracy is: 84.00"), std::string::npos) << r.out;
  auto record = Record("golden");
  EXPECT_EQ(record["format"], "svit-eval-run/1");
  EXPECT_EQ(record["status"], "complete");
  ASSERT_EQ(record["tasks"].size(), 1u);
  const auto& result = record["tasks"][0];
  ExpectGoldenMetrics(result);
  EXPECT_EQ(result["counts"]["answered"], 60);
  EXPECT_EQ(result["counts"]["failed"], 0);
  EXPECT_EQ(result["requests"]["sent"], 60);
  EXPECT_EQ(record["run_id"], "golden-mock");
  EXPECT_EQ(record["model"]["name"], "mock");
  EXPECT_EQ(record["model"]["id"], "mock-vlm");
  EXPECT_EQ(record["model"]["identity"]["model_id"], "mock-vlm");
  EXPECT_EQ(result["task"], "vqav2");
  const auto& protocol = result["protocol"];
  EXPECT_EQ(protocol["input_sha256"].size(), 2u);
  EXPECT_EQ(protocol["input_sha256"]["questions"], Sha256HexOfFile(DataPath(kDir + "questions.json")));
  EXPECT_EQ(protocol["prompt_template"], "{prompt}");
  EXPECT_EQ(protocol["dataset_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(protocol["prompt_template_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(protocol["prompts_sha256"].get<std::string>().size(), 64u);
  EXPECT_GT(result["usage"]["prompt_tokens"].get<int64_t>(), 0);
  const auto& row = result["per_sample"][0];
  EXPECT_EQ(row["prompt"].get<std::string>().find("Answer the question using a single word or phrase."),
            row["prompt"].get<std::string>().size() - 50);
  EXPECT_EQ(server.Stats()["total"], 60);
  // Each request carried its image as a JPEG data URL.
  EXPECT_EQ(server.Stats()["last"]["images"][0]["mime"], "image/jpeg");
  EXPECT_EQ(server.Stats()["last"]["images"][0]["width"], 24);
  EXPECT_EQ(server.Stats()["last"]["body"]["max_tokens"], 128);
  EXPECT_EQ(server.Stats()["last"]["body"]["temperature"], 0);
  EXPECT_EQ(server.Stats()["last"]["headers"].count("authorization"), 0u);
  EXPECT_EQ(SampleRows("golden").size(), 60u);

  // The answer file scores to the same numbers with `score`.
  std::string answers = dir_.File("runs/golden/mock/answers/vqav2.jsonl");
  auto scored = RunCli({"score", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"),
                        "--annotations", DataPath(kDir + "annotations.json"), "--predictions", answers,
                        "--output", dir_.File("scored.json")});
  ASSERT_EQ(scored.exit_code, 0) << scored.err;
  EXPECT_EQ(ReadJsonFile(dir_.File("scored.json"))["metrics"], result["metrics"]);
}

TEST_F(RunHttpTest, SecondRunIsServedFromCacheWithIdenticalResults) {
  MockServer server(MockConfig());
  ASSERT_EQ(RunCli(Args(server, "first")).exit_code, 0);
  ASSERT_EQ(server.Stats()["total"], 60);
  auto r = RunCli(Args(server, "second"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Stats()["total"], 60) << "the second run sent requests";
  auto first = Record("first")["tasks"][0];
  auto second = Record("second")["tasks"][0];
  EXPECT_EQ(second["requests"]["cached"], 60);
  EXPECT_EQ(second["requests"]["sent"], 0);
  EXPECT_EQ(first["metrics"], second["metrics"]);
  EXPECT_EQ(first["metrics_unrounded"], second["metrics_unrounded"]);
  EXPECT_EQ(first["usage"], second["usage"]);
  for (size_t i = 0; i < first["per_sample"].size(); ++i) {
    for (const char* key : {"id", "prompt", "prediction", "extracted", "score", "status"}) {
      EXPECT_EQ(first["per_sample"][i][key], second["per_sample"][i][key]) << key;
    }
  }
}

TEST_F(RunHttpTest, NoCacheSendsEverythingAndRefreshOverwrites) {
  MockServer server(MockConfig());
  ASSERT_EQ(RunCli(Args(server, "a")).exit_code, 0);
  ASSERT_EQ(RunCli(Args(server, "b", {"--no-cache"})).exit_code, 0);
  EXPECT_EQ(server.Stats()["total"], 120);
  ASSERT_EQ(RunCli(Args(server, "c", {"--refresh"})).exit_code, 0);
  EXPECT_EQ(server.Stats()["total"], 180);
  EXPECT_EQ(Record("c")["tasks"][0]["requests"]["cached"], 0);
  ASSERT_EQ(RunCli(Args(server, "d")).exit_code, 0);
  EXPECT_EQ(server.Stats()["total"], 180);
  auto both = RunCli(Args(server, "e", {"--no-cache", "--refresh"}));
  EXPECT_EQ(both.exit_code, 2);
}

TEST_F(RunHttpTest, OtherGenerationParametersMissTheCache) {
  MockServer server(MockConfig());
  ASSERT_EQ(RunCli(Args(server, "a", {"--limit", "5"})).exit_code, 0);
  ASSERT_EQ(RunCli(Args(server, "b", {"--limit", "5", "--max-tokens", "16"})).exit_code, 0);
  EXPECT_EQ(server.Stats()["total"], 10);
  EXPECT_EQ(server.Stats()["last"]["body"]["max_tokens"], 16);
  ASSERT_EQ(RunCli(Args(server, "c", {"--limit", "5", "--model-id", "other-vlm"})).exit_code, 0);
  EXPECT_EQ(server.Stats()["total"], 15);
  EXPECT_EQ(server.Stats()["last"]["body"]["model"], "other-vlm");
}

TEST_F(RunHttpTest, LimitScoresTheFirstSamplesOnly) {
  MockServer server(MockConfig());
  auto r = RunCli(Args(server, "limited", {"--limit", "7"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = Record("limited")["tasks"][0];
  EXPECT_EQ(result["counts"]["total"], 7);
  EXPECT_EQ(result["per_sample"].size(), 7u);
  EXPECT_EQ(result["limit"], 7);
  EXPECT_EQ(server.Stats()["total"], 7);
  // The subset's accuracy is the mean of its questions' golden accuracies.
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"))["official_on_raw_answers"]["evalQA_12dp"];
  double sum = 0;
  for (const auto& row : result["per_sample"]) sum += golden[row["id"].get<std::string>()].get<double>();
  EXPECT_NEAR(result["metrics_unrounded"]["overall"].get<double>(), sum / 7, 1e-9);
}

struct RetriedFault {
  const char* name;
  nlohmann::json fault;
};

class RetriedFaultTest : public RunHttpTest, public ::testing::WithParamInterface<RetriedFault> {};

TEST_P(RetriedFaultTest, IsRetriedUntilAnsweredAndScoresLikeTheGolden) {
  nlohmann::json fault = GetParam().fault;
  fault["match"] = Question(3);
  MockServer server(MockConfig({fault}));
  std::string suite = Suite(server, {{"timeout_seconds", 1.0}});
  auto start = std::chrono::steady_clock::now();
  auto r = RunCli({"run", "--config", suite, "--run-id", "fault"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stats = server.Stats();
  int times = fault.value("times", 1);
  EXPECT_EQ(stats["by_text"][Question(3) + "\nAnswer the question using a single word or phrase."], times + 1);
  EXPECT_EQ(stats["total"], 60 + times);
  auto result = Record("fault")["tasks"][0];
  ExpectGoldenMetrics(result);
  auto row = RowFor("fault", Question(3));
  EXPECT_EQ(row["error"], "");
  if (fault.value("reused_connection", false)) {
    // libcurl itself resends once when a reused keep-alive connection dies
    // before any reply; the runner then sees fewer failed attempts.
    EXPECT_GE(row["attempts"].get<int>(), 2);
    EXPECT_LE(row["attempts"].get<int>(), times + 1);
  } else {
    EXPECT_EQ(result["requests"]["retries"], times);
    EXPECT_EQ(row["attempts"], times + 1);
  }
  if (fault.contains("retry_after")) {
    EXPECT_GE(seconds, std::stod(fault["retry_after"].get<std::string>()) * times) << "Retry-After not honoured";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, RetriedFaultTest,
    ::testing::Values(
        RetriedFault{"RateLimitedWithRetryAfter", {{"kind", "429"}, {"times", 2}, {"retry_after", "1"}}},
        RetriedFault{"RateLimitedWithRetryAfterMs", {{"kind", "429"}, {"times", 2}, {"retry_after_ms", "50"}}},
        RetriedFault{"ServerError500", {{"kind", "500"}, {"times", 2}}},
        RetriedFault{"Unavailable503", {{"kind", "503"}, {"times", 1}}},
        RetriedFault{"ConnectionReset", {{"kind", "reset"}, {"times", 2}, {"reused_connection", true}}},
        RetriedFault{"SlowResponseTimesOut", {{"kind", "slow"}, {"times", 1}, {"delay_ms", 3000}}},
        RetriedFault{"MalformedJson", {{"kind", "malformed"}, {"times", 1}}},
        RetriedFault{"TruncatedBody", {{"kind", "truncated"}, {"times", 1}}}),
    [](const ::testing::TestParamInfo<RetriedFault>& info) { return std::string(info.param.name); });

class FailedFaultTest : public RunHttpTest, public ::testing::WithParamInterface<RetriedFault> {};

// Non-retryable failures (and retryable ones past the attempt cap) end as
// failed samples: counted, excluded from the metrics, exit 3, record kept.
TEST_P(FailedFaultTest, IsRecordedAsFailedNotScoredAsWrong) {
  nlohmann::json fault = GetParam().fault;
  fault["match"] = Question(45);  // late: the endpoint has answered others by then
  fault["times"] = -1;
  MockServer server(MockConfig({fault}));
  auto r = RunCli({"run", "--config", Suite(server), "--run-id", "failed"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("1 request(s) failed"), std::string::npos) << r.err;
  auto record = Record("failed");
  EXPECT_EQ(record["status"], "complete_with_failures");
  auto result = record["tasks"][0];
  EXPECT_EQ(result["counts"]["failed"], 1);
  EXPECT_EQ(result["counts"]["answered"], 59);
  auto row = RowFor("failed", Question(45));
  EXPECT_EQ(row["status"], "failed");
  EXPECT_EQ(row["attempts"], fault.value("expected_attempts", 1));
  EXPECT_NE(row["error"].get<std::string>().find(fault["expected_error"].get<std::string>()), std::string::npos)
      << row["error"];
  EXPECT_EQ(server.Stats()["by_text"][row["prompt"].get<std::string>()], fault.value("expected_attempts", 1));
  // The other 59 are scored exactly as vqaEval.py scores them.
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"))["official_on_raw_answers"]["evalQA_12dp"];
  double sum = 0;
  for (const auto& s : result["per_sample"]) {
    if (s["status"] == "answered") sum += golden[s["id"].get<std::string>()].get<double>();
  }
  EXPECT_NEAR(result["metrics_unrounded"]["overall"].get<double>(), sum / 59, 1e-9);
  // The answer file leaves the failed sample out.
  std::string answers = ReadText(dir_.File("runs/failed/mock/answers/vqav2.jsonl"));
  EXPECT_EQ(std::count(answers.begin(), answers.end(), '\n'), 59);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FailedFaultTest,
    ::testing::Values(
        RetriedFault{"ContextLengthOpenAi",
                     {{"kind", "context_length"}, {"dialect", "openai"}, {"expected_error", "context_length_exceeded"}}},
        RetriedFault{"ContextLengthVllm",
                     {{"kind", "context_length"}, {"dialect", "vllm"}, {"expected_error", "context_length_exceeded"}}},
        RetriedFault{"ContextLengthLlamaCpp",
                     {{"kind", "context_length"}, {"dialect", "llamacpp"}, {"expected_error", "context_length_exceeded"}}},
        RetriedFault{"ContextLengthTgi",
                     {{"kind", "context_length"}, {"dialect", "tgi"}, {"expected_error", "context_length_exceeded"}}},
        RetriedFault{"QuotaExhausted", {{"kind", "quota"}, {"expected_error", "HTTP 429"}}},
        RetriedFault{"Unauthorized", {{"kind", "unauthorized"}, {"expected_error", "HTTP 401"}}},
        RetriedFault{"ServerErrorPastAttemptCap",
                     {{"kind", "500"}, {"expected_attempts", 4}, {"expected_error", "after 4 attempts"}}}),
    [](const ::testing::TestParamInfo<RetriedFault>& info) { return std::string(info.param.name); });

TEST_F(RunHttpTest, FailedSamplesAreRetriedByTheNextRun) {
  nlohmann::json fault = {{"kind", "500"}, {"match", Question(9)}, {"times", 4}};
  MockServer server(MockConfig({fault}));
  std::string suite = Suite(server);
  EXPECT_EQ(RunCli({"run", "--config", suite, "--run-id", "one"}).exit_code, 3);
  EXPECT_EQ(server.Stats()["total"], 63);  // 59 + 4 attempts on question 9
  auto r = RunCli({"run", "--config", suite, "--run-id", "two"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Stats()["total"], 64) << "only the failed request is sent again";
  ExpectGoldenMetrics(Record("two")["tasks"][0]);
}

TEST_F(RunHttpTest, UnreachableEndpointStopsEarlyWithExit3) {
  int port;
  {
    MockServer closed;  // a port that was just free
    port = closed.port();
  }
  auto r = RunCli({"run", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"), "--annotations",
                   DataPath(kDir + "annotations.json"), "--images", images_, "--model",
                   "m=http://127.0.0.1:" + std::to_string(port) + "/v1", "--output", dir_.File("runs"),
                   "--max-attempts", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run the same command again"), std::string::npos) << r.err;
}

TEST_F(RunHttpTest, WrongApiKeyStopsEarlyWithExit3) {
  MockServer server({{"answers", GoldenAnswers()}, {"api_key", "the-right-key"}});
  setenv("SVIT_TEST_WRONG_KEY", "a-wrong-key", 1);
  auto r = RunCli(Args(server, "wrongkey", {"--api-key-env", "SVIT_TEST_WRONG_KEY"}));
  unsetenv("SVIT_TEST_WRONG_KEY");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("the endpoint refuses the requests (HTTP 401: Incorrect API key provided"),
            std::string::npos)
      << r.err;
  EXPECT_LE(server.Stats()["total"].get<int>(), 8) << "kept sending after the endpoint refused";
  EXPECT_FALSE(std::filesystem::exists(dir_.File("runs/wrongkey/mock/run.json")));
}

TEST_F(RunHttpTest, ProgressLinesWhenStderrIsNotATerminal) {
  MockServer server({{"answers", GoldenAnswers()}, {"delay_ms", 20}});
  auto r = RunCli(Args(server, "progress", {"--concurrency", "2", "--limit", "20", "--progress-interval", "0.05"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t lines = 0;
  for (size_t pos = 0; (pos = r.err.find("mock: ", pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_GE(lines, 3u) << r.err;
  EXPECT_NE(r.err.find("mock: 20/20 done (100.0%)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("req/s, ETA"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\r"), std::string::npos) << "live redraws in a log";
}

// The adapter is handed more than --concurrency requests (its queue keeps
// the lanes busy), but never more than that many are at the server at once.
TEST_F(RunHttpTest, ConcurrencyBoundsTheRequestsAtTheServer) {
  MockServer server({{"answers", GoldenAnswers()}, {"delay_ms", 30}});
  auto r = RunCli(Args(server, "bound", {"--concurrency", "3", "--limit", "15"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stats = server.Stats();
  EXPECT_EQ(stats["total"], 15);
  EXPECT_EQ(stats["peak_in_progress"], 3);
  for (const auto& row : SampleRows("bound")) {
    EXPECT_EQ(row["attempts"], 1) << row.dump();
    EXPECT_GE(row["latency_ms"].get<double>(), 29.0) << row.dump();
    EXPECT_LT(row["latency_ms"].get<double>(), 1000.0) << row.dump();
  }
}

TEST_F(RunHttpTest, RequestsPerMinuteBudgetIsHonoured) {
  MockServer server(MockConfig());
  auto start = std::chrono::steady_clock::now();
  auto r = RunCli(Args(server, "rpm", {"--limit", "5", "--rpm", "120"}));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 120/min = 2/s; a burst of at most one second's worth (2) plus one: the
  // 4th and 5th requests wait 0.5 s each.
  EXPECT_GE(seconds, 0.95);
  EXPECT_EQ(server.Stats()["total"], 5);
}

TEST_F(RunHttpTest, TokensPerMinuteBudgetIsHonoured) {
  MockServer server(MockConfig());
  auto start = std::chrono::steady_clock::now();
  // 1,200 tokens/min = 20/s. Each request is budgeted ~800 tokens before it
  // is sent, and charged its reported usage (~21 tokens) once answered, so
  // the sends are spaced by about one second each after the first.
  auto r = RunCli(Args(server, "tpm", {"--limit", "3", "--max-tokens", "16", "--tpm", "1200"}));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int64_t used = Record("tpm")["tasks"][0]["usage"]["prompt_tokens"].get<int64_t>() +
                 Record("tpm")["tasks"][0]["usage"]["completion_tokens"].get<int64_t>();
  // All but the last request's tokens, less one second of burst, at 20/s.
  EXPECT_GE(seconds, (static_cast<double>(used) * 2 / 3 - 20) / 20 - 0.05) << used;
  EXPECT_GE(seconds, 1.0);
}

TEST_F(RunHttpTest, ApiKeyComesFromTheNamedVariableAndIsNeverWritten) {
  const std::string key = "sk-test-0123456789-secret";
  MockServer server({{"answers", GoldenAnswers()}, {"api_key", key}});
  setenv("SVIT_TEST_API_KEY", key.c_str(), 1);
  auto r = RunCli(Args(server, "keyed", {"--api-key-env", "SVIT_TEST_API_KEY", "--limit", "3"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Stats()["last"]["headers"]["authorization"], "Bearer " + key);
  EXPECT_EQ(r.out.find(key), std::string::npos);
  EXPECT_EQ(r.err.find(key), std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.File("runs"))) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(ReadText(entry.path().string()).find(key), std::string::npos) << entry.path();
  }
  EXPECT_EQ(Record("keyed")["config"]["models"][0]["api_key_env"], "SVIT_TEST_API_KEY");

  unsetenv("SVIT_TEST_MISSING_KEY");
  auto missing = RunCli(Args(server, "nokey", {"--api-key-env", "SVIT_TEST_MISSING_KEY"}));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("SVIT_TEST_MISSING_KEY"), std::string::npos) << missing.err;
  unsetenv("SVIT_TEST_API_KEY");
}

TEST_F(RunHttpTest, OpenAiProfileSendsMaxCompletionTokens) {
  MockServer server(MockConfig());
  ASSERT_EQ(RunCli(Args(server, "openai", {"--limit", "1", "--profile", "openai", "--detail", "low"})).exit_code, 0);
  auto body = server.Stats()["last"]["body"];
  EXPECT_EQ(body["max_completion_tokens"], 128);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["messages"][0]["content"][0]["image_url"]["detail"], "low");
  EXPECT_EQ(body["messages"][0]["content"][1]["type"], "text");
}

TEST_F(RunHttpTest, AzureProfileUsesDeploymentUrlApiVersionAndApiKeyHeader) {
  MockServer server({{"answers", GoldenAnswers()}, {"api_key", "azure-key"}});
  setenv("SVIT_TEST_AZURE_KEY", "azure-key", 1);
  std::string suite = Suite(server,
                            {{"base_url", server.url()},
                             {"profile", "azure"},
                             {"azure_deployment", "gpt4o-eval"},
                             {"api_version", "2024-10-21"},
                             {"api_key_env", "SVIT_TEST_AZURE_KEY"}},
                            {{"limit", 2}});
  auto r = RunCli({"run", "--config", suite, "--run-id", "azure"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto last = server.Stats()["last"];
  EXPECT_EQ(last["target"], "/openai/deployments/gpt4o-eval/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(last["headers"]["api-key"], "azure-key");
  EXPECT_FALSE(last["headers"].contains("authorization"));
  unsetenv("SVIT_TEST_AZURE_KEY");
}

TEST_F(RunHttpTest, OllamaProfileUsesNativeChatApi) {
  MockServer server(MockConfig());
  std::string suite = Suite(server, {{"base_url", server.url()}, {"profile", "ollama"}}, {{"limit", 4}});
  auto r = RunCli({"run", "--config", suite, "--run-id", "ollama"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto last = server.Stats()["last"];
  EXPECT_EQ(last["path"], "/api/chat");
  EXPECT_EQ(last["body"]["stream"], false);
  EXPECT_EQ(last["body"]["options"]["num_predict"], 128);
  EXPECT_EQ(last["images"].size(), 1u);
  auto result = Record("ollama")["tasks"][0];
  EXPECT_EQ(result["counts"]["answered"], 4);
  EXPECT_GT(result["usage"]["completion_tokens"].get<int64_t>(), 0);
}

TEST_F(RunHttpTest, PromptTemplateAndSystemPromptOverrideTheTaskDefault) {
  MockServer server(MockConfig());
  std::string suite = Suite(server, {{"system_prompt", "You are terse."}},
                            {{"limit", 1}, {"prompt", {{"template", "Q: {question}\nShort answer:"}}}});
  auto r = RunCli({"run", "--config", suite, "--run-id", "tmpl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto body = server.Stats()["last"]["body"];
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "You are terse.");
  EXPECT_EQ(body["messages"][1]["content"][1]["text"], "Q: " + Question(0) + "\nShort answer:");
  auto protocol = Record("tmpl")["tasks"][0]["protocol"];
  EXPECT_EQ(protocol["prompt_template"], "Q: {question}\nShort answer:");
  EXPECT_EQ(protocol["system_prompt"], "You are terse.");
  EXPECT_EQ(protocol["task_default_prompt"], false);
}

TEST_F(RunHttpTest, ImagesAreDownscaledToMaxSide) {
  MockServer server(MockConfig());
  testing::WriteTestImage(images_ + "/COCO_val2014_000000262148.jpg", 64, 48, 10);
  ASSERT_EQ(RunCli(Args(server, "small", {"--limit", "1", "--max-side", "32"})).exit_code, 0);
  auto image = server.Stats()["last"]["images"][0];
  EXPECT_EQ(image["width"], 32);
  EXPECT_EQ(image["height"], 24);
  EXPECT_EQ(image["mime"], "image/jpeg");
}

TEST_F(RunHttpTest, MissingImageFailsThatSampleOnly) {
  MockServer server(MockConfig());
  std::filesystem::remove(images_ + "/COCO_val2014_000000262148.jpg");
  auto r = RunCli(Args(server, "noimage"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  auto result = Record("noimage")["tasks"][0];
  EXPECT_EQ(result["counts"]["failed"], 3);  // the three questions on that image
  EXPECT_EQ(server.Stats()["total"], 57);
  auto row = RowFor("noimage", Question(0));
  EXPECT_NE(row["error"].get<std::string>().find("image not found"), std::string::npos) << row["error"];
}

TEST_F(RunHttpTest, BadInvocationsExitWith2) {
  MockServer server(MockConfig());
  auto no_images = RunCli({"run", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"),
                           "--annotations", DataPath(kDir + "annotations.json"), "--model", "m=" + server.url()});
  EXPECT_EQ(no_images.exit_code, 2);
  EXPECT_NE(no_images.err.find("--images"), std::string::npos) << no_images.err;
  auto bad_model = RunCli({"run", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"),
                           "--annotations", DataPath(kDir + "annotations.json"), "--images", images_, "--model",
                           "no-equals-sign"});
  EXPECT_EQ(bad_model.exit_code, 2);
  EXPECT_NE(bad_model.err.find("NAME=URL"), std::string::npos) << bad_model.err;
  auto bad_profile = RunCli(Args(server, "x", {"--profile", "nonsense"}));
  EXPECT_EQ(bad_profile.exit_code, 2);
  EXPECT_NE(bad_profile.err.find("unknown endpoint profile 'nonsense'"), std::string::npos) << bad_profile.err;
  auto bad_template = RunCli(Args(server, "y", {"--prompt-template", "{questoin}"}));
  EXPECT_EQ(bad_template.exit_code, 2);
  EXPECT_NE(bad_template.err.find("unknown placeholder {questoin}"), std::string::npos) << bad_template.err;
  auto missing_file = RunCli({"run", "--task", "vqav2", "--questions", dir_.File("nope.json"), "--annotations",
                              DataPath(kDir + "annotations.json"), "--images", images_, "--model",
                              "m=" + server.url()});
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_NE(missing_file.err.find("nope.json"), std::string::npos) << missing_file.err;
  EXPECT_EQ(server.Stats()["total"], 0);
}

}  // namespace
}  // namespace svit

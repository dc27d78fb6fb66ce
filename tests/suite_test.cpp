// Suite files: every example in docs/suite.md parses; bad suites are
// rejected with the file and field named (exit 2 from the CLI).
#include <gtest/gtest.h>

#include "harness/suite.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::RunCli;
using testing::TempDir;

std::vector<nlohmann::json> DocExamples() {
  std::string text = testing::ReadText(DataPath("../../docs/suite.md"));
  std::vector<nlohmann::json> examples;
  size_t pos = text.find("## Examples");
  while ((pos = text.find("```json\n", pos)) != std::string::npos) {
    size_t end = text.find("```\n", pos + 8);
    examples.push_back(nlohmann::json::parse(text.substr(pos + 8, end - pos - 8)));
    pos = end;
  }
  return examples;
}

TEST(SuiteDocs, EveryServerKindHasAnExampleThatParses) {
  auto examples = DocExamples();
  std::set<std::string> profiles;
  for (const auto& example : examples) {
    Suite suite;
    Status status = ParseSuite(example, "/suites", "docs example", &suite);
    ASSERT_TRUE(status.ok()) << status.message() << "\n" << example.dump(2);
    profiles.insert(suite.models[0].profile);
    EXPECT_EQ(suite.tasks[0].files.at("questions").rfind("/suites/data/", 0), 0u);
  }
  EXPECT_EQ(profiles, (std::set<std::string>{"vllm", "sglang", "tgi", "llamacpp", "lmdeploy", "ollama", "openai",
                                             "azure"}));
}

TEST(SuiteDocs, JudgeExampleParses) {
  std::string text = testing::ReadText(DataPath("../../docs/suite.md"));
  size_t pos = text.find("```json\n", text.find("## Judge"));
  ASSERT_LT(pos, text.find("## Examples"));
  size_t end = text.find("```\n", pos + 8);
  Suite suite;
  Status status = ParseSuite(nlohmann::json::parse(text.substr(pos + 8, end - pos - 8)), "/suites", "docs", &suite);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(suite.judge.has_value());
  EXPECT_EQ(suite.judge->model.model_id, "gpt-4-0613");
  EXPECT_EQ(suite.judge->usd_per_million_completion_tokens, 60);
}

TEST(Suite, DefaultsAndResolvedPaths) {
  Suite suite;
  nlohmann::json doc = {{"models", {{{"name", "m"}, {"base_url", "http://h/v1"}}}},
                        {"tasks", {{{"name", "vqav2"},
                                    {"files", {{"questions", "q.json"}, {"annotations", "/abs/a.json"}}},
                                    {"images", "img"},
                                    {"generation", {{"max_tokens", 16}}}}}}};
  ASSERT_TRUE(ParseSuite(doc, "/base", "s.json", &suite).ok());
  const ModelSpec& m = suite.models[0];
  EXPECT_EQ(m.model_id, "m");
  EXPECT_EQ(m.profile, "openai-compatible");
  EXPECT_EQ(m.concurrency, 8u);
  EXPECT_EQ(m.generation.max_new_tokens, 128);
  EXPECT_EQ(m.retry.max_attempts, 6);
  EXPECT_EQ(suite.tasks[0].files.at("questions"), "/base/q.json");
  EXPECT_EQ(suite.tasks[0].files.at("annotations"), "/abs/a.json");
  EXPECT_EQ(suite.tasks[0].images, "/base/img");
  EXPECT_EQ(suite.tasks[0].generation.Apply(m.generation).max_new_tokens, 16);
  EXPECT_EQ(suite.output, "/base/runs");
  EXPECT_EQ(suite.CachePath(), "/base/runs/cache.sqlite");
}

TEST(Suite, RecordedConfigHasNoSecrets) {
  Suite suite;
  nlohmann::json doc = {{"models", {{{"name", "m"}, {"base_url", "https://user:hunter2@h.example/v1"},
                                      {"api_key_env", "MY_KEY"}}}},
                        {"tasks", {{{"name", "vqav2"}, {"files", {{"questions", "q"}, {"annotations", "a"}}}}}}};
  ASSERT_TRUE(ParseSuite(doc, "", "s.json", &suite).ok());
  std::string dumped = SuiteToJson(suite).dump();
  EXPECT_EQ(dumped.find("hunter2"), std::string::npos);
  EXPECT_NE(dumped.find("https://***@h.example/v1"), std::string::npos);
  EXPECT_NE(dumped.find("MY_KEY"), std::string::npos);
  EXPECT_EQ(MaskUrlCredentials("http://h:80/v1"), "http://h:80/v1");
}

TEST(Suite, JudgeObjectIsParsedAndRecordedWithoutSecrets) {
  Suite suite;
  nlohmann::json doc = {{"models", {{{"name", "m"}, {"base_url", "http://h/v1"}}}},
                        {"tasks", {{{"name", "vqav2"}, {"files", {{"questions", "q"}, {"annotations", "a"}}}}}},
                        {"judge", {{"name", "gpt4"},
                                   {"profile", "azure"},
                                   {"base_url", "https://user:hunter2@judge.example"},
                                   {"azure_deployment", "gpt4-judge"},
                                   {"api_version", "2024-06-01"},
                                   {"model_id", "gpt-4-0613"},
                                   {"api_key_env", "JUDGE_KEY"},
                                   {"concurrency", 2},
                                   {"requests_per_minute", 30},
                                   {"retry", {{"max_attempts", 3}}},
                                   {"price_prompt", 30},
                                   {"price_completion", 60}}}};
  Status status = ParseSuite(doc, "", "s.json", &suite);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(suite.judge.has_value());
  const JudgeSpec& judge = *suite.judge;
  EXPECT_EQ(judge.model.name, "gpt4");
  EXPECT_EQ(judge.model.adapter, "openai");
  EXPECT_EQ(judge.model.model_id, "gpt-4-0613");
  EXPECT_EQ(judge.model.azure_deployment, "gpt4-judge");
  EXPECT_EQ(judge.model.concurrency, 2u);
  EXPECT_EQ(judge.model.requests_per_minute, 30);
  EXPECT_EQ(judge.model.retry.max_attempts, 3);
  EXPECT_EQ(judge.usd_per_million_prompt_tokens, 30);
  EXPECT_EQ(judge.usd_per_million_completion_tokens, 60);
  nlohmann::json recorded = SuiteToJson(suite);
  EXPECT_EQ(recorded["judge"]["model_id"], "gpt-4-0613");
  EXPECT_EQ(recorded["judge"]["api_key_env"], "JUDGE_KEY");
  EXPECT_EQ(recorded["judge"]["base_url"], "https://***@judge.example");
  EXPECT_EQ(recorded["judge"]["price_prompt"], 30);
  EXPECT_EQ(recorded["judge"]["price_completion"], 60);
  EXPECT_EQ(recorded.dump().find("hunter2"), std::string::npos);

  Suite without;
  doc.erase("judge");
  ASSERT_TRUE(ParseSuite(doc, "", "s.json", &without).ok());
  EXPECT_FALSE(without.judge.has_value());
  EXPECT_FALSE(SuiteToJson(without).contains("judge"));
}

struct BadSuite {
  const char* name;
  nlohmann::json patch;  // merged into a valid suite
  const char* message;
};

class BadSuiteTest : public ::testing::TestWithParam<BadSuite> {};

TEST_P(BadSuiteTest, IsRejectedNamingTheField) {
  nlohmann::json doc = {{"models", {{{"name", "m"}, {"base_url", "http://h/v1"}}}},
                        {"tasks", {{{"name", "vqav2"}, {"files", {{"questions", "q"}, {"annotations", "a"}}}}}}};
  doc.merge_patch(GetParam().patch);
  TempDir dir;
  std::string path = dir.Write("suite.json", doc.dump());
  Suite suite;
  Status status = LoadSuiteFile(path, &suite);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find(GetParam().message), std::string::npos) << status.message();
  auto cli = RunCli({"run", "--config", path});
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_NE(cli.err.find(GetParam().message), std::string::npos) << cli.err;
}

nlohmann::json Model(nlohmann::json fields) {
  nlohmann::json model = {{"name", "m"}, {"base_url", "http://h/v1"}};
  model.update(fields);
  return {{"models", {model}}};
}

nlohmann::json Judge(nlohmann::json fields) {
  nlohmann::json judge = {{"name", "j"}, {"base_url", "http://judge/v1"}, {"model_id", "gpt-4"}};
  judge.update(fields);
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it->is_null()) judge.erase(it.key());
  }
  return {{"judge", judge}};
}

nlohmann::json TaskWith(nlohmann::json fields) {
  nlohmann::json task = {{"name", "vqav2"}, {"files", {{"questions", "q"}, {"annotations", "a"}}}};
  task.update(fields);
  return {{"tasks", {task}}};
}

INSTANTIATE_TEST_SUITE_P(
    Suites, BadSuiteTest,
    ::testing::Values(
        BadSuite{"UnknownTopLevelField", {{"outptu", "x"}}, "unknown field 'outptu'"},
        BadSuite{"MisspelledModelField", Model({{"concurency", 4}}), "models[0]: unknown field 'concurency'"},
        BadSuite{"WrongType", Model({{"concurrency", "8"}}), "models[0].concurrency: must be an integer >= 1"},
        BadSuite{"ZeroConcurrency", Model({{"concurrency", 0}}), "models[0].concurrency: must be an integer >= 1"},
        BadSuite{"NegativeTemperature", Model({{"generation", {{"temperature", -1}}}}),
                 "models[0].generation.temperature"},
        BadSuite{"UnknownProfile", Model({{"profile", "vlm"}}), "unknown endpoint profile 'vlm'"},
        BadSuite{"UnknownAdapter", Model({{"adapter", "grpc"}}), "unknown adapter 'grpc'"},
        BadSuite{"MissingBaseUrl", {{"models", {{{"name", "m"}}}}}, "base_url is required"},
        BadSuite{"MissingModelName", {{"models", {{{"base_url", "http://h"}}}}}, "models[0].name: required"},
        BadSuite{"SlashInModelName", Model({{"name", "a/b"}}), "cannot name a folder"},
        BadSuite{"DuplicateModel", {{"models", {{{"name", "m"}, {"base_url", "http://h"}},
                                                {{"name", "m"}, {"base_url", "http://g"}}}}},
                 "model name 'm' is used twice"},
        BadSuite{"NoModels", {{"models", nlohmann::json::array()}}, "models: must be a non-empty array"},
        BadSuite{"UnknownTask", TaskWith({{"name", "vqa3"}}), "unknown task 'vqa3'"},
        BadSuite{"MissingTaskFile", {{"tasks", {{{"name", "vqav2"}, {"files", {{"questions", "q"}}}}}}},
                 "task vqav2 needs file 'annotations'"},
        BadSuite{"SettingGivenAsFile", TaskWith({{"files", {{"answer-processor", "llava"}}}}),
                 "'answer-processor' is not a file option"},
        BadSuite{"BadTemplate", TaskWith({{"prompt", {{"template", "{qestion}"}}}}), "unknown placeholder {qestion}"},
        BadSuite{"BadRequestKind", TaskWith({{"request", "score"}}), "tasks[0].request"},
        BadSuite{"RankOnAChatEndpoint", TaskWith({{"request", "rank"}}), "chat endpoints (model m) cannot answer"},
        BadSuite{"AzureWithoutApiVersion", Model({{"profile", "azure"}, {"api_key_env", ""}}),
                 "needs an api_version"},
        BadSuite{"JudgeNotAnObject", {{"judge", "gpt4"}}, "suite.json: judge: must be a JSON object"},
        BadSuite{"MisspelledJudgeField", Judge({{"modle_id", "x"}}), "judge: unknown field 'modle_id'"},
        BadSuite{"JudgeWithGeneration", Judge({{"generation", {{"max_tokens", 9}}}}),
                 "judge: unknown field 'generation'"},
        BadSuite{"JudgeWithoutModelId", Judge({{"model_id", nullptr}}), "judge.model_id: required field is missing"},
        BadSuite{"JudgeWithoutName", Judge({{"name", nullptr}}), "judge.name: required field is missing"},
        BadSuite{"JudgeWithoutBaseUrl", Judge({{"base_url", nullptr}}), "judge j: base_url is required"},
        BadSuite{"JudgeWithOnePrice", Judge({{"price_prompt", 1}}), "judge: give both price_prompt and price_completion"},
        BadSuite{"JudgeNegativePrice", Judge({{"price_prompt", -1}, {"price_completion", 1}}),
                 "judge.price_prompt: must be a number >= 0"},
        BadSuite{"JudgeLocalAdapter", Judge({{"adapter", "local"}}), "judge j: adapter must be \"openai\""},
        BadSuite{"JudgeUnknownProfile", Judge({{"profile", "vlm"}}), "unknown endpoint profile 'vlm'"}),
    [](const ::testing::TestParamInfo<BadSuite>& info) { return std::string(info.param.name); });

TEST(Suite, InvalidJsonNamesLineAndColumn) {
  TempDir dir;
  std::string path = dir.Write("suite.json", "{\n  \"models\": [\n    {\"name\": \"m\",}\n  ]\n}\n");
  auto cli = RunCli({"run", "--config", path});
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_NE(cli.err.find("suite.json:3:"), std::string::npos) << cli.err;
  auto missing = RunCli({"run", "--config", dir.File("absent.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("absent.json: cannot open file"), std::string::npos) << missing.err;
  auto mixed = RunCli({"run", "--config", path, "--concurrency", "3"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("--concurrency cannot be used with --config"), std::string::npos) << mixed.err;
}

}  // namespace
}  // namespace svit

// VQAv2 against the golden outputs of GT-Vision-Lab/VQA vqaEval.py.
#include <gtest/gtest.h>

#include "metrics/python_text.h"
#include "metrics/vqa_accuracy.h"
#include "tasks/registry.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::RunCli;
using testing::TempDir;

const std::string kDir = "golden/vqav2/";

ScoreResult ScoreGolden(const std::string& processor) {
  std::unique_ptr<Task> task;
  EXPECT_TRUE(CreateTask("vqav2", &task).ok());
  TaskConfig config;
  config.Set("questions", DataPath(kDir + "questions.json"));
  config.Set("annotations", DataPath(kDir + "annotations.json"));
  config.Set("answer-processor", processor);
  config.Set("predictions", DataPath(kDir + "results_raw.json"));
  Status status = task->Load(config);
  EXPECT_TRUE(status.ok()) << status.message();
  std::vector<Prediction> predictions;
  status = task->ReadPredictions(config, &predictions);
  EXPECT_TRUE(status.ok()) << status.message();
  ScoreResult result;
  status = task->Score(predictions, &result);
  EXPECT_TRUE(status.ok()) << status.message();
  return result;
}

void ExpectMatchesGolden(const ScoreResult& result, const nlohmann::json& golden) {
  EXPECT_EQ(result.metrics["overall"].get<double>(), golden["overall"].get<double>());
  EXPECT_NEAR(result.metrics_unrounded["overall"].get<double>(), golden["overall_12dp"].get<double>(), 1e-9);
  ASSERT_EQ(result.metrics["perAnswerType"].size(), golden["perAnswerType"].size());
  for (const auto& [type, value] : golden["perAnswerType"].items()) {
    EXPECT_EQ(result.metrics["perAnswerType"][type].get<double>(), value.get<double>()) << type;
    EXPECT_NEAR(result.metrics_unrounded["perAnswerType"][type].get<double>(),
                golden["perAnswerType_12dp"][type].get<double>(), 1e-9) << type;
  }
  ASSERT_EQ(result.metrics["perQuestionType"].size(), golden["perQuestionType"].size());
  for (const auto& [type, value] : golden["perQuestionType"].items()) {
    EXPECT_EQ(result.metrics["perQuestionType"][type].get<double>(), value.get<double>()) << type;
  }
  ASSERT_EQ(result.per_sample.size(), golden["evalQA"].size());
  for (const auto& s : result.per_sample) {
    EXPECT_NEAR(100.0 * s.score, golden["evalQA_12dp"][s.id].get<double>(), 1e-9) << s.id;
    EXPECT_EQ(py::Round(100.0 * s.score, 2), golden["evalQA"][s.id].get<double>()) << s.id;
  }
}

TEST(Vqav2Golden, RawAnswersMatchVqaEval) {
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"));
  ExpectMatchesGolden(ScoreGolden("raw"), golden["official_on_raw_answers"]);
}

TEST(Vqav2Golden, LlavaProcessedAnswersMatchVqaEval) {
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"));
  ExpectMatchesGolden(ScoreGolden("llava"), golden["official_on_llava_processed_answers"]);
}

TEST(Vqav2Golden, EvalAiProcessorMatchesLlavaOnEveryAnswer) {
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"));
  auto results = ReadJsonFile(DataPath(kDir + "results_raw.json"));
  size_t checked = 0;
  for (const auto& r : results) {
    std::string id = std::to_string(r["question_id"].get<long long>());
    EXPECT_EQ(vqa::EvalAiProcess(r["answer"].get<std::string>()),
              golden["llava_processed_answers"][id].get<std::string>()) << id;
    ++checked;
  }
  EXPECT_EQ(checked, golden["llava_processed_answers"].size());
}

TEST(Vqav2Golden, EvalAiProcessorUnitCases) {
  auto cases = ReadJsonFile(DataPath(kDir + "answer_processor_cases.json"));
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    EXPECT_EQ(vqa::EvalAiProcess(c["input"].get<std::string>()), c["evalai_processed"].get<std::string>())
        << "input: " << c["input"];
  }
}

TEST(Vqav2Cli, WritesResultJsonWithOfficialNumbers) {
  TempDir dir;
  auto r = RunCli({"score", "--task", "vqav2", "--questions", DataPath(kDir + "questions.json"),
                   "--annotations", DataPath(kDir + "annotations.json"), "--predictions",
                   DataPath(kDir + "results_raw.json"), "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Overall Accuracy is: 84.00"), std::string::npos) << r.out;
  auto result = ReadJsonFile(dir.File("result.json"));
  auto golden = ReadJsonFile(DataPath(kDir + "expected.json"))["official_on_raw_answers"];
  EXPECT_EQ(result["task"], "vqav2");
  EXPECT_EQ(result["metrics"]["overall"].get<double>(), golden["overall"].get<double>());
  EXPECT_EQ(result["metrics"]["perQuestionType"], golden["perQuestionType"]);
  EXPECT_EQ(result["per_sample"].size(), golden["evalQA"].size());
  EXPECT_EQ(result["counts"]["answered"], golden["evalQA"].size());
}

}  // namespace
}  // namespace svit

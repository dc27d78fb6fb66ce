// VizWiz on a small labelled set in the official format, scored from LLaVA's
// upload and from LLaVA's answer lines (tests/data/vizwiz/README.md).
#include <gtest/gtest.h>

#include "metrics/binary_classification.h"
#include "tasks/registry.h"
#include "tests/loaded_task.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ExpectBadInput;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kAnnotations = DataPath("vizwiz/val.json");
const std::string kUpload = DataPath("vizwiz/upload.json");
const std::string kAnswers = DataPath("vizwiz/answers.jsonl");
const std::string kLlavaQuestions = DataPath("vizwiz/llava_val.jsonl");

testing::CliResult Score(const std::string& annotations, const std::string& predictions,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"score", "--task", "vizwiz", "--annotations", annotations,
                                   "--predictions", predictions};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args);
}

void ExpectMatchesExpected(const nlohmann::json& result) {
  auto expected = ReadJsonFile(DataPath("vizwiz/expected.json"));
  EXPECT_EQ(result["metrics"]["overall"], expected["overall"]);
  EXPECT_NEAR(result["metrics_unrounded"]["overall"].get<double>(), expected["overall_unrounded"].get<double>(), 1e-9);
  EXPECT_EQ(result["metrics"]["perAnswerType"], expected["perAnswerType"]);
  for (const auto& [type, value] : expected["perAnswerType_unrounded"].items()) {
    EXPECT_NEAR(result["metrics_unrounded"]["perAnswerType"][type].get<double>(), value.get<double>(), 1e-9) << type;
  }
  EXPECT_EQ(result["metrics"]["unanswerability"], expected["unanswerability"]);
  for (const auto& [key, value] : expected["unanswerability_unrounded"].items()) {
    EXPECT_NEAR(result["metrics_unrounded"]["unanswerability"][key].get<double>(), value.get<double>(), 1e-9) << key;
  }
  ASSERT_EQ(result["per_sample"].size(), expected["per_sample"].size());
  for (const auto& s : result["per_sample"]) {
    EXPECT_NEAR(s["score"].get<double>(), expected["per_sample"][s["id"].get<std::string>()].get<double>(), 1e-9)
        << s["id"];
  }
}

TEST(VizWizScore, LlavaUploadMatchesExpected) {
  TempDir dir;
  auto r = Score(kAnnotations, kUpload, {"--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectMatchesExpected(ReadJsonFile(dir.File("result.json")));
}

TEST(VizWizScore, LlavaAnswerLinesThroughQuestionFileMatchExpected) {
  TempDir dir;
  auto r = Score(kAnnotations, kAnswers, {"--llava-questions", kLlavaQuestions, "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("result.json"));
  ExpectMatchesExpected(result);
  EXPECT_EQ(result["per_sample"][4]["extracted"], "unanswerable");  // "Unanswerable" processed
}

TEST(VizWizMetrics, UnanswerabilityAveragePrecisionEdgeCases) {
  // Every positive found at threshold 1: AP is the precision there.
  auto all_found = binary::Count({true, true, false}, {true, true, true});
  EXPECT_NEAR(*binary::AveragePrecision(all_found), 2.0 / 3.0, 1e-15);
  // Nothing predicted positive: one threshold, precision = prevalence.
  auto none_predicted = binary::Count({true, false, false, false}, {false, false, false, false});
  EXPECT_NEAR(*binary::AveragePrecision(none_predicted), 0.25, 1e-15);
  EXPECT_EQ(binary::F1Score(none_predicted), 0.0);
  EXPECT_FALSE(binary::AveragePrecision(binary::Count({false, false}, {true, false})).has_value());
}

TEST(VizWizTask, SamplesCarryUnanswerablePromptAndImage) {
  auto task = testing::LoadedTask("vizwiz", {{"annotations", kAnnotations}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 8u);
  EXPECT_EQ(samples[1].id, "VizWiz_val_00000003.jpg");
  EXPECT_EQ(samples[1].prompt,
            "What color is this shirt?\nWhen the provided information is insufficient, respond with "
            "'Unanswerable'.\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(samples[1].images[0].path, "VizWiz_val_00000003.jpg");
}

class VizWizBadInput : public ::testing::Test {
 protected:
  std::string answers_ = ReadText(kAnswers);
  TempDir tmp_;
};

TEST_F(VizWizBadInput, MissingAnnotationFile) {
  ExpectBadInput(Score(tmp_.File("val.json"), kUpload), {"val.json", "cannot open"});
}

TEST_F(VizWizBadInput, MalformedUploadJsonNamesLine) {
  ExpectBadInput(Score(kAnnotations, tmp_.Write("u.json", "[\n{\"image\": \"a.jpg\",\n\"answer\": }\n]")),
                 {"u.json:3:", "invalid JSON"});
}

TEST_F(VizWizBadInput, MalformedAnswerLineNamesLine) {
  ExpectBadInput(Score(kAnnotations, tmp_.Write("a.jsonl", answers_ + "{\"question_id\": 9\n"),
                       {"--llava-questions", kLlavaQuestions}),
                 {"a.jsonl:9:"});
}

TEST_F(VizWizBadInput, AnswerForUnknownImage) {
  auto upload = ReadJsonFile(kUpload);
  upload.push_back({{"image", "VizWiz_val_99999999.jpg"}, {"answer", "cup"}});
  ExpectBadInput(Score(kAnnotations, tmp_.Write("u.json", upload.dump())),
                 {"u.json", "image file names", "VizWiz_val_99999999.jpg"});
}

TEST_F(VizWizBadInput, DuplicateAnswer) {
  auto upload = ReadJsonFile(kUpload);
  upload.push_back(upload[2]);
  ExpectBadInput(Score(kAnnotations, tmp_.Write("u.json", upload.dump())),
                 {"duplicate prediction for id 'VizWiz_val_00000006.jpg' (record 2 and record 8)"});
}

TEST_F(VizWizBadInput, WrongFieldType) {
  auto annotations = ReadJsonFile(kAnnotations);
  annotations[6]["answerable"] = true;
  ExpectBadInput(Score(tmp_.Write("val.json", annotations.dump()), kUpload),
                 {"annotations[6]", "field 'answerable' must be an integer, got a boolean"});
}

TEST_F(VizWizBadInput, MissingAnswersAreAnErrorAsInLlavasConverter) {
  auto upload = ReadJsonFile(kUpload);
  upload.erase(upload.begin() + 5);
  ExpectBadInput(Score(kAnnotations, tmp_.Write("u.json", upload.dump())),
                 {"1 of 8 questions have no answer", "VizWiz_val_00000015.jpg"});
}

}  // namespace
}  // namespace svit

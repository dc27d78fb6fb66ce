// SEED-Bench against LLaVA's convert_seed_for_submission.py run on a small
// set in the official format (tests/data/seed/README.md).
#include <gtest/gtest.h>

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

const std::string kAnnotations = DataPath("seed/SEED-Bench.json");
const std::string kAnswers = DataPath("seed/answers.jsonl");

testing::CliResult Score(const std::string& annotations, const std::string& answers,
                         const std::string& output = "") {
  std::vector<std::string> args = {"score", "--task", "seed", "--annotations", annotations,
                                   "--predictions", answers};
  if (!output.empty()) args.insert(args.end(), {"--output", output});
  return RunCli(args);
}

TEST(SeedScript, ReproducesConvertSeedForSubmission) {
  TempDir dir;
  auto r = Score(kAnnotations, kAnswers, dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = ReadJsonFile(DataPath("seed/expected.json"));
  auto result = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(result["official_output"], expected["printed"]);
  const auto& unrounded = expected["accuracy_unrounded"];
  EXPECT_EQ(result["metrics_unrounded"]["total_accuracy"].get<double>(), unrounded["all"].get<double>());
  EXPECT_EQ(result["metrics_unrounded"]["image_accuracy"].get<double>(), unrounded["image"].get<double>());
  EXPECT_EQ(result["metrics_unrounded"]["video_accuracy"].get<double>(), unrounded["video"].get<double>());
  EXPECT_EQ(result["metrics"]["total_accuracy"].get<double>(), 46.15);
  for (const auto& [name, value] : result["metrics_unrounded"]["per_question_type"].items()) {
    EXPECT_EQ(value.get<double>(), unrounded[name].get<double>()) << name;
  }
  EXPECT_EQ(result["metrics_unrounded"]["per_question_type"].size(), 4u);
  ASSERT_EQ(result["per_sample"].size(), expected["per_sample_correct"].size());
  for (const auto& s : result["per_sample"]) {
    EXPECT_EQ(s["score"].get<double>(), expected["per_sample_correct"][s["id"].get<std::string>()].get<double>())
        << s["id"];
  }
  EXPECT_EQ(result["counts"]["missing"], 2);
  EXPECT_NE(r.out.find("2 questions have no answer and count as wrong"), std::string::npos) << r.out;
}

TEST(SeedTask, SamplesCarryChoicesPromptAndImageOrVideoFrame) {
  auto task = testing::LoadedTask("seed", {{"annotations", kAnnotations}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 13u);
  EXPECT_EQ(samples[0].id, "101669");
  EXPECT_EQ(samples[0].prompt,
            "How many towels are in image 0?\nA. One\nB. Two\nC. Three\nD. Four\n"
            "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(samples[0].choices.size(), 4u);
  EXPECT_EQ(samples[0].images[0].path, "SEED-Bench-image/1454426_2591111986");
  EXPECT_EQ(samples[10].images[0].path, "SEED-Bench-video-image/10_101679.png");
}

class SeedBadInput : public ::testing::Test {
 protected:
  std::string answers_ = ReadText(kAnswers);
  TempDir tmp_;
};

TEST_F(SeedBadInput, MissingAnnotationFile) {
  ExpectBadInput(Score(tmp_.File("SEED-Bench.json"), kAnswers), {"SEED-Bench.json", "cannot open"});
}

TEST_F(SeedBadInput, MalformedAnnotationJsonNamesLine) {
  std::string text = ReadText(kAnnotations);
  size_t at = text.find("\"choice_b\"");
  text = text.substr(0, at) + '}' + text.substr(at);
  // The file is indented one key per line; the brace lands on line 6.
  ExpectBadInput(Score(tmp_.Write("SEED-Bench.json", text), kAnswers), {"SEED-Bench.json:6:", "invalid JSON"});
}

TEST_F(SeedBadInput, MalformedAnswerLineNamesLine) {
  ExpectBadInput(Score(kAnnotations, tmp_.Write("a.jsonl", answers_ + "{\"question_id\": 1,, }\n")), {"a.jsonl:12:"});
}

TEST_F(SeedBadInput, AnswerForUnknownQuestion) {
  std::string extra = R"({"question_id": 424242, "text": "A"})" "\n";
  ExpectBadInput(Score(kAnnotations, tmp_.Write("a.jsonl", answers_ + extra)),
                 {"a.jsonl", "ids the benchmark does not have: 424242"});
}

TEST_F(SeedBadInput, DuplicateAnswerAcrossIntegerAndStringIds) {
  std::string extra = R"({"question_id": "101669", "text": "B"})" "\n";
  ExpectBadInput(Score(kAnnotations, tmp_.Write("a.jsonl", answers_ + extra)),
                 {"a.jsonl", "duplicate prediction for id '101669'"});
}

TEST_F(SeedBadInput, WrongFieldType) {
  auto annotations = ReadJsonFile(kAnnotations);
  annotations["questions"][3]["question_type_id"] = "1";
  ExpectBadInput(Score(tmp_.Write("SEED-Bench.json", annotations.dump()), kAnswers),
                 {"questions[3]", "field 'question_type_id' must be an integer, got a string"});
}

TEST_F(SeedBadInput, DuplicateQuestionId) {
  auto annotations = ReadJsonFile(kAnnotations);
  annotations["questions"][4]["question_id"] = "101669";
  ExpectBadInput(Score(tmp_.Write("SEED-Bench.json", annotations.dump()), kAnswers),
                 {"questions[4]", "duplicate question_id 101669"});
}

}  // namespace
}  // namespace svit

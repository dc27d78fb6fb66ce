// GQA against LLaVA's convert_gqa_for_eval.py followed by the accuracy part
// of the official GQA eval.py, on a small set in the official format
// (tests/data/gqa/README.md).
#include <gtest/gtest.h>

#include "metrics/exact_match.h"
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

const std::string kQuestions = DataPath("gqa/testdev_balanced_questions.json");
const std::string kAnswers = DataPath("gqa/answers.jsonl");

testing::CliResult Score(const std::string& questions, const std::string& answers,
                         const std::string& output = "") {
  std::vector<std::string> args = {"score", "--task", "gqa", "--questions", questions, "--predictions", answers};
  if (!output.empty()) args.insert(args.end(), {"--output", output});
  return RunCli(args);
}

void ExpectMatchesEvalPy(const std::string& predictions) {
  TempDir dir;
  auto r = Score(kQuestions, predictions, dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = ReadJsonFile(DataPath("gqa/expected.json"));
  auto result = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(result["official_output"], expected["printed"]);
  for (const char* key : {"accuracy", "binary", "open"}) {
    EXPECT_EQ(result["metrics_unrounded"][key].get<double>(), expected[key].get<double>()) << key;
  }
  for (const char* key : {"accuracyPerStructuralType", "accuracyPerSemanticType", "accuracyPerSteps",
                          "accuracyPerLength"}) {
    ASSERT_EQ(result["metrics_unrounded"][key].size(), expected[key].size()) << key;
    for (const auto& [type, value] : expected[key].items()) {
      EXPECT_EQ(result["metrics_unrounded"][key][type].get<double>(), value.get<double>()) << key << " " << type;
    }
  }
  EXPECT_EQ(result["metrics"]["accuracy"].get<double>(), 75.0);
  EXPECT_EQ(result["metrics"]["open"].get<double>(), 66.67);
  for (const auto& s : result["per_sample"]) {
    std::string id = s["id"];
    if (!expected["predictions"].contains(id)) {
      EXPECT_EQ(s["balanced"], false) << id;
      continue;
    }
    EXPECT_EQ(s["extracted"], expected["predictions"][id]) << id;
  }
}

TEST(GqaEvalPy, LlavaAnswersReproduceEvalPy) { ExpectMatchesEvalPy(kAnswers); }

TEST(GqaEvalPy, ConvertedPredictionsFileReproducesEvalPy) {
  auto expected = ReadJsonFile(DataPath("gqa/expected.json"));
  nlohmann::json converted = nlohmann::json::array();
  for (const auto& [id, prediction] : expected["predictions"].items()) {
    converted.push_back({{"questionId", id}, {"prediction", prediction}});
  }
  TempDir dir;
  ExpectMatchesEvalPy(dir.Write("testdev_balanced_predictions.json", converted.dump()));
}

TEST(GqaLmmsEval, ExactMatchVariantIsReportedUnderItsOwnName) {
  TempDir dir;
  auto r = Score(kQuestions, kAnswers, dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = ReadJsonFile(DataPath("gqa/expected.json"));
  auto result = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(result["metrics_unrounded"]["lmms_eval_exact_match"].get<double>(),
            expected["lmms_eval_exact_match"].get<double>());
}

TEST(GqaMetrics, Normalisations) {
  EXPECT_EQ(em::GqaPrediction("Yes..."), "yes");
  EXPECT_EQ(em::GqaPrediction("No, it is not."), "no, it is not");
  EXPECT_EQ(em::GqaPrediction("..."), "");
  EXPECT_EQ(em::GqaPrediction(" Left. "), " left. ");  // rstrip('.') only
  EXPECT_TRUE(em::LmmsEvalExactMatch("T-shirt!", "t shirt") == false);
  EXPECT_TRUE(em::LmmsEvalExactMatch("T-Shirt.", "tshirt"));
}

TEST(GqaTask, SamplesCarryShortAnswerPromptAndImage) {
  auto task = testing::LoadedTask("gqa", {{"questions", kQuestions}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 9u);
  EXPECT_EQ(samples[0].id, "201307251");
  EXPECT_EQ(samples[0].prompt, "Is the plate on the left or right?\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(samples[0].images[0].path, "n15000.jpg");
}

class GqaBadInput : public ::testing::Test {
 protected:
  std::string answers_ = ReadText(kAnswers);
  TempDir tmp_;
};

TEST_F(GqaBadInput, MissingQuestionsFile) {
  ExpectBadInput(Score(tmp_.File("testdev.json"), kAnswers), {"testdev.json", "cannot open"});
}

TEST_F(GqaBadInput, MalformedQuestionsJsonNamesLine) {
  ExpectBadInput(Score(tmp_.Write("q.json", "{\n\"1\": {\"question\": \"q\",\n\"answer\": yes}}"), kAnswers),
                 {"q.json:3:", "invalid JSON"});
}

TEST_F(GqaBadInput, MalformedAnswerLineNamesLine) {
  ExpectBadInput(Score(kQuestions, tmp_.Write("p.jsonl", "\n" + answers_ + "not json\n")), {"p.jsonl:10:"});
}

TEST_F(GqaBadInput, AnswerForUnknownQuestion) {
  std::string extra = R"({"question_id": "999", "text": "yes"})" "\n";
  ExpectBadInput(Score(kQuestions, tmp_.Write("p.jsonl", answers_ + extra)), {"p.jsonl", "999"});
}

TEST_F(GqaBadInput, DuplicateAnswer) {
  std::string extra = R"({"question_id": "20968379", "text": "red"})" "\n";
  ExpectBadInput(Score(kQuestions, tmp_.Write("p.jsonl", answers_ + extra)),
                 {"duplicate prediction for id '20968379' (line 4 and line 9)"});
}

TEST_F(GqaBadInput, WrongFieldType) {
  auto questions = ReadJsonFile(kQuestions);
  questions["20968379"]["isBalanced"] = "true";
  ExpectBadInput(Score(tmp_.Write("q.json", questions.dump()), kAnswers),
                 {"question 20968379", "'isBalanced' must be a boolean, got a string"});
}

TEST_F(GqaBadInput, MissingPredictionsAreAnErrorAsInEvalPy) {
  std::string partial = answers_.substr(answers_.find('\n') + 1);
  ExpectBadInput(Score(kQuestions, tmp_.Write("p.jsonl", partial)),
                 {"1 balanced questions have no prediction", "201307251"});
}

}  // namespace
}  // namespace svit

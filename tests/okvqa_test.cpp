// OK-VQA against lmms-eval's ok_vqa scoring run on a small set in the
// official VQA format (tests/data/okvqa/README.md).
#include <gtest/gtest.h>

#include "metrics/vqa_accuracy.h"
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

const std::string kQuestions = DataPath("okvqa/OpenEnded_mscoco_val2014_questions.json");
const std::string kAnnotations = DataPath("okvqa/mscoco_val2014_annotations.json");
const std::string kAnswers = DataPath("okvqa/answers.jsonl");

testing::CliResult Score(const std::string& questions, const std::string& annotations,
                         const std::string& answers, const std::string& output = "") {
  std::vector<std::string> args = {"score", "--task", "okvqa", "--questions", questions,
                                   "--annotations", annotations, "--predictions", answers};
  if (!output.empty()) args.insert(args.end(), {"--output", output});
  return RunCli(args);
}

TEST(OkVqaLmmsEval, ReproducesProcessResultsAndMean) {
  TempDir dir;
  auto r = Score(kQuestions, kAnnotations, kAnswers, dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = ReadJsonFile(DataPath("okvqa/expected.json"));
  auto result = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(result["metrics_unrounded"]["exact_match"].get<double>(), expected["exact_match"].get<double>());
  EXPECT_EQ(result["metrics"]["exact_match"].get<double>(), 0.6286);
  ASSERT_EQ(result["per_sample"].size(), expected["per_sample"].size());
  for (const auto& s : result["per_sample"]) {
    std::string id = s["id"];
    // Bit-exact: statistics.mean, not a float sum (ids 5410 and 5430 differ).
    EXPECT_EQ(s["score"].get<double>(), expected["per_sample"][id].get<double>()) << id;
    EXPECT_EQ(s["extracted"], expected["processed"][id]) << id;
  }
}

TEST(OkVqaLmmsEval, ExactMeanMatchesStatisticsMean) {
  auto cases = ReadJsonFile(DataPath("okvqa/exact_mean_cases.json"));
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    size_t n = c["answers"], k = c["matches"];
    // The matching answers at the end, then at the start: the order must not matter.
    for (bool at_end : {true, false}) {
      std::vector<std::string> gt(n, "other");
      for (size_t i = 0; i < k; ++i) gt[at_end ? n - 1 - i : i] = "match";
      EXPECT_EQ(vqa::LeaveOneOutAccuracyExactMean("match", gt), c["statistics_mean"].get<double>())
          << n << " answers, " << k << " matches";
    }
  }
}

TEST(OkVqaTask, SamplesUseLmmsEvalPromptAndCocoImages) {
  auto task = testing::LoadedTask("okvqa", {{"questions", kQuestions}, {"annotations", kAnnotations}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 7u);
  EXPECT_EQ(samples[0].id, "5370");
  EXPECT_EQ(samples[0].prompt,
            "What sport can you use this for?\nWhen the provided information is insufficient, respond with "
            "'Unanswerable'.\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(samples[0].images[0].path, "COCO_val2014_000000297147.jpg");
}

class OkVqaBadInput : public ::testing::Test {
 protected:
  std::string answers_ = ReadText(kAnswers);
  TempDir tmp_;
};

TEST_F(OkVqaBadInput, MissingQuestionsFile) {
  ExpectBadInput(Score(tmp_.File("q.json"), kAnnotations, kAnswers), {"q.json", "cannot open"});
}

TEST_F(OkVqaBadInput, MalformedAnnotationJsonNamesLine) {
  std::string text = ReadText(kAnnotations);
  size_t at = text.find("\"answer_type\"");
  text = text.substr(0, at) + "," + text.substr(at);
  ExpectBadInput(Score(kQuestions, tmp_.Write("a.json", text), kAnswers), {"a.json:", "invalid JSON"});
}

TEST_F(OkVqaBadInput, MalformedAnswerLineNamesLine) {
  ExpectBadInput(Score(kQuestions, kAnnotations, tmp_.Write("p.jsonl", answers_ + "{oops}\n")), {"p.jsonl:8:"});
}

TEST_F(OkVqaBadInput, AnswerForUnknownQuestion) {
  std::string extra = R"({"question_id": 1, "text": "dog"})" "\n";
  ExpectBadInput(Score(kQuestions, kAnnotations, tmp_.Write("p.jsonl", answers_ + extra)),
                 {"p.jsonl", "ids the benchmark does not have: 1"});
}

TEST_F(OkVqaBadInput, DuplicateResult) {
  std::string results = R"([{"question_id": 5370, "answer": "race"}, {"question_id": 5370, "answer": "ride"}])";
  ExpectBadInput(Score(kQuestions, kAnnotations, tmp_.Write("r.json", results)),
                 {"r.json", "duplicate prediction for id '5370' (record 0 and record 1)"});
}

TEST_F(OkVqaBadInput, WrongFieldType) {
  auto annotations = ReadJsonFile(kAnnotations);
  annotations["annotations"][2]["answers"][4]["answer"] = 4;
  ExpectBadInput(Score(kQuestions, tmp_.Write("a.json", annotations.dump()), kAnswers),
                 {"annotations[2]", "answers[4]", "field 'answer' must be a string, got an integer"});
}

TEST_F(OkVqaBadInput, MissingAnswersAreAnError) {
  std::string partial = answers_.substr(0, answers_.find('\n') + 1);
  ExpectBadInput(Score(kQuestions, kAnnotations, tmp_.Write("p.jsonl", partial)),
                 {"6 of 7 questions have no answer", "5380"});
}

}  // namespace
}  // namespace svit

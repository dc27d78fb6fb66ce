// ScienceQA against the golden outputs of LLaVA's eval_science_qa.py and
// against the script's outputs on a set with right and wrong answers.
#include <gtest/gtest.h>

#include "metrics/science_qa.h"
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

testing::CliResult Score(const std::string& dir, const std::string& predictions,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"score", "--task", "scienceqa", "--problems", dir + "/problems.json",
                                   "--splits", dir + "/pid_splits.json", "--predictions", predictions};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args);
}

// Runs the CLI on `dir` and checks every value eval_science_qa.py produced.
void ExpectMatchesScript(const std::string& dir) {
  TempDir out;
  auto r = Score(dir, dir + "/predictions.jsonl", {"--output", out.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto expected = ReadJsonFile(dir + "/expected.json");
  auto result = ReadJsonFile(out.File("result.json"));
  // The script's print() ends the line; the golden file stores it without.
  std::string printed = expected["printed"].get<std::string>();
  if (printed.back() != '\n') printed += '\n';
  EXPECT_EQ(result["official_output"], printed);
  EXPECT_NE(r.out.find(printed), std::string::npos) << r.out;
  EXPECT_NEAR(result["metrics_unrounded"]["acc"].get<double>(), expected["acc"].get<double>(), 1e-9);
  EXPECT_EQ(result["metrics"]["correct"], expected["correct"]);
  EXPECT_EQ(result["metrics"]["count"], expected["count"]);
  ASSERT_EQ(result["per_sample"].size(), expected["pred_idx"].size());
  for (const auto& s : result["per_sample"]) {
    std::string pid = s["id"];
    EXPECT_EQ(s["pred_idx"], expected["pred_idx"][pid]) << pid;
    EXPECT_EQ(s["extracted"], expected["parsed_ans"][pid]) << pid;
    if (expected.contains("is_multimodal")) {
      EXPECT_EQ(s["is_multimodal"], expected["is_multimodal"][pid]) << pid;
    }
  }
}

TEST(ScienceQaGolden, ReproducesEvalScienceQa) { ExpectMatchesScript(DataPath("golden/scienceqa")); }

TEST(ScienceQaGolden, MissingPredictionIsReportedAndScoredFailed) {
  TempDir out;
  std::string dir = DataPath("golden/scienceqa");
  auto r = Score(dir, dir + "/predictions.jsonl", {"--output", out.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(out.File("result.json"));
  EXPECT_EQ(result["counts"]["missing"], 1);
  // Answered replies the script parses as FAILED are counted as unparseable.
  auto parsed = ReadJsonFile(dir + "/expected.json")["parsed_ans"];
  size_t unreadable = 0;
  for (const auto& [pid, answer] : parsed.items()) unreadable += answer == "FAILED" && pid != "1072";
  EXPECT_EQ(result["counts"]["unparseable"], unreadable);
  EXPECT_EQ(result["counts"]["answered"].get<size_t>() + unreadable, 29u);
  for (const auto& s : result["per_sample"]) {
    if (s["id"] != "1072") continue;
    EXPECT_EQ(s["status"], "missing");
    EXPECT_EQ(s["prediction"], "FAILED");
    EXPECT_EQ(s["is_multimodal"], false);  // the script's prompt 'Unknown'
  }
}

TEST(ScienceQaScript, RightAndWrongAnswersMatchEvalScienceQa) { ExpectMatchesScript(DataPath("scienceqa")); }

TEST(ScienceQaScript, SplitWithoutImageAnswersReportsImgAccuracyAsUndefined) {
  std::string dir = DataPath("scienceqa");
  TempDir out;
  std::string answers = out.Write("val.jsonl", R"({"question_id": "77", "prompt": "Question 77?", "text": "A"})" "\n");
  auto r = Score(dir, answers, {"--split", "val", "--output", out.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Total: 1, Correct: 1, Accuracy: 100.00%, IMG-Accuracy: n/a"), std::string::npos) << r.out;
  auto result = ReadJsonFile(out.File("result.json"));
  EXPECT_TRUE(result["metrics"]["img_acc"].is_null());
  EXPECT_EQ(result["metrics"]["img_count"], 0);
}

TEST(ScienceQaParse, RulesOfTheScript) {
  EXPECT_EQ(sqa::ParseAnswer("C"), "C");
  EXPECT_EQ(sqa::ParseAnswer("F"), "FAILED");          // rule (a) only knows A..E
  EXPECT_EQ(sqa::ParseAnswer("B. sticky"), "B");
  EXPECT_EQ(sqa::ParseAnswer("B."), "FAILED");         // rule (b) needs 3 characters
  EXPECT_EQ(sqa::ParseAnswer("The answer is F."), "F");  // rule (c) takes A..Z
  EXPECT_EQ(sqa::ParseAnswer("The answer is A"), "FAILED");  // '.' needs a character
  EXPECT_EQ(sqa::ParseAnswer("The answer is A\n"), "FAILED");  // ... other than a newline
  EXPECT_EQ(sqa::ParseAnswer("The answer is Aé"), "A");
  EXPECT_EQ(sqa::ParseAnswer("The answer is AThe answer is B."), "A");  // matches do not overlap
  EXPECT_EQ(sqa::ParseAnswer("The answer is A. The answer is B."), "FAILED");
  EXPECT_EQ(sqa::ChoiceIndex("C", 3), 2);
  EXPECT_EQ(sqa::ChoiceIndex("D", 3), -1);
  EXPECT_EQ(sqa::ChoiceIndex("FAILED", 5), -1);
}

TEST(ScienceQaTask, SamplesCarryLlavaPromptsChoicesAndImages) {
  auto task = testing::LoadedTask(
      "scienceqa", {{"problems", DataPath("scienceqa/problems.json")}, {"splits", DataPath("scienceqa/pid_splits.json")}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 8u);
  EXPECT_EQ(samples[2].id, "15");
  EXPECT_EQ(samples[2].prompt,
            "Context: Figure: Marseille.\nQuestion 15?\nA. weather\nB. climate\n"
            "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(samples[2].choices, (std::vector<std::string>{"weather", "climate"}));
  ASSERT_EQ(samples[2].images.size(), 1u);
  EXPECT_EQ(samples[2].images[0].path, "15/image.png");
  EXPECT_TRUE(samples[1].images.empty());
}

class ScienceQaBadInput : public ::testing::Test {
 protected:
  std::string dir_ = DataPath("scienceqa");
  std::string answers_ = ReadText(DataPath("scienceqa/predictions.jsonl"));
  TempDir tmp_;
};

TEST_F(ScienceQaBadInput, MissingProblemsFile) {
  auto r = RunCli({"score", "--task", "scienceqa", "--problems", tmp_.File("problems.json"), "--splits",
                   dir_ + "/pid_splits.json", "--predictions", dir_ + "/predictions.jsonl"});
  ExpectBadInput(r, {"problems.json", "cannot open"});
}

TEST_F(ScienceQaBadInput, MalformedProblemsJsonNamesLine) {
  tmp_.Write("problems.json", "{\n \"4\": {\"question\": \"q\",\n  \"choices\": [\"a\" \"b\"]}\n}\n");
  tmp_.Write("pid_splits.json", R"({"test": ["4"]})");
  ExpectBadInput(Score(tmp_.path(), dir_ + "/predictions.jsonl"), {"problems.json:3:", "invalid JSON"});
}

TEST_F(ScienceQaBadInput, MalformedPredictionLineNamesLine) {
  ExpectBadInput(Score(dir_, tmp_.Write("p.jsonl", answers_ + "{\"question_id\": \"50\",\n")), {"p.jsonl:8:"});
}

TEST_F(ScienceQaBadInput, PredictionForPidOutsideTheSplit) {
  std::string extra = R"({"question_id": "77", "prompt": "q", "text": "A"})" "\n";
  ExpectBadInput(Score(dir_, tmp_.Write("p.jsonl", answers_ + extra)),
                 {"p.jsonl", "pids of the scored split", "77"});
}

TEST_F(ScienceQaBadInput, DuplicatePrediction) {
  std::string extra = R"({"question_id": "4", "prompt": "q", "text": "B"})" "\n";
  ExpectBadInput(Score(dir_, tmp_.Write("p.jsonl", answers_ + extra)),
                 {"p.jsonl", "duplicate prediction for id '4' (line 1 and line 8)"});
}

TEST_F(ScienceQaBadInput, WrongFieldType) {
  auto problems = ReadJsonFile(dir_ + "/problems.json");
  problems["21"]["answer"] = "C";
  tmp_.Write("problems.json", problems.dump());
  tmp_.Write("pid_splits.json", ReadText(dir_ + "/pid_splits.json"));
  ExpectBadInput(Score(tmp_.path(), dir_ + "/predictions.jsonl"),
                 {"problem 21", "field 'answer' must be an integer, got a string"});
}

TEST_F(ScienceQaBadInput, SplitPidMissingFromProblems) {
  tmp_.Write("problems.json", ReadText(dir_ + "/problems.json"));
  tmp_.Write("pid_splits.json", R"({"test": ["4", "999"]})");
  ExpectBadInput(Score(tmp_.path(), dir_ + "/predictions.jsonl"), {"problem 999", "not in"});
}

TEST_F(ScienceQaBadInput, UnknownSplit) {
  ExpectBadInput(Score(dir_, dir_ + "/predictions.jsonl", {"--split", "minival"}), {"no split 'minival'"});
}

}  // namespace
}  // namespace svit

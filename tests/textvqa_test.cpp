// TextVQA against the golden outputs of LLaVA's eval_textvqa.py
// (m4c TextVQAAccuracyEvaluator), on the golden pred_list directly and
// through TextVQA-format files built from it.
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

const std::string kAnnotations = DataPath("textvqa/TextVQA_0.5.1_val.json");
const std::string kAnswers = DataPath("textvqa/answers.jsonl");

nlohmann::json Golden() { return ReadJsonFile(DataPath("golden/textvqa/expected.json")); }

std::vector<std::string> AnswerLines() {
  std::vector<std::string> lines;
  std::string text = ReadText(kAnswers);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

testing::CliResult Score(const std::string& annotations, const std::string& answers,
                         const std::string& output = "") {
  std::vector<std::string> args = {"score", "--task", "textvqa", "--annotations", annotations,
                                   "--predictions", answers};
  if (!output.empty()) args.insert(args.end(), {"--output", output});
  return RunCli(args);
}

TEST(TextVqaGolden, EvaluatorOnPredListMatchesEvalPredList) {
  auto pred_list = ReadJsonFile(DataPath("golden/textvqa/pred_list.json"));
  auto golden = Golden();
  ASSERT_EQ(pred_list.size(), golden["per_item"].size());
  double sum = 0.0;
  for (size_t i = 0; i < pred_list.size(); ++i) {
    std::vector<std::string> answers;
    for (const auto& a : pred_list[i]["gt_answers"]) answers.push_back(vqa::EvalAiProcess(a.get<std::string>()));
    double score = vqa::LeaveOneOutAccuracy(vqa::EvalAiProcess(pred_list[i]["pred_answer"].get<std::string>()),
                                            answers);
    EXPECT_NEAR(score, golden["per_item"][i].get<double>(), 1e-9) << "item " << i;
    sum += score;
  }
  EXPECT_NEAR(sum / pred_list.size(), golden["accuracy"].get<double>(), 1e-9);
}

TEST(TextVqaCli, OfficialFilesReproduceGoldenAccuracyAndEveryItem) {
  TempDir dir;
  auto r = Score(kAnnotations, kAnswers, dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Samples: 25\nAccuracy: 16.00%"), std::string::npos) << r.out;
  auto result = ReadJsonFile(dir.File("result.json"));
  auto golden = Golden();
  EXPECT_EQ(result["metrics"]["accuracy"].get<double>(), 16.0);
  EXPECT_NEAR(result["metrics_unrounded"]["accuracy"].get<double>() / 100.0, golden["accuracy"].get<double>(), 1e-9);
  ASSERT_EQ(result["per_sample"].size(), golden["per_item"].size());
  for (size_t i = 0; i < golden["per_item"].size(); ++i) {
    const auto& s = result["per_sample"][i];
    EXPECT_EQ(s["id"], std::to_string(34602 + i));  // annotation i is golden item i
    EXPECT_NEAR(s["score"].get<double>(), golden["per_item"][i].get<double>(), 1e-9) << i;
  }
  EXPECT_EQ(result["counts"]["answered"], 25);
  EXPECT_EQ(result["counts"]["missing"], 0);
}

TEST(TextVqaCli, UnansweredQuestionsAreCountedAndLeftOutOfTheAccuracy) {
  auto lines = AnswerLines();
  lines.erase(lines.begin());  // answers are reversed: the first line is item 24
  TempDir dir;
  auto r = Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines)), dir.File("result.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("result.json"));
  auto per_item = Golden()["per_item"];
  double sum = 0.0;
  for (size_t i = 0; i + 1 < per_item.size(); ++i) sum += per_item[i].get<double>();
  EXPECT_NEAR(result["metrics_unrounded"]["accuracy"].get<double>(), 100.0 * sum / 24.0, 1e-9);
  EXPECT_EQ(result["counts"]["missing"], 1);
  EXPECT_EQ(result["per_sample"][24]["status"], "missing");
  EXPECT_NE(r.out.find("Samples: 24"), std::string::npos);
  EXPECT_NE(r.out.find("1 questions have no answer"), std::string::npos) << r.out;
}

TEST(TextVqaTask, SamplesCarryLlavaPromptsAndImages) {
  auto task = testing::LoadedTask("textvqa", {{"annotations", kAnnotations}});
  ASSERT_NE(task, nullptr);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 25u);
  EXPECT_EQ(samples[0].id, "34602");
  EXPECT_EQ(samples[0].prompt,
            "what brand is item 0?\nReference OCR token: TOKEN0, nokia\n"
            "Answer the question using a single word or phrase.");
  EXPECT_EQ(samples[3].prompt, "what brand is item 3?\nAnswer the question using a single word or phrase.");
  ASSERT_EQ(samples[3].images.size(), 1u);
  EXPECT_EQ(samples[3].images[0].path, "a00000000000001.jpg");
}

TEST(TextVqaBadInput, MissingAnnotationFile) {
  ExpectBadInput(Score("/nonexistent/TextVQA_0.5.1_val.json", kAnswers),
                 {"/nonexistent/TextVQA_0.5.1_val.json", "cannot open"});
}

TEST(TextVqaBadInput, MalformedAnnotationJsonNamesLine) {
  TempDir dir;
  std::string path = dir.Write("val.json", "{\"data\": [\n  {\"image_id\": \"a\",\n  \"question\" \"q\"}\n]}\n");
  ExpectBadInput(Score(path, kAnswers), {"val.json:3:", "invalid JSON"});
}

TEST(TextVqaBadInput, MalformedAnswerLineNamesLine) {
  auto lines = AnswerLines();
  lines[2] = "{\"question_id\": \"x\", \"text\": ";
  TempDir dir;
  ExpectBadInput(Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines))), {"answers.jsonl:3:"});
}

TEST(TextVqaBadInput, AnswerForUnknownQuestion) {
  auto lines = AnswerLines();
  lines.push_back(R"({"question_id": "ffff", "prompt": "what is it?\nAnswer briefly.", "text": "x"})");
  TempDir dir;
  ExpectBadInput(Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines))),
                 {"match no annotation", "line 26 (image ffff, 'what is it?')"});
}

TEST(TextVqaBadInput, DuplicateAnswer) {
  auto lines = AnswerLines();
  lines.push_back(lines[4]);
  TempDir dir;
  ExpectBadInput(Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines))),
                 {"answers.jsonl:26", "duplicate answer"});
}

TEST(TextVqaBadInput, WrongFieldType) {
  auto lines = AnswerLines();
  lines[0] = R"({"question_id": "a0000000000000c", "prompt": "q\nAnswer.", "text": 7})";
  TempDir dir;
  ExpectBadInput(Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines))),
                 {"answers.jsonl:1", "field 'text' must be a string, got an integer"});
}

TEST(TextVqaBadInput, PromptInNoKnownLayout) {
  auto lines = AnswerLines();
  lines[1] = R"({"question_id": "a0000000000000b", "prompt": "one line only", "text": "x"})";
  TempDir dir;
  ExpectBadInput(Score(kAnnotations, dir.Write("answers.jsonl", JoinLines(lines))),
                 {"answers.jsonl:2", "field 'prompt'"});
}

TEST(TextVqaBadInput, QuestionWithoutTenAnswers) {
  auto annotations = ReadJsonFile(kAnnotations);
  annotations["data"][5]["answers"].erase(0);
  TempDir dir;
  ExpectBadInput(Score(dir.Write("val.json", annotations.dump()), kAnswers),
                 {"data[5]", "has 9 answers", "exactly 10"});
}

}  // namespace
}  // namespace svit

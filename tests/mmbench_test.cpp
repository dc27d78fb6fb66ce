// MMBench against the golden CircularEval outputs of lmms-eval's
// mmbench_evals.py, a small real-format TSV (base64 PNGs, hints, quoted
// fields, missing options, image references), and bad input via the CLI.
#include <gtest/gtest.h>

#include <sstream>

#include "core/base64.h"
#include "metrics/mmbench_matching.h"
#include "tasks/registry.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kMini = "mmbench/";
const std::string kHeader =
    "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\tsource\tl2-category\tcomment\tsplit\timage\n";

std::string RedPixelBase64() {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes = ReadText(DataPath(kMini + "red_pixel.png")), out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

Status Score(const std::string& task_name, const std::string& data, const std::string& predictions,
             ScoreResult* result, std::vector<Sample>* samples = nullptr) {
  std::unique_ptr<Task> task;
  SVIT_RETURN_IF_ERROR(CreateTask(task_name, &task));
  TaskConfig config;
  config.Set("data", data);
  config.Set("predictions", predictions);
  SVIT_RETURN_IF_ERROR(task->Load(config));
  if (samples) *samples = task->samples();
  std::vector<Prediction> loaded;
  SVIT_RETURN_IF_ERROR(task->ReadPredictions(config, &loaded));
  return task->Score(loaded, result);
}

// The golden rows as an MMBench TSV (no hint, a 1x1 PNG) and LLaVA answers.
void WriteGoldenFiles(const TempDir& dir, std::string* tsv, std::string* answers) {
  auto rows = ReadJsonFile(DataPath("golden/mmbench/circular_rows.json"));
  std::string image = RedPixelBase64();
  std::ostringstream table, jsonl;
  table << kHeader;
  for (const auto& row : rows) {
    table << row["index"].get<long>() << "\t" << row["question"].get<std::string>() << "\tnan";
    for (const char* letter : {"A", "B", "C", "D"}) {
      table << "\t" << (row[letter].is_null() ? "" : row[letter].get<std::string>());
    }
    table << "\t" << row["answer"].get<std::string>() << "\t" << row["category"].get<std::string>()
          << "\tgolden\t" << row["l2-category"].get<std::string>() << "\tnan\tdev\t" << image << "\n";
    nlohmann::json answer = {{"question_id", row["index"]}, {"round_id", 0}, {"text", row["prediction"]}};
    jsonl << answer.dump() << "\n";
  }
  *tsv = dir.Write("golden.tsv", table.str());
  *answers = dir.Write("golden_answers.jsonl", jsonl.str());
}

TEST(MmbenchGolden, CircularEvalMatchesLmmsEval) {
  TempDir dir;
  std::string tsv, answers;
  WriteGoldenFiles(dir, &tsv, &answers);
  ScoreResult result;
  Status status = Score("mmbench", tsv, answers, &result);
  ASSERT_TRUE(status.ok()) << status.message();
  auto golden = ReadJsonFile(DataPath("golden/mmbench/expected.json"));
  EXPECT_EQ(result.metrics["overall"].get<double>(), golden["overall"].get<double>());
  EXPECT_NEAR(result.metrics_unrounded["overall"].get<double>(), golden["overall"].get<double>(), 1e-9);
  for (const char* level : {"category", "l2_category"}) {
    ASSERT_EQ(result.metrics[level].size(), golden[level].size()) << level;
    for (const auto& [name, value] : golden[level].items()) {
      EXPECT_EQ(result.metrics[level][name].get<double>(), value.get<double>()) << name;
    }
  }
  const auto& letters = golden["extracted_letter_per_row"];
  ASSERT_EQ(result.per_sample.size(), letters.size());
  for (const auto& s : result.per_sample) {
    EXPECT_EQ(s.extracted, letters[s.id].get<std::string>()) << s.id;
    EXPECT_EQ(s.status, SampleStatus::kAnswered) << s.id;
  }
  EXPECT_EQ(result.counts.unparseable, 0u);
}

TEST(MmbenchGolden, VlmEvalKitPredictionTableScoresTheSame) {
  TempDir dir;
  std::string tsv, answers;
  WriteGoldenFiles(dir, &tsv, &answers);
  auto rows = ReadJsonFile(DataPath("golden/mmbench/circular_rows.json"));
  std::string table = "index\tprediction\n";
  for (const auto& row : rows)
    table += std::to_string(row["index"].get<long>()) + "\t" + row["prediction"].get<std::string>() + "\n";
  ScoreResult result;
  Status status = Score("mmbench", tsv, dir.Write("predictions.tsv", table), &result);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(result.metrics["overall"].get<double>(),
            ReadJsonFile(DataPath("golden/mmbench/expected.json"))["overall"].get<double>());
}

TEST(MmbenchRules, CanInferFollowsLmmsEval) {
  // Expected values: lmms-eval's can_infer_option / can_infer_text under CPython.
  const std::pair<const char*, char> options[] = {
      {"A", 'A'},
      {"A cat is on the mat", 0},
      {"A cat is here", 0},
      {"B C", 0},
      {"(C)", 'C'},
      {"Answer: B", 'B'},
      {"The answer is A.", 'A'},
      {"Failed to obtain answer via API A", 0},
      {"E", 'E'},
      {"B. C.", 0},
      {"answer:C", 0},
      {"A) B)", 0},
      {"The answer is C, (D)", 'C'},
      {"C).", 'C'},
      {"\u3000B\u3000", 'B'},
      {"I choose A and B and C", 0},
      {"a", 0},
  };
  for (const auto& [text, letter] : options) EXPECT_EQ(mmbench::CanInferOption(text), letter) << text;
  mmbench::Choices choices = {{'A', "Red"}, {'B', "red apple"}, {'C', "Blue"}};
  EXPECT_EQ(mmbench::CanInferText("a red apple", choices), 0);
  EXPECT_EQ(mmbench::CanInferText("BLUE sky", choices), 'C');
  EXPECT_EQ(mmbench::CanInferText("green", choices), 0);
}

TEST(MmbenchRules, CircularShortCircuitsOnADecidedWrongCopy) {
  using mmbench::Outcome;
  EXPECT_EQ(mmbench::EvaluateCircular({{'A', 'A'}, {'B', 'B'}}), Outcome::kHit);
  EXPECT_EQ(mmbench::EvaluateCircular({{0, 'A'}, {'C', 'B'}}), Outcome::kMiss);
  EXPECT_EQ(mmbench::EvaluateCircular({{0, 'A'}, {'B', 'B'}}), Outcome::kUnresolved);
}

TEST(MmbenchMini, ScoresRealFormatTsv) {
  ScoreResult result;
  std::vector<Sample> samples;
  Status status = Score("mmbench", DataPath(kMini + "mini_dev_en.tsv"),
                        DataPath(kMini + "mini_dev_en_answers.jsonl"), &result, &samples);
  ASSERT_TRUE(status.ok()) << status.message();
  // Worked by hand from the lmms-eval rules: question 0 hit (A; "C." form; text
  // "red"), 1 hit ("B." form; text "2"), 2 miss (text "fish" = D), 3 unresolved.
  EXPECT_EQ(result.metrics["overall"].get<double>(), 0.5);
  EXPECT_EQ(result.metrics["category"]["attribute_recognition"].get<double>(), 1.0);
  EXPECT_EQ(result.metrics["category"]["image_scene"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(result.metrics["l2_category"]["coarse_perception"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(result.metrics["l2_category"]["finegrained_perception (instance-level)"].get<double>(), 1.0);
  EXPECT_EQ(result.official_output,
            "Category Acc. (dev):\n\tattribute_recognition: 100.000\n\timage_scene: 33.333\n"
            "L2-category Acc. (dev):\n\tcoarse_perception: 33.333\n\tfinegrained_perception "
            "(instance-level): 100.000\n");
  const char* extracted[] = {"A", "C", "B", "B", "A", "D", ""};
  ASSERT_EQ(result.per_sample.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(result.per_sample[i].extracted, extracted[i]) << i;
  EXPECT_EQ(result.per_sample[6].status, SampleStatus::kUnparseable);
  EXPECT_EQ(result.per_sample[6].detail["circular"], "unresolved");
  EXPECT_EQ(result.per_sample[5].detail["circular"], "miss");
  EXPECT_EQ(result.counts.unparseable, 1u);
  EXPECT_EQ(result.counts.answered, 6u);
  bool noted = false;
  for (const auto& note : result.notes) noted |= note.rfind("1 questions are unresolved", 0) == 0;
  EXPECT_TRUE(noted);

  // Samples: LLaVA model_vqa_mmbench.py prompts, decoded images.
  ASSERT_EQ(samples.size(), 7u);
  const std::string suffix = "\nAnswer with the option's letter from the given choices directly.";
  EXPECT_EQ(samples[0].id, "0");
  EXPECT_EQ(samples[0].prompt, "What color is the square?\nA. red\nB. blue\nC. green" + suffix);
  EXPECT_EQ(samples[0].choices, (std::vector<std::string>{"red", "blue", "green"}));
  EXPECT_EQ(samples[3].id, "1");
  EXPECT_EQ(samples[3].question, "How many\tcircles?\nCount \"all\" of them.");
  EXPECT_EQ(samples[3].prompt,
            "The picture is a drawing.\nHow many\tcircles?\nCount \"all\" of them.\nA. 1\nB. 2" + suffix);
  EXPECT_EQ(samples[5].prompt, "Which one is bigger?\nA. cat\nB. dog" + suffix);  // options stop at NaN C
  EXPECT_EQ(samples[6].prompt, "Is it day or night?\nA. sun\nB. moon" + suffix);  // hint "None" dropped
  std::string red = ReadText(DataPath(kMini + "red_pixel.png"));
  ASSERT_EQ(samples[0].images.size(), 1u);
  EXPECT_EQ(samples[0].images[0].bytes, red);
  EXPECT_EQ(samples[1].images[0].bytes, red);  // image column "0": row 0's image
  EXPECT_NE(samples[3].images[0].bytes, red);
  EXPECT_EQ(samples[3].images[0].bytes.substr(1, 3), "PNG");
}

TEST(MmbenchMini, ChineseTaskPromptAndScore) {
  ScoreResult result;
  std::vector<Sample> samples;
  Status status = Score("mmbench_cn", DataPath(kMini + "mini_dev_cn.tsv"),
                        DataPath(kMini + "mini_dev_cn_answers.jsonl"), &result, &samples);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(result.metrics["overall"].get<double>(), 1.0);  // "A"; text "红色" = B
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].prompt, "图中的方块是什么颜色？\nA. 红色\nB. 蓝色\n请直接回答选项字母。");
  for (const auto& note : result.notes) EXPECT_EQ(note.find("mmbench"), std::string::npos) << note;

  // The English task on Chinese data says so.
  ASSERT_TRUE(Score("mmbench", DataPath(kMini + "mini_dev_cn.tsv"),
                    DataPath(kMini + "mini_dev_cn_answers.jsonl"), &result)
                  .ok());
  bool noted = false;
  for (const auto& note : result.notes) noted |= note.find("use task mmbench_cn") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(MmbenchMini, MissingPredictionsAreCountedAndScoredAsMiss) {
  TempDir dir;
  std::string answers = ReadText(DataPath(kMini + "mini_dev_en_answers.jsonl"));
  std::string without_first = answers.substr(answers.find('\n') + 1);  // drops index 0
  auto r = RunCli({"score", "--task", "mmbench", "--data", DataPath(kMini + "mini_dev_en.tsv"),
                   "--predictions", dir.Write("a.jsonl", without_first), "-o", dir.File("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ReadJsonFile(dir.File("r.json"));
  EXPECT_EQ(json["counts"]["missing"], 1);
  EXPECT_EQ(json["metrics"]["overall"].get<double>(), 0.25);  // only question 1 is hit
  EXPECT_NE(r.out.find("1 rows have no prediction; their 1 questions count as not hit"), std::string::npos)
      << r.out;
}

TEST(MmbenchCli, ScoresMiniTsv) {
  auto r = RunCli({"score", "--task", "mmbench", "--data", DataPath(kMini + "mini_dev_en.tsv"),
                   "--predictions", DataPath(kMini + "mini_dev_en_predictions.tsv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\timage_scene: 33.333\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overall: 0.5\n"), std::string::npos) << r.out;
}

// A copy of the mini TSV with one line replaced (1-based line number).
std::string TsvWithLine(const TempDir& dir, size_t line, const std::string& replacement) {
  std::istringstream in(ReadText(DataPath(kMini + "mini_dev_en.tsv")));
  std::string out, text;
  // Physical lines; the quoted row spans two.
  for (size_t n = 1; std::getline(in, text); ++n) out += (n == line ? replacement : text) + "\n";
  return dir.Write("data.tsv", out);
}

struct BadCase {
  std::string name;
  size_t tsv_line;  // 0: keep the TSV
  std::string tsv_text;
  std::string answers;  // "" = the good answers
  std::string expected;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class MmbenchBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(MmbenchBadInput, ExitsTwoNamingTheProblem) {
  const BadCase& c = GetParam();
  TempDir dir;
  std::string tsv =
      c.tsv_line ? TsvWithLine(dir, c.tsv_line, c.tsv_text) : DataPath(kMini + "mini_dev_en.tsv");
  std::string answers =
      c.answers.empty() ? DataPath(kMini + "mini_dev_en_answers.jsonl") : dir.Write("a.jsonl", c.answers);
  auto r = RunCli({"score", "--task", "mmbench", "--data", tsv, "--predictions", answers});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// Row 2 of the mini TSV (line 9) with another index and image cell.
std::string Row2(const std::string& index, const std::string& image) {
  std::string row = index;
  row += "\tWhich one is bigger?\tnan\tcat\tdog\tnan\tfish\tB\timage_scene\tsynthetic\tcoarse_perception";
  row += "\tnan\tdev\t";
  row += image;
  return row;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MmbenchBadInput,
    ::testing::Values(
        BadCase{"ShortRow", 9, "2\tWhich one is bigger?", "", "data.tsv:9: expected 14 tab-separated fields"},
        BadCase{"UnclosedQuote", 9, Row2("2", "\"abc"), "", "data.tsv:9: quoted field is never closed"},
        BadCase{"IndexNotInteger", 9, Row2("x", "0"), "",
                "data.tsv:9: field 'index' must be a non-negative integer"},
        BadCase{"DuplicateIndex", 9, Row2("1", "0"), "", "data.tsv:9: duplicate index 1 (first on line 5)"},
        BadCase{"AnswerNotAnOption", 9,
                "2\tWhich one is "
                "bigger?\tnan\tcat\tdog\tnan\tnan\tD\timage_scene\tsynthetic\tcoarse_perception\tnan\tdev\t0",
                "", "data.tsv:9: field 'answer' must be the letter of one of the row's options, got 'D'"},
        BadCase{"ImageNotBase64", 9, Row2("2", "not*base64!"), "",
                "data.tsv:9: field 'image' is not base64 image data"},
        BadCase{"CopyWithoutBase", 9, Row2("3000007", "0"), "",
                "circular copy 3000007 has no base question 7"},
        BadCase{"MissingColumn", 1,
                "index\tquestion\thint\tA\tB\tC\tD\tanswerX\tcategory\tsource\tl2-"
                "category\tcomment\tsplit\timage",
                "", "no 'answer' column (a test split has no answers to score against)"},
        BadCase{"UnknownPrediction", 0, "",
                R"({"question_id": 99, "text": "A"})"
                "\n",
                "a.jsonl:1: prediction for index 99, which"},
        BadCase{"DuplicatePrediction", 0, "",
                R"({"question_id": 0, "text": "A"})"
                "\n"
                R"({"question_id": 0, "text": "B"})"
                "\n",
                "a.jsonl:2: duplicate prediction for index 0 (first on line 1)"},
        BadCase{"TextWrongType", 0, "",
                R"({"question_id": 0, "text": ["A"]})"
                "\n",
                "a.jsonl:1: field 'text' must be a string, got an array"},
        BadCase{"MalformedJsonLine", 0, "", "{\"question_id\": 0, \"text\": \"A\"\n", "a.jsonl:1:"},
        BadCase{"AllRoundsAnswers", 0, "",
                R"({"question_id": 0, "round_id": 1, "text": "A"})"
                "\n",
                "a.jsonl:1: round_id 1: answers from model_vqa_mmbench.py --all-rounds are not scored"},
        BadCase{"OptionsFromAnotherTsv", 0, "",
                R"({"question_id": 0, "text": "A", "options": ["rot", "blau"]})"
                "\n",
                "a.jsonl:1: field 'options' differs from the options of index 0"}),
    [](const auto& info) { return info.param.name; });

TEST(MmbenchCli, MissingFiles) {
  TempDir dir;
  auto r = RunCli({"score", "--task", "mmbench", "--data", dir.File("absent.tsv"), "--predictions",
                   DataPath(kMini + "mini_dev_en_answers.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.tsv: cannot open file"), std::string::npos) << r.err;
  r = RunCli({"score", "--task", "mmbench", "--data", DataPath(kMini + "mini_dev_en.tsv"), "--predictions",
              dir.File("absent.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.jsonl: cannot open file"), std::string::npos) << r.err;
  r = RunCli({"score", "--task", "mmbench", "--data", DataPath(kMini + "mini_dev_en.tsv"), "--predictions",
              dir.Write("p.tsv", "index\tanswer\n0\tA\n")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("p.tsv: a predictions TSV needs 'index' and 'prediction' columns"), std::string::npos)
      << r.err;
}

TEST(MmbenchRun, FailedRequestLeavesItsQuestionOut) {
  std::unique_ptr<Task> task;
  ASSERT_TRUE(CreateTask("mmbench", &task).ok());
  TaskConfig config;
  config.Set("data", DataPath(kMini + "mini_dev_en.tsv"));
  config.Set("predictions", DataPath(kMini + "mini_dev_en_answers.jsonl"));
  ASSERT_TRUE(task->Load(config).ok());
  std::vector<Prediction> predictions;
  ASSERT_TRUE(task->ReadPredictions(config, &predictions).ok());
  for (auto& p : predictions) p.failed = p.id == "2";  // question 2 was a miss
  ScoreResult result;
  ASSERT_TRUE(task->Score(predictions, &result).ok());
  EXPECT_EQ(result.metrics["overall"].get<double>(), 2.0 / 3.0);
  EXPECT_EQ(result.metrics["category"]["image_scene"].get<double>(), 0.5);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.per_sample[5].detail["circular"], "excluded (failed request)");
}

}  // namespace
}  // namespace svit

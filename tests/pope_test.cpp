// POPE against the golden outputs of LLaVA's llava/eval/eval_pope.py, the
// real AoiDragon/POPE label files, and bad input through the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "metrics/pope.h"
#include "tasks/registry.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kGolden = "golden/pope/";
const char* kCategories[] = {"adversarial", "popular", "random"};

Status ScorePope(const std::string& labels, const std::string& questions, const std::string& answers,
                 ScoreResult* result, std::vector<Sample>* samples = nullptr) {
  std::unique_ptr<Task> task;
  SVIT_RETURN_IF_ERROR(CreateTask("pope", &task));
  TaskConfig config;
  config.Set("labels", labels);
  config.Set("questions", questions);
  config.Set("predictions", answers);
  SVIT_RETURN_IF_ERROR(task->Load(config));
  if (samples) *samples = task->samples();
  std::vector<Prediction> predictions;
  SVIT_RETURN_IF_ERROR(task->ReadPredictions(config, &predictions));
  return task->Score(predictions, result);
}

TEST(PopeGolden, MatchesEvalPopeForEveryCategory) {
  auto golden = ReadJsonFile(DataPath(kGolden + "expected.json"));
  ScoreResult result;
  Status status = ScorePope(DataPath(kGolden + "coco"), DataPath(kGolden + "llava_pope_test.jsonl"),
                            DataPath(kGolden + "answers.jsonl"), &result);
  ASSERT_TRUE(status.ok()) << status.message();
  double f1_sum = 0;
  size_t sample = 0;
  for (const char* category : kCategories) {
    const auto& want = golden[category];
    const auto& got = result.metrics[category];
    for (const char* key : {"TP", "FP", "TN", "FN"}) {
      EXPECT_EQ(got[key].get<long>(), want[key].get<long>()) << category << " " << key;
    }
    for (const char* key : {"accuracy", "precision", "recall", "f1", "yes_ratio"}) {
      EXPECT_EQ(got[key].get<double>(), want[key].get<double>()) << category << " " << key;
      EXPECT_NEAR(result.metrics_unrounded[category][key].get<double>(), want[key].get<double>(), 1e-9);
    }
    f1_sum += want["f1"].get<double>();
    // The summary line, and the printed block around it.
    std::string block = "Category: " + std::string(category) + ", # samples: 20\n";
    EXPECT_NE(result.official_output.find(block), std::string::npos) << category;
    EXPECT_NE(result.official_output.find(want["summary_line"].get<std::string>() + "\n"), std::string::npos)
        << category;
    // Normalised predictions, in answer-file order within the category.
    for (const auto& pred : want["normalized_pred"]) {
      ASSERT_LT(sample, result.per_sample.size());
      const SampleScore& s = result.per_sample[sample++];
      EXPECT_EQ(s.detail["category"], category);
      EXPECT_EQ(s.extracted, pred.get<std::string>()) << s.id;
      EXPECT_EQ(s.score, s.extracted == s.detail["label"].get<std::string>() ? 1.0 : 0.0);
    }
  }
  EXPECT_EQ(sample, result.per_sample.size());
  EXPECT_NEAR(result.metrics["mean_f1"].get<double>(), f1_sum / 3, 1e-12);
  EXPECT_EQ(result.counts.total, 60u);
}

TEST(PopeGolden, PrintsEvalPopeOutputVerbatim) {
  ScoreResult result;
  ASSERT_TRUE(ScorePope(DataPath(kGolden + "coco"), DataPath(kGolden + "llava_pope_test.jsonl"),
                        DataPath(kGolden + "answers.jsonl"), &result)
                  .ok());
  // eval_pope.py's block for the first category (numbers from expected.json).
  std::string adversarial =
      "Category: adversarial, # samples: 20\nTP\tFP\tTN\tFN\t\n4\t3\t10\t3\nAccuracy: 0.7\n"
      "Precision: 0.5714285714285714\nRecall: 0.5714285714285714\nF1 score: 0.5714285714285714\n"
      "Yes ratio: 0.35\n0.571, 0.700, 0.571, 0.571, 0.350\n====================================\n";
  EXPECT_EQ(result.official_output.substr(0, adversarial.size()), adversarial);
  EXPECT_NE(result.official_output.find("F1 score: 0.39999999999999997\n"), std::string::npos);
}

TEST(PopeGolden, LabelFilesAsListAndSamples) {
  std::string labels = DataPath(kGolden + "coco/coco_pope_random.json") + "," +
                       DataPath(kGolden + "coco/coco_pope_popular.json");
  ScoreResult result;
  std::vector<Sample> samples;
  Status status = ScorePope(labels, DataPath(kGolden + "llava_pope_test.jsonl"),
                            DataPath(kGolden + "answers.jsonl"), &result, &samples);
  ASSERT_TRUE(status.ok()) << status.message();
  auto golden = ReadJsonFile(DataPath(kGolden + "expected.json"));
  EXPECT_EQ(result.metrics["random"]["f1"].get<double>(), golden["random"]["f1"].get<double>());
  EXPECT_FALSE(result.metrics.contains("adversarial"));
  EXPECT_EQ(result.counts.total, 40u);
  EXPECT_NEAR(result.metrics["mean_f1"].get<double>(),
              (golden["random"]["f1"].get<double>() + golden["popular"]["f1"].get<double>()) / 2, 1e-12);
  EXPECT_EQ(result.official_output.rfind("Category: random", 0), 0u);  // given order
  // 20 answers of the unlabelled category are reported, not scored.
  bool noted = false;
  for (const auto& note : result.notes) noted |= note.find("20 answers in category 'adversarial'") == 0;
  EXPECT_TRUE(noted);
  // Samples: the labelled categories' questions, with LLaVA-1.5's short-answer prompt.
  ASSERT_EQ(samples.size(), 40u);
  EXPECT_EQ(samples[0].id, "21");
  EXPECT_EQ(samples[0].question, "Is there a dining table in the image?");
  EXPECT_EQ(samples[0].prompt,
            "Is there a dining table in the image?\nAnswer the question using a single word or phrase.");
  ASSERT_EQ(samples[0].images.size(), 1u);
  EXPECT_EQ(samples[0].images[0].path, "COCO_val2014_000000294725.jpg");
}

TEST(PopeRules, AnswerNormalisationFollowsEvalPope) {
  // Expected values: eval_pope.py's rule run under CPython.
  const std::pair<const char*, bool> cases[] = {
      {"NO", true},         {"Nope", true},           {"n't", true},       {"not", false},
      {"No, there", false}, {"no.", false},           {"", true},          {"Yes. No", true},
      {"yes  no", false},   {"I do not know", false}, {"No,thanks", true}, {"There is no, no", false},
  };
  for (const auto& [text, yes] : cases) EXPECT_EQ(pope::AnswerIsYes(text), yes) << text;
}

TEST(PopeRules, UndefinedRatiosAreNan) {
  pope::Metrics m = pope::ComputeMetrics({false, false}, {true, false});
  EXPECT_EQ(m.counts.fn, 1u);
  EXPECT_EQ(m.counts.tn, 1u);
  EXPECT_TRUE(std::isnan(m.precision));  // eval_pope.py: ZeroDivisionError
  EXPECT_TRUE(std::isnan(m.f1));
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.accuracy, 0.5);
  EXPECT_EQ(m.yes_ratio, 0.0);
}

// LLaVA-style question and answer files over the real label files.
struct RealFiles {
  std::string questions, answers;
};

RealFiles WriteRealFiles(const TempDir& dir, bool reverse_random, bool drop_last_random) {
  std::ostringstream questions, answers;
  int id = 0;
  for (const char* category : kCategories) {
    std::ifstream in(DataPath("samples/pope/coco_pope_" + std::string(category) + ".json"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::vector<std::string> answer_lines;
    for (const auto& line : lines) {
      auto label = nlohmann::json::parse(line);
      ++id;
      nlohmann::json q = {
          {"question_id", id},
          {"image", label["image"]},
          {"text", label["text"].get<std::string>() + "\nAnswer the question using a single word or phrase."},
          {"category", category}};
      questions << q.dump() << "\n";
      bool yes = label["label"] == "yes";
      nlohmann::json a = {
          {"question_id", id}, {"prompt", q["text"]}, {"text", yes ? "Yes" : "No, there is not."}};
      answer_lines.push_back(a.dump());
    }
    if (std::string(category) == "random") {
      if (reverse_random) std::reverse(answer_lines.begin(), answer_lines.end());
      if (drop_last_random) answer_lines.pop_back();
    }
    for (const auto& a : answer_lines) answers << a << "\n";
  }
  return {dir.Write("llava_pope_test.jsonl", questions.str()), dir.Write("answers.jsonl", answers.str())};
}

TEST(PopeRealLabels, PerfectAnswersScorePerfectly) {
  TempDir dir;
  RealFiles files = WriteRealFiles(dir, false, false);
  ScoreResult result;
  Status status = ScorePope(DataPath("samples/pope"), files.questions, files.answers, &result);
  ASSERT_TRUE(status.ok()) << status.message();
  // Each real label file has 3000 lines, 1500 of them "yes".
  for (const char* category : kCategories) {
    const auto& m = result.metrics[category];
    EXPECT_EQ(m["TP"], 1500);
    EXPECT_EQ(m["TN"], 1500);
    EXPECT_EQ(m["FP"], 0);
    EXPECT_EQ(m["FN"], 0);
    EXPECT_EQ(m["f1"].get<double>(), 1.0);
    EXPECT_EQ(m["yes_ratio"].get<double>(), 0.5);
  }
  EXPECT_EQ(result.metrics["mean_f1"].get<double>(), 1.0);
  EXPECT_EQ(result.counts.total, 9000u);
  for (const auto& note : result.notes)
    EXPECT_EQ(note.find("different questions"), std::string::npos) << note;
}

TEST(PopeRealLabels, MisorderedAnswersKeepEvalPopePairingAndAreReported) {
  TempDir dir;
  RealFiles files = WriteRealFiles(dir, true, false);
  ScoreResult result;
  ASSERT_TRUE(ScorePope(DataPath("samples/pope"), files.questions, files.answers, &result).ok());
  // Pairing by position: reversed answers are no longer all right.
  EXPECT_LT(result.metrics["random"]["accuracy"].get<double>(), 1.0);
  EXPECT_EQ(result.metrics["popular"]["accuracy"].get<double>(), 1.0);
  bool noted = false;
  for (const auto& note : result.notes) {
    noted |= note.rfind("category 'random': ", 0) == 0 &&
             note.find("are for different questions") != std::string::npos;
  }
  EXPECT_TRUE(noted);
}

TEST(PopeCli, CountMismatchIsAnErrorNotATruncation) {
  TempDir dir;
  RealFiles files = WriteRealFiles(dir, false, true);
  auto r = RunCli({"score", "--task", "pope", "--labels", DataPath("samples/pope"), "--questions",
                   files.questions, "--predictions", files.answers});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("category 'random': 2999 answers for 3000 label lines"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(PopeCli, ScoresGoldenAndWritesResult) {
  TempDir dir;
  auto r = RunCli({"score", "--task", "pope", "--labels", DataPath(kGolden + "coco"), "--questions",
                   DataPath(kGolden + "llava_pope_test.jsonl"), "--predictions",
                   DataPath(kGolden + "answers.jsonl"), "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0.400, 0.550, 0.429, 0.375, 0.350\n"), std::string::npos);
  auto json = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(json["task"], "pope");
  EXPECT_EQ(json["metrics"]["popular"]["FN"], 5);
  EXPECT_EQ(json["per_sample"].size(), 60u);
}

struct BadCase {
  std::string name;
  std::string labels, questions, answers;  // file contents ("" = use golden)
  std::string expected;                    // substring of stderr
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class PopeBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(PopeBadInput, ExitsTwoNamingTheProblem) {
  const BadCase& c = GetParam();
  TempDir dir;
  std::string labels = DataPath(kGolden + "coco");
  if (!c.labels.empty()) labels = dir.Write("coco_pope_random.json", c.labels);
  std::string questions = c.questions.empty() ? DataPath(kGolden + "llava_pope_test.jsonl")
                                              : dir.Write("questions.jsonl", c.questions);
  std::string answers =
      c.answers.empty() ? DataPath(kGolden + "answers.jsonl") : dir.Write("answers.jsonl", c.answers);
  auto r = RunCli(
      {"score", "--task", "pope", "--labels", labels, "--questions", questions, "--predictions", answers});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
}

const std::string kQuestion =
    R"({"question_id": 1, "image": "a.jpg", "text": "Is there a dog in the image?", "category": "random"})";
const std::string kLabel =
    R"({"question_id": 1, "image": "a.jpg", "text": "Is there a dog in the image?", "label": "yes"})";

INSTANTIATE_TEST_SUITE_P(
    Cases, PopeBadInput,
    ::testing::Values(BadCase{"MalformedLabelLine", kLabel + "\n{\"label\": \"no\"\n", kQuestion + "\n", "",
                              "coco_pope_random.json:2:"},
                      BadCase{"LabelWrongType",
                              R"({"label": 1})"
                              "\n",
                              kQuestion + "\n", "",
                              "coco_pope_random.json:1: field 'label' must be a string, got an integer"},
                      BadCase{"LabelNotYesNo",
                              R"({"label": "maybe"})"
                              "\n",
                              kQuestion + "\n", "",
                              "coco_pope_random.json:1: field 'label' must be \"yes\" or \"no\""},
                      BadCase{"DuplicateQuestion", "", kQuestion + "\n" + kQuestion + "\n", "",
                              "questions.jsonl:2: duplicate question_id 1 (first on line 1)"},
                      BadCase{"QuestionMissingCategory", "",
                              R"({"question_id": 1, "image": "a.jpg", "text": "t"})"
                              "\n",
                              "", "questions.jsonl:1: missing field 'category'"},
                      BadCase{"UnknownAnswerId", kLabel + "\n", kQuestion + "\n",
                              R"({"question_id": 7, "text": "yes"})"
                              "\n",
                              "answers.jsonl: 1 answer(s) for question ids not in"},
                      BadCase{"DuplicateAnswer", kLabel + "\n", kQuestion + "\n",
                              R"({"question_id": 1, "text": "yes"})"
                              "\n"
                              R"({"question_id": 1, "text": "no"})"
                              "\n",
                              "duplicate prediction for id '1' (line 1 and line 2)"},
                      BadCase{"AnswerWrongType", kLabel + "\n", kQuestion + "\n",
                              R"({"question_id": 1, "text": 5})"
                              "\n",
                              "answers.jsonl:1: field 'text' must be a string, got an integer"},
                      BadCase{"MissingAnswer", kLabel + "\n" + kLabel + "\n",
                              kQuestion + "\n" +
                                  R"({"question_id": 2, "image": "a.jpg", "text": "t", "category": "random"})"
                                  "\n",
                              R"({"question_id": 1, "text": "yes"})"
                              "\n",
                              "category 'random': 1 answers for 2 label lines"},
                      BadCase{"CategoryNotInQuestions", kLabel + "\n",
                              R"({"question_id": 1, "image": "a.jpg", "text": "t", "category": "popular"})"
                              "\n",
                              "", "no question has category 'random'"}),
    [](const auto& info) { return info.param.name; });

TEST(PopeCli, MissingFilesAndUnnamedLabelFile) {
  TempDir dir;
  auto r = RunCli({"score", "--task", "pope", "--labels", dir.File("coco_pope_random.json"), "--questions",
                   DataPath(kGolden + "llava_pope_test.jsonl"), "--predictions",
                   DataPath(kGolden + "answers.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("coco_pope_random.json: cannot open file"), std::string::npos) << r.err;

  std::string odd = dir.Write("labels.jsonl", ReadText(DataPath(kGolden + "coco/coco_pope_random.json")));
  r = RunCli({"score", "--task", "pope", "--labels", odd, "--questions",
              DataPath(kGolden + "llava_pope_test.jsonl"), "--predictions",
              DataPath(kGolden + "answers.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pass it as CATEGORY="), std::string::npos) << r.err;
  // With the category named, the same file scores like the golden random split.
  r = RunCli({"score", "--task", "pope", "--labels", "random=" + odd, "--questions",
              DataPath(kGolden + "llava_pope_test.jsonl"), "--predictions",
              DataPath(kGolden + "answers.jsonl")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0.167, 0.500, 0.167, 0.167, 0.300\n"), std::string::npos) << r.out;

  r = RunCli({"score", "--task", "pope", "--labels", DataPath(kGolden + "coco"), "--questions",
              dir.File("none.jsonl"), "--predictions", DataPath(kGolden + "answers.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("none.jsonl: cannot open file"), std::string::npos) << r.err;
}

TEST(PopeRun, FailedRequestsKeepPairingAndLeaveTheCounts) {
  std::unique_ptr<Task> task;
  ASSERT_TRUE(CreateTask("pope", &task).ok());
  TaskConfig config;
  config.Set("labels", DataPath(kGolden + "coco"));
  config.Set("questions", DataPath(kGolden + "llava_pope_test.jsonl"));
  config.Set("predictions", DataPath(kGolden + "answers.jsonl"));
  ASSERT_TRUE(task->Load(config).ok());
  std::vector<Prediction> predictions;
  ASSERT_TRUE(task->ReadPredictions(config, &predictions).ok());
  // As from a run: no file lines, reversed order (question-file order is restored).
  std::reverse(predictions.begin(), predictions.end());
  for (auto& p : predictions) p.line = 0;
  auto first =
      std::find_if(predictions.begin(), predictions.end(), [](const Prediction& p) { return p.id == "1"; });
  first->failed = true;  // golden: answer 1 "yes" on a "yes" label, a TP
  ScoreResult result;
  Status status = task->Score(predictions, &result);
  ASSERT_TRUE(status.ok()) << status.message();
  const auto& m = result.metrics["adversarial"];
  EXPECT_EQ(m["TP"], 3);
  EXPECT_EQ(m["FP"], 3);
  EXPECT_EQ(m["TN"], 10);
  EXPECT_EQ(m["FN"], 3);
  EXPECT_EQ(m["accuracy"].get<double>(), 13.0 / 19.0);
  EXPECT_NE(result.official_output.find("Category: adversarial, # samples: 19\n"), std::string::npos);
  auto golden = ReadJsonFile(DataPath(kGolden + "expected.json"));
  EXPECT_EQ(result.metrics["random"]["f1"].get<double>(), golden["random"]["f1"].get<double>());
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.per_sample[0].status, SampleStatus::kFailed);
}

TEST(PopeCli, NoYesPredictionsGiveNullPrecisionAndANote) {
  TempDir dir;
  std::string answers;
  for (int id = 41; id <= 60; ++id)
    answers += R"({"question_id": )" + std::to_string(id) +
               R"(, "text": "No"})"
               "\n";
  auto r = RunCli({"score", "--task", "pope", "--labels", DataPath(kGolden + "coco/coco_pope_random.json"),
                   "--questions", DataPath(kGolden + "llava_pope_test.jsonl"), "--predictions",
                   dir.Write("a.jsonl", answers), "-o", dir.File("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("eval_pope.py stops with ZeroDivisionError here"), std::string::npos) << r.out;
  auto json = ReadJsonFile(dir.File("r.json"));
  EXPECT_TRUE(json["metrics"]["random"]["precision"].is_null());
  EXPECT_EQ(json["metrics"]["random"]["yes_ratio"].get<double>(), 0.0);
  EXPECT_EQ(json["metrics"]["random"]["accuracy"].get<double>(), 0.7);  // golden random: 14 "no" labels of 20
}

}  // namespace
}  // namespace svit

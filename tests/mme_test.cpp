// MME against the golden output of the official eval_tool/calculation.py,
// from its results folder and from a benchmark folder plus LLaVA answers;
// bad input through the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "metrics/mme.h"
#include "tasks/registry.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kResults = "golden/mme/results";

std::vector<std::string> Subtasks() {
  std::vector<std::string> all = mme::PerceptionTasks();
  for (const auto& t : mme::CognitionTasks()) all.push_back(t);
  return all;
}

std::vector<std::vector<std::string>> ReadLines(const std::string& path) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(ReadText(path));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream fs(line);
    for (std::string f; std::getline(fs, f, '\t');) fields.push_back(f);
    lines.push_back(fields);
  }
  return lines;
}

Status ScoreMme(const TaskConfig& config, ScoreResult* result, std::vector<Sample>* samples = nullptr) {
  std::unique_ptr<Task> task;
  SVIT_RETURN_IF_ERROR(CreateTask("mme", &task));
  SVIT_RETURN_IF_ERROR(task->Load(config));
  if (samples) *samples = task->samples();
  std::vector<Prediction> predictions;
  SVIT_RETURN_IF_ERROR(task->ReadPredictions(config, &predictions));
  return task->Score(predictions, result);
}

void ExpectGolden(const ScoreResult& result) {
  auto golden = ReadJsonFile(DataPath("golden/mme/expected.json"));
  EXPECT_EQ(result.official_output, golden["stdout"].get<std::string>());
  for (const auto& [task, score] : golden["tasks"].items()) {
    EXPECT_EQ(result.metrics["tasks"][task].get<double>(), score.get<double>()) << task;
    EXPECT_NEAR(result.metrics_unrounded["tasks"][task].get<double>(), score.get<double>(), 1e-9) << task;
  }
  EXPECT_EQ(result.metrics["Perception_total"].get<double>(), golden["Perception_total"].get<double>());
  EXPECT_EQ(result.metrics["Cognition_total"].get<double>(), golden["Cognition_total"].get<double>());
}

TEST(MmeGolden, ResultsFolderReproducesCalculationPyStdout) {
  TaskConfig config;
  config.Set("results", DataPath(kResults));
  ScoreResult result;
  Status status = ScoreMme(config, &result);
  ASSERT_TRUE(status.ok()) << status.message();
  ExpectGolden(result);
  EXPECT_EQ(result.counts.total, 104u);
  // Every line's prediction, read with calculation.py's rule, against its GT.
  size_t i = 0;
  for (const auto& subtask : Subtasks()) {
    for (const auto& fields : ReadLines(DataPath(kResults + "/" + subtask + ".txt"))) {
      ASSERT_LT(i, result.per_sample.size());
      const SampleScore& s = result.per_sample[i++];
      EXPECT_EQ(s.prediction, fields[3]);
      EXPECT_EQ(s.detail["truth"], fields[2] == "Yes" ? "yes" : "no");
      EXPECT_EQ(s.score, s.extracted == s.detail["truth"] ? 1.0 : 0.0) << s.id;
    }
  }
  EXPECT_EQ(i, result.per_sample.size());
  EXPECT_EQ(result.per_sample[0].id, "existence/existence_0000#1");
}

TEST(MmeRules, PredictionParsingFollowsCalculationPy) {
  // Expected values: calculation.py's parse_pred_ans(pred.lower()) under CPython.
  const std::pair<const char*, mme::Answer> cases[] = {
      {"none", mme::Answer::kNo},       {"not sure", mme::Answer::kNo},
      {"snow", mme::Answer::kNo},       {"the answer is yes", mme::Answer::kOther},
      {"y", mme::Answer::kOther},       {" yes", mme::Answer::kYes},
      {"NO", mme::Answer::kNo},         {"nope", mme::Answer::kNo},
      {"Yes\u3002", mme::Answer::kYes}, {"\u662f", mme::Answer::kOther},
      {"\u662fyes", mme::Answer::kYes}, {"ayes", mme::Answer::kYes},
      {"  no", mme::Answer::kNo},       {"", mme::Answer::kOther},
  };
  for (const auto& [text, answer] : cases) {
    EXPECT_EQ(mme::ParsePrediction(text), answer) << text;
  }
}

// An MME_Benchmark_release_version folder and LLaVA answers holding the same
// questions, truths and predictions as the golden results folder. Half the
// subtasks use the images/ + questions_answers_YN/ layout; answers carry
// LLaVA's prompt, some without " Please answer yes or no." (the converter
// re-appends it), one of them matching the double-space variant.
struct BenchmarkFixture {
  std::string dir, answers;
};

BenchmarkFixture WriteBenchmark(const TempDir& tmp, bool swap_first_pairs = false) {
  namespace fs = std::filesystem;
  const std::string suffix = "\nAnswer the question using a single word or phrase.";
  const std::string yes_no = " Please answer yes or no.";
  std::string root = tmp.File("MME_Benchmark_release_version");
  std::ostringstream answers;
  int subtask_number = 0;
  for (const auto& subtask : Subtasks()) {
    bool nested = subtask_number++ % 2 == 0;
    fs::path image_dir = fs::path(root) / subtask / (nested ? "images" : "");
    fs::path qa_dir = fs::path(root) / subtask / (nested ? "questions_answers_YN" : "");
    fs::create_directories(image_dir);
    fs::create_directories(qa_dir);
    auto lines = ReadLines(DataPath(kResults + "/" + subtask + ".txt"));
    std::vector<std::string> answer_lines;
    for (size_t k = 0; k < lines.size(); ++k) {
      const auto& f = lines[k];
      std::string image = f[0], stem = image.substr(0, image.find('.'));
      // The golden file repeats one question per image; MME's two questions differ
      // (the converter keys the ground truth by question text).
      std::string question = f[1];
      if (k % 2 == 1) question.insert(question.find('?'), " too");
      bool double_space = subtask == "OCR" && k == 1;
      if (double_space) question.replace(question.find(yes_no), yes_no.size(), " " + yes_no);
      std::ofstream(image_dir / image).put('x');
      std::ofstream(qa_dir / (stem + ".txt"), std::ios::app) << question << "\t" << f[2] << "\n";
      std::string prompt = question;
      if (k % 4 == 1 || double_space)
        prompt = prompt.substr(0, prompt.find(double_space ? "  Please" : " Please"));
      nlohmann::json a = {
          {"question_id", subtask + "/" + image}, {"prompt", prompt + suffix}, {"text", f[3]}};
      answer_lines.push_back(a.dump());
    }
    if (swap_first_pairs && subtask == "color") std::swap(answer_lines[1], answer_lines[2]);
    for (const auto& a : answer_lines) answers << a << "\n";
  }
  return {root, tmp.Write("answers.jsonl", answers.str())};
}

TEST(MmeGolden, BenchmarkFolderAndLlavaAnswersReproduceCalculationPyStdout) {
  TempDir tmp;
  BenchmarkFixture fixture = WriteBenchmark(tmp);
  TaskConfig config;
  config.Set("benchmark", fixture.dir);
  config.Set("predictions", fixture.answers);
  ScoreResult result;
  std::vector<Sample> samples;
  Status status = ScoreMme(config, &result, &samples);
  ASSERT_TRUE(status.ok()) << status.message();
  ExpectGolden(result);
  ASSERT_EQ(samples.size(), 104u);
  EXPECT_EQ(samples[0].id, "existence/existence_0000#1");
  EXPECT_EQ(samples[0].prompt,
            "Is this question 0 about existence? Please answer yes or no.\n"
            "Answer the question using a single word or phrase.");
  ASSERT_EQ(samples[0].images.size(), 1u);
  EXPECT_EQ(samples[0].images[0].path, "existence/images/existence_0000.jpg");
  EXPECT_EQ(samples[8].images[0].path, "count/count_0000.jpg");
}

TEST(MmeCli, ScoresResultsFolderAndPrintsOfficialOutput) {
  TempDir tmp;
  auto r = RunCli({"score", "--task", "mme", "--results", DataPath(kResults), "-o", tmp.File("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto golden = ReadJsonFile(DataPath("golden/mme/expected.json"));
  EXPECT_NE(r.out.find(golden["stdout"].get<std::string>()), std::string::npos) << r.out;
  auto json = ReadJsonFile(tmp.File("r.json"));
  EXPECT_EQ(json["official_output"], golden["stdout"]);
  EXPECT_EQ(json["counts"]["unparseable"], 5);  // "y", "n", "n", "The answer is yes", "I don't know"
}

// A results folder copied from the golden one with one subtask file replaced.
std::string ResultsWith(const TempDir& tmp, const std::string& subtask, const std::string& contents) {
  namespace fs = std::filesystem;
  std::string dir = tmp.File("results");
  fs::create_directories(dir);
  for (const auto& name : Subtasks()) {
    fs::copy_file(DataPath(kResults + "/" + name + ".txt"), dir + "/" + name + ".txt",
                  fs::copy_options::overwrite_existing);
  }
  if (contents.empty()) {
    fs::remove(dir + "/" + subtask + ".txt");
  } else {
    std::ofstream(dir + "/" + subtask + ".txt", std::ios::trunc) << contents;
  }
  return dir;
}

struct BadResults {
  std::string name, contents, expected;
};

void PrintTo(const BadResults& c, std::ostream* os) { *os << c.name; }

class MmeBadResults : public ::testing::TestWithParam<BadResults> {};

TEST_P(MmeBadResults, ExitsTwoNamingFileAndLine) {
  TempDir tmp;
  std::string dir = ResultsWith(tmp, "count", GetParam().contents);
  auto r = RunCli({"score", "--task", "mme", "--results", dir});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(GetParam().expected), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

const std::string kPair =
    "a.jpg\tQ1? Please answer yes or no.\tYes\tYes\na.jpg\tQ2? Please answer yes or no.\tNo\tNo\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, MmeBadResults,
    ::testing::Values(
        BadResults{"MissingSubtaskFile", "", "count.txt: cannot open file"},
        BadResults{"OddLineCount", kPair + "b.jpg\tQ\tYes\tYes\n", "count.txt: 3 lines, an odd count"},
        BadResults{
            "PairOfTwoImages", "a.jpg\tQ\tYes\tYes\nb.jpg\tQ\tNo\tNo\n",
            "count.txt:2: lines 1 and 2 form one image pair for calculation.py but are for different images"},
        BadResults{"ImageInTwoPairs", kPair + kPair,
                   "count.txt:3: image 'a.jpg' already has its pair on line 1"},
        BadResults{"ThreeFields", "a.jpg\tQ\tYes\na.jpg\tQ\tNo\tNo\n",
                   "count.txt:1: expected 4 tab-separated fields (image, question, GT, prediction), found 3"},
        BadResults{"GtNotYesNo", "a.jpg\tQ\tMaybe\tYes\na.jpg\tQ\tNo\tNo\n",
                   "count.txt:1: field 3 (GT) must be Yes or No, got 'Maybe'"},
        BadResults{"BlankLineShiftsPairs", "\n" + kPair + "\n",
                   "count.txt:1: expected 4 tab-separated fields"}),
    [](const auto& info) { return info.param.name; });

TEST(MmeCli, ModeErrors) {
  TempDir tmp;
  auto r = RunCli({"score", "--task", "mme"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mme needs exactly one of --results"), std::string::npos) << r.err;
  r = RunCli({"score", "--task", "mme", "--results", tmp.File("absent")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent/existence.txt: cannot open file"), std::string::npos) << r.err;
  r = RunCli(
      {"score", "--task", "mme", "--results", DataPath(kResults), "--predictions", DataPath(kResults)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--predictions is not used with --results"), std::string::npos) << r.err;
  BenchmarkFixture fixture = WriteBenchmark(tmp);
  r = RunCli({"score", "--task", "mme", "--benchmark", fixture.dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mme with --benchmark needs --predictions"), std::string::npos) << r.err;
  r = RunCli(
      {"score", "--task", "mme", "--benchmark", tmp.File("nowhere"), "--predictions", fixture.answers});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nowhere/existence: missing subtask folder"), std::string::npos) << r.err;
}

TEST(MmeCli, BenchmarkModeScoresGoldenThroughCli) {
  TempDir tmp;
  BenchmarkFixture fixture = WriteBenchmark(tmp);
  auto r = RunCli({"score", "--task", "mme", "--benchmark", fixture.dir, "--predictions", fixture.answers});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(ReadJsonFile(DataPath("golden/mme/expected.json"))["stdout"].get<std::string>()),
            std::string::npos);
}

TEST(MmeCli, BenchmarkModeBadAnswers) {
  TempDir tmp;
  BenchmarkFixture fixture = WriteBenchmark(tmp);
  std::string good = ReadText(fixture.answers);
  std::string first_line = good.substr(0, good.find('\n') + 1);
  std::string rest = good.substr(first_line.size());
  auto run = [&](const std::string& answers) {
    return RunCli({"score", "--task", "mme", "--benchmark", fixture.dir, "--predictions",
                   tmp.Write("bad.jsonl", answers)});
  };
  auto r = run(rest);  // first answer missing
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("1 of 104 MME questions have no answer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("existence/existence_0000#1"), std::string::npos) << r.err;
  r = run(first_line + good);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find("bad.jsonl:2: second answer for question existence/existence_0000#1 (first on line 1)"),
      std::string::npos)
      << r.err;
  r = run(R"({"question_id": "existence/existence_0000.jpg", "prompt": "Is this a cat?", "text": "Yes"})"
          "\n" +
          rest);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.jsonl:1: no question of"), std::string::npos) << r.err;
  r = run(R"({"question_id": "existence/existence_0000.jpg", "prompt": 3, "text": "Yes"})"
          "\n" +
          rest);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.jsonl:1: field 'prompt' must be a string, got an integer"), std::string::npos)
      << r.err;
  r = run(R"({"question_id": "existence", "prompt": "p", "text": "Yes"})"
          "\n" +
          rest);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not '<subtask>/<image file>'"), std::string::npos) << r.err;
  r = run("{\"question_id\": \n" + rest);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.jsonl:1:"), std::string::npos) << r.err;

  TempDir other;
  BenchmarkFixture swapped = WriteBenchmark(other, /*swap_first_pairs=*/true);
  r = RunCli({"score", "--task", "mme", "--benchmark", swapped.dir, "--predictions", swapped.answers});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("are consecutive 'color' answers for different images"), std::string::npos) << r.err;
}

TEST(MmeCli, BenchmarkQuestionFileErrors) {
  TempDir tmp;
  BenchmarkFixture fixture = WriteBenchmark(tmp);
  std::string qa = fixture.dir + "/count/count_0000.txt";  // count uses the flat layout
  std::string original = ReadText(qa);
  auto run = [&] {
    return RunCli({"score", "--task", "mme", "--benchmark", fixture.dir, "--predictions", fixture.answers});
  };
  std::ofstream(qa, std::ios::trunc) << original << "Third question?\tYes\n";
  auto r = run();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("count_0000.txt: 3 lines; MME has two questions per image"), std::string::npos)
      << r.err;
  std::ofstream(qa, std::ios::trunc) << "Only a question\nQ2\tNo\n";
  r = run();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("count_0000.txt:1: expected question<TAB>answer, found 1"), std::string::npos)
      << r.err;
  std::ofstream(qa, std::ios::trunc) << "Q1\tPerhaps\nQ2\tNo\n";
  r = run();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("count_0000.txt:1: answer must be Yes or No, got 'Perhaps'"), std::string::npos)
      << r.err;
}

TEST(MmeRun, FailedRequestsLeaveAccAndAccPlus) {
  std::unique_ptr<Task> task;
  ASSERT_TRUE(CreateTask("mme", &task).ok());
  TaskConfig config;
  config.Set("results", DataPath(kResults));
  ASSERT_TRUE(task->Load(config).ok());
  std::vector<Prediction> predictions;
  ASSERT_TRUE(task->ReadPredictions(config, &predictions).ok());
  // posters scores 200 (every answer right); losing one answer leaves 7/7 and 3/3.
  auto posters = std::find_if(predictions.begin(), predictions.end(),
                              [](const Prediction& p) { return p.id.rfind("posters/", 0) == 0; });
  posters->failed = true;
  ScoreResult result;
  ASSERT_TRUE(task->Score(predictions, &result).ok());
  EXPECT_EQ(result.metrics["tasks"]["posters"].get<double>(), 200.0);
  EXPECT_EQ(result.metrics["acc_plus"]["posters"].get<double>(), 1.0);
  EXPECT_EQ(result.metrics["Perception_total"].get<double>(),
            ReadJsonFile(DataPath("golden/mme/expected.json"))["Perception_total"].get<double>());
  EXPECT_EQ(result.counts.failed, 1u);
}

}  // namespace
}  // namespace svit

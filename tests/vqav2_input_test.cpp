// VQAv2 bad input: every case gives a clear message and exit code 2, and
// the two-core reader of big files equals a plain DOM read.
#include <gtest/gtest.h>

#include "core/json_file.h"
#include "tasks/vqa_format.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kDir = "golden/vqav2/";

struct Files {
  std::string questions = DataPath(kDir + "questions.json");
  std::string annotations = DataPath(kDir + "annotations.json");
  std::string predictions = DataPath(kDir + "results_raw.json");
};

testing::CliResult Score(const Files& f, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"score", "--task", "vqav2", "--questions", f.questions,
                                   "--annotations", f.annotations, "--predictions", f.predictions};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args);
}

void ExpectBadInput(const testing::CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "") << "no partial result may be printed";
}

nlohmann::json Results() { return nlohmann::json::parse(ReadText(DataPath(kDir + "results_raw.json"))); }

TEST(Vqav2Input, MissingFileIsNamed) {
  Files f;
  f.annotations = "/nonexistent/annotations.json";
  ExpectBadInput(Score(f), "/nonexistent/annotations.json: cannot open file");
}

TEST(Vqav2Input, MalformedJsonNamesLineAndColumn) {
  TempDir dir;
  Files f;
  f.questions = dir.Write("q.json", "{\"questions\": [\n {\"question_id\": 1,, }\n]}");
  ExpectBadInput(Score(f), "q.json:2:20: invalid JSON: expected a string key in object");
}

TEST(Vqav2Input, EveryQuestionMustBeAnswered) {
  TempDir dir;
  auto results = Results();
  results.erase(results.begin());
  Files f;
  f.predictions = dir.Write("r.json", results.dump());
  ExpectBadInput(Score(f), "1 of " + std::to_string(results.size() + 1) +
                               " questions have no prediction; vqaEval.py requires every annotated "
                               "question to be answered: " +
                               std::to_string(Results()[0]["question_id"].get<long long>()));
}

TEST(Vqav2Input, PredictionForUnknownQuestion) {
  TempDir dir;
  auto results = Results();
  results.push_back({{"question_id", 42}, {"answer", "yes"}});
  Files f;
  f.predictions = dir.Write("r.json", results.dump());
  ExpectBadInput(Score(f), "1 result(s) for question ids not in the annotations");
}

TEST(Vqav2Input, DuplicatePredictionNamesBothRecords) {
  TempDir dir;
  auto results = Results();
  results.push_back(results[3]);
  Files f;
  f.predictions = dir.Write("r.json", results.dump());
  ExpectBadInput(Score(f), "duplicate prediction for id '" +
                               std::to_string(results[3]["question_id"].get<long long>()) + "' (record 3 and record " + std::to_string(results.size() - 1) + ")");
}

TEST(Vqav2Input, WrongFieldType) {
  TempDir dir;
  auto results = Results();
  results[5]["answer"] = 7;
  Files f;
  f.predictions = dir.Write("r.json", results.dump());
  ExpectBadInput(Score(f), "field 'answer' must be a string, got an integer");
}

TEST(Vqav2Input, MalformedJsonLinesNamesTheLine) {
  TempDir dir;
  std::string lines;
  for (const auto& r : Results()) {
    lines += nlohmann::json{{"question_id", r["question_id"]}, {"text", r["answer"]}}.dump() + "\n";
  }
  lines.insert(lines.find('\n', lines.find('\n') + 1) + 1, "{\"question_id\": 5, \"text\": }\n");
  Files f;
  f.predictions = dir.Write("answers.jsonl", lines);
  ExpectBadInput(Score(f), "answers.jsonl:3:");
}

TEST(Vqav2Input, LlavaAnswerJsonlScoresLikeTheResultsList) {
  TempDir dir;
  std::string lines;
  for (const auto& r : Results()) {
    lines += nlohmann::json{{"question_id", r["question_id"]}, {"prompt", "p"}, {"text", r["answer"]},
                            {"answer_id", "x"}, {"model_id", "m"}, {"metadata", nlohmann::json::object()}}
                 .dump() + "\n";
  }
  Files f;
  f.predictions = dir.Write("answers.jsonl", lines);
  auto jsonl = Score(f, {"--output", dir.File("a.json")});
  auto list = Score(Files(), {"--output", dir.File("b.json")});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(testing::ReadJsonFile(dir.File("a.json"))["metrics"], testing::ReadJsonFile(dir.File("b.json"))["metrics"]);
}

TEST(Vqav2Input, QuestionsAndAnnotationsMustMatch) {
  TempDir dir;
  auto questions = nlohmann::json::parse(ReadText(DataPath(kDir + "questions.json")));
  questions["questions"].push_back({{"question_id", 7}, {"image_id", 1}, {"question", "extra?"}});
  Files f;
  f.questions = dir.Write("q.json", questions.dump());
  ExpectBadInput(Score(f), "are not the same question set; questions without annotation: 7");
}

TEST(Vqav2Input, UsageErrors) {
  ExpectBadInput(RunCli({"score", "--task", "nope"}), "unknown task 'nope'; known tasks: vqav2");
  ExpectBadInput(RunCli({"score", "--task", "vqav2", "--annotations", "a"}), "task vqav2 needs --questions");
  Files f;
  ExpectBadInput(Score(f, {"--answer-processor", "fancy"}), "--answer-processor must be 'raw' or 'llava'");
  ExpectBadInput(RunCli({"frobnicate"}), "unknown command 'frobnicate'");
  ExpectBadInput(RunCli({"score", "--bogus"}), "unrecognised option '--bogus'");
}

TEST(Vqav2Input, OptionOfAnotherTaskIsRejected) {
  // Any option name that exists for score but not for vqav2.
  auto help = RunCli({"score", "--help"});
  ASSERT_EQ(help.exit_code, 0);
  if (help.out.find("--problems") == std::string::npos) GTEST_SKIP() << "no other task with --problems yet";
  Files f;
  ExpectBadInput(Score(f, {"--problems", "x.json"}), "--problems is not an option of task vqav2");
}

// A file large enough for the two-core reader, with an answer that looks
// like a record boundary, read both ways.
TEST(VqaFormat, TwoCoreReaderEqualsDomRead) {
  TempDir dir;
  std::string json = "{\"info\": {}, \"annotations\": [";
  const size_t kRecords = 14000;
  for (size_t i = 0; i < kRecords; ++i) {
    json += i ? ", " : "";
    json += "{\"question_type\": \"what is " + std::to_string(i % 7) + "\", \"answers\": [";
    for (int a = 0; a < 10; ++a) {
      std::string answer = (i == kRecords / 2 + 1 && a == 0) ? "x\\\"}, {\\\"question_id\\\": 1, \\\"y\\\": \\\"" :
                           "answer " + std::to_string((i * 7 + a) % 13) + " \\u00e9";
      json += std::string(a ? ", " : "") + "{\"answer\": \"" + answer + "\", \"answer_confidence\": \"yes\", \"answer_id\": " +
              std::to_string(a + 1) + "}";
    }
    json += "], \"answer_type\": \"other\", \"image_id\": " + std::to_string(i / 3) + ", \"question_id\": " + std::to_string(1000 + i) +
            ", \"padding\": \"" + std::string(400, 'p') + "\"}";
  }
  json += "], \"data_subtype\": \"val2014\"}";
  ASSERT_GT(json.size(), 8u << 20);
  std::string path = dir.Write("annotations.json", json);

  VqaAnnotations streamed;
  Status status = LoadVqaAnnotations(path, &streamed);
  ASSERT_TRUE(status.ok()) << status.message();

  JsonDocument doc;
  ASSERT_TRUE(doc.Load(path).ok());
  JsonArray records = doc.root()["annotations"].get_array();
  ASSERT_EQ(streamed.size(), records.size());
  size_t i = 0;
  for (JsonValue record : records) {
    EXPECT_EQ(streamed.ids[i], std::to_string(record["question_id"].get_int64().value()));
    EXPECT_EQ(streamed.type_names[streamed.question_type[i]], std::string(record["question_type"].get_string().value()));
    size_t a = streamed.first_answer[i];
    for (JsonValue answer : record["answers"].get_array()) {
      ASSERT_LT(a, streamed.first_answer[i + 1]);
      EXPECT_EQ(streamed.answers[a++], answer["answer"].get_string().value()) << i;
    }
    EXPECT_EQ(a, streamed.first_answer[i + 1]);
    ++i;
  }
}

}  // namespace
}  // namespace svit

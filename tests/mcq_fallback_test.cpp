// The choice-extraction fallback of MMBench, SEED-Bench and ScienceQA: the
// judge is asked only about the samples the task's rules leave undecided,
// with VLMEvalKit's prompt byte for byte; its letter decides them, Z counts
// as wrong, replies without a letter stay unresolved and failed requests are
// counted and left out. Expected numbers are worked out by hand from the
// inputs below; the CLI test runs `score --judge` against the mock server.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "tasks/judged_task.h"
#include "tasks/mcq_judge.h"
#include "tasks/registry.h"
#include "tests/fake_judge_client.h"
#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::FakeJudgeClient;
using testing::MockServer;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;
using testing::TextReply;

// VLMEvalKit's template from the shared sample, slots filled in order.
std::string ExpectedPrompt(const std::string& question, const std::string& options, const std::string& answer) {
  std::string prompt = ReadText(DataPath("samples/judge_prompts/mcq_match_en_template.txt"));
  for (const std::string& value : {question, options, answer}) prompt.replace(prompt.find("{}"), 2, value);
  return prompt;
}

JudgeReply Failed() {
  JudgeReply reply;
  reply.status = Status::RunFailed("HTTP 500 after retries");
  return reply;
}

// Answers by sample id; a sample it has no answer for is a test failure.
FakeJudgeClient JudgeBySample(std::map<std::string, JudgeReply> replies) {
  return FakeJudgeClient([replies](const JudgeRequest& r) {
    auto it = replies.find(r.sample_id);
    if (it == replies.end()) {
      ADD_FAILURE() << "the judge was asked about " << r.sample_id;
      return TextReply("");
    }
    return it->second;
  });
}

std::multiset<std::string> AskedIds(const FakeJudgeClient& judge) {
  std::multiset<std::string> ids;
  for (const auto& r : judge.requests()) ids.insert(r.sample_id);
  return ids;
}

const JudgeRequest& FirstRequestFor(const FakeJudgeClient& judge, const std::string& id) {
  return *std::find_if(judge.requests().begin(), judge.requests().end(),
                       [&](const JudgeRequest& r) { return r.sample_id == id; });
}

struct Loaded {
  std::unique_ptr<Task> task;
  const JudgedTask* judged = nullptr;
  std::vector<Prediction> predictions;
};

void Load(const std::string& name, const std::map<std::string, std::string>& options, Loaded* out) {
  ASSERT_TRUE(CreateTask(name, &out->task).ok());
  out->judged = dynamic_cast<const JudgedTask*>(out->task.get());
  ASSERT_NE(out->judged, nullptr) << name << " is not a JudgedTask";
  EXPECT_FALSE(out->judged->NeedsLiveJudge());
  TaskConfig config;
  for (const auto& [key, value] : options) config.Set(key, value);
  Status status = out->task->Load(config);
  ASSERT_TRUE(status.ok()) << status.message();
  status = out->task->ReadPredictions(config, &out->predictions);
  ASSERT_TRUE(status.ok()) << status.message();
}

std::map<std::string, nlohmann::json> ById(const ScoreResult& result) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& s : result.per_sample) {
    nlohmann::json record = s.detail.is_object() ? s.detail : nlohmann::json::object();
    record["status"] = SampleStatusName(s.status);
    record["extracted"] = s.extracted;
    record["score"] = s.score;
    out[s.id] = record;
  }
  return out;
}

bool HasNoteWith(const ScoreResult& result, const std::string& text) {
  return std::any_of(result.notes.begin(), result.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// ---------------------------------------------------------------- MMBench

// Six questions, Q1 and Q2 with a circular copy (options rotated by one).
// Rules: 1 "B" right; 1000001 undecided; 2 "C" wrong; 1000002 undecided but
// its question is already missed (not asked); 3, 4, 5, 6 undecided.
std::string WriteMmbench(const TempDir& dir) {
  const std::string image = "iVBORw0KGgo=";
  std::string tsv = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n";
  auto row = [&](int index, const std::string& options, char answer) {
    tsv += std::to_string(index) + "\tWhich animal is shown\tnan\t" + options + "\t" + answer + "\tcoarse\t" +
           image + "\n";
  };
  row(1, "cat\tdog\tbird\tfish", 'B');
  row(1000001, "dog\tbird\tfish\tcat", 'A');
  row(2, "cat\tdog\tbird\tfish", 'A');
  row(1000002, "dog\tbird\tfish\tcat", 'D');
  row(3, "cat\tdog\tbird\tfish", 'A');
  row(4, "cat\tdog\tbird\tfish", 'A');
  row(5, "cat\tdog\tbird\tfish", 'A');
  row(6, "cat\tdog\tbird\tfish", 'D');
  return dir.Write("mmbench.tsv", tsv);
}

std::string WriteMmbenchAnswers(const TempDir& dir) {
  std::string jsonl;
  for (const auto& [id, text] : std::vector<std::pair<int, std::string>>{{1, "B"},
                                                                         {1000001, "I think it barks"},
                                                                         {2, "C"},
                                                                         {1000002, "hmm"},
                                                                         {3, "something odd"},
                                                                         {4, "unclear reply"},
                                                                         {5, "xyz"},
                                                                         {6, "foo"}}) {
    jsonl += nlohmann::json({{"question_id", id}, {"round_id", 0}, {"text", text}}).dump() + "\n";
  }
  return dir.Write("mmbench_answers.jsonl", jsonl);
}

TEST(McqFallbackMmbench, JudgeDecidesOnlyWhatTheRulesLeaveOpen) {
  TempDir dir;
  Loaded loaded;
  Load("mmbench", {{"data", WriteMmbench(dir)}, {"predictions", WriteMmbenchAnswers(dir)}}, &loaded);
  FakeJudgeClient judge = JudgeBySample({{"1000001", TextReply("A")},
                                         {"3", TextReply("Z")},
                                         {"4", TextReply("I cannot tell")},
                                         {"5", Failed()},
                                         {"6", TextReply("C")}});
  ScoreResult result;
  Status status = loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result);
  ASSERT_TRUE(status.ok()) << status.message();

  // Rule-decided rows and the row of an already missed question are not
  // asked; "I cannot tell" is asked three times; a failed request once.
  EXPECT_EQ(AskedIds(judge), (std::multiset<std::string>{"1000001", "3", "4", "4", "4", "5", "6"}));
  EXPECT_EQ(FirstRequestFor(judge, "1000001").user,
            ExpectedPrompt("Which animal is shown",
                           "There are several options: \nA. dog\nB. bird\nC. fish\nD. cat\n", "I think it barks"));

  auto rows = ById(result);
  EXPECT_EQ(rows["1"]["matched_by"], "rules");
  EXPECT_EQ(rows["1000001"]["matched_by"], "judge");
  EXPECT_EQ(rows["1000001"]["judge_letter"], "A");
  EXPECT_EQ(rows["1000001"]["extracted"], "A");
  EXPECT_EQ(rows["1000001"]["score"], 1.0);
  EXPECT_EQ(rows["1"]["circular"], "hit");
  EXPECT_EQ(rows["2"]["matched_by"], "rules");
  EXPECT_EQ(rows["1000002"]["matched_by"], "not_asked");
  EXPECT_EQ(rows["1000002"]["circular"], "miss");
  EXPECT_EQ(rows["3"]["matched_by"], "judge_none");
  EXPECT_EQ(rows["3"]["extracted"], "Z");
  EXPECT_EQ(rows["3"]["score"], 0.0);
  EXPECT_EQ(rows["3"]["circular"], "miss");
  EXPECT_EQ(rows["4"]["matched_by"], "unresolved");
  EXPECT_EQ(rows["4"]["judge_attempts"], 3);
  EXPECT_EQ(rows["4"]["judge_reply"], "I cannot tell");
  EXPECT_EQ(rows["4"]["status"], "unparseable");
  EXPECT_EQ(rows["4"]["circular"], "unresolved");
  EXPECT_EQ(rows["5"]["matched_by"], "judge_failed");
  EXPECT_EQ(rows["5"]["status"], "failed");
  EXPECT_EQ(rows["5"]["circular"], "excluded (failed request)");
  EXPECT_EQ(rows["6"]["matched_by"], "judge");
  EXPECT_EQ(rows["6"]["circular"], "miss");

  // Questions: 1 hit; 2, 3, 6 miss; 4 unresolved (not hit); 5 left out -> 1/5.
  EXPECT_DOUBLE_EQ(result.metrics["overall"].get<double>(), 0.2);
  EXPECT_EQ(result.metrics["judge_fallback"],
            nlohmann::json({{"asked", 5}, {"resolved", 2}, {"none_fits", 1}, {"unresolved", 1}, {"failed", 1}}));
  EXPECT_EQ(result.counts.answered, 5u);  // 1, 1000001, 2, 3 (Z), 6
  EXPECT_EQ(result.counts.unparseable, 2u);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.judge["model"], "fake-judge-1");
  EXPECT_EQ(result.judge["usage"]["failed"], 1);
  EXPECT_TRUE(HasNoteWith(result, "differ from the official rule-only numbers")) << result.notes[0];
  EXPECT_TRUE(HasNoteWith(result, "1 samples whose judge request failed: the row counts as failed"));

  // Rule-only scoring of the same answers: no judge, every open question is
  // not hit and the question with a wrong copy is missed: 0 of 6.
  ScoreResult rules_only;
  ASSERT_TRUE(loaded.task->Score(loaded.predictions, &rules_only).ok());
  EXPECT_DOUBLE_EQ(rules_only.metrics["overall"].get<double>(), 0.0);
  EXPECT_TRUE(rules_only.judge.is_null());
  EXPECT_FALSE(rules_only.metrics.contains("judge_fallback"));
  EXPECT_FALSE(ById(rules_only)["1"].contains("matched_by"));
}

TEST(McqFallbackMmbench, NoJudgeRequestWhenTheRulesDecideEverything) {
  TempDir dir;
  std::string tsv = WriteMmbench(dir);
  std::string jsonl;
  for (int id : {1, 1000001, 2, 1000002, 3, 4, 5, 6}) {
    jsonl += nlohmann::json({{"question_id", id}, {"text", "(B) because"}}).dump() + "\n";
  }
  Loaded loaded;
  Load("mmbench_cn", {{"data", tsv}, {"predictions", dir.Write("b.jsonl", jsonl)}}, &loaded);
  FakeJudgeClient judge = JudgeBySample({});
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  EXPECT_TRUE(judge.requests().empty());
  // B is right only for question 1's base row; its copy wants A: no hit.
  EXPECT_DOUBLE_EQ(result.metrics["overall"].get<double>(), 0.0);
  EXPECT_EQ(result.metrics["judge_fallback"]["asked"], 0);
  for (const auto& s : result.per_sample) EXPECT_EQ(s.detail["matched_by"], "rules") << s.id;
}

TEST(McqFallbackMmbench, ChineseQuestionsAreAskedWithTheEnglishPromptAndSaySo) {
  TempDir dir;
  std::string tsv = dir.Write("cn.tsv",
                              "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n"
                              "1\t图中是什么动物\tnan\t猫\t狗\t鸟\t鱼\tB\tcoarse\tiVBORw0KGgo=\n");
  std::string answers = dir.Write("cn.jsonl", "{\"question_id\": 1, \"text\": \"它在叫\"}\n");
  Loaded loaded;
  Load("mmbench_cn", {{"data", tsv}, {"predictions", answers}}, &loaded);
  FakeJudgeClient judge = JudgeBySample({{"1", TextReply("B")}});
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  ASSERT_EQ(judge.requests().size(), 1u);
  EXPECT_EQ(judge.requests()[0].user,
            ExpectedPrompt("图中是什么动物", "There are several options: \nA. 猫\nB. 狗\nC. 鸟\nD. 鱼\n", "它在叫"));
  EXPECT_DOUBLE_EQ(result.metrics["overall"].get<double>(), 1.0);
  EXPECT_TRUE(HasNoteWith(result, "1 asked rows have Chinese questions"));
}

// ---------------------------------------------------------------- SEED-Bench

// q1 "A" right; q2 "C" wrong (answer B); q3..q6 not a bare letter.
void WriteSeed(const TempDir& dir, std::map<std::string, std::string>* options) {
  nlohmann::json questions = nlohmann::json::array();
  const std::vector<std::pair<std::string, std::string>> answers = {{"A", "A"},
                                                                    {"B", "C"},
                                                                    {"C", "The answer is C."},
                                                                    {"D", "none of these"},
                                                                    {"A", "hmm"},
                                                                    {"B", "B."}};
  std::string jsonl;
  for (size_t i = 0; i < answers.size(); ++i) {
    std::string id = "q" + std::to_string(i + 1);
    questions.push_back({{"question_id", id}, {"question_type_id", 1}, {"data_type", "image"},
                         {"data_id", id + ".jpg"}, {"question", "What colour is the car"},
                         {"choice_a", "red"}, {"choice_b", "blue"}, {"choice_c", "green"},
                         {"choice_d", "white"}, {"answer", answers[i].first}});
    jsonl += nlohmann::json({{"question_id", id}, {"text", answers[i].second}}).dump() + "\n";
  }
  nlohmann::json bench = {{"questions", questions}, {"question_type", {{"Scene Understanding", 1}}}};
  (*options)["annotations"] = dir.Write("seed.json", bench.dump());
  (*options)["predictions"] = dir.Write("seed_answers.jsonl", jsonl);
}

TEST(McqFallbackSeed, JudgeReadsRepliesThatAreNotALetter) {
  TempDir dir;
  std::map<std::string, std::string> options;
  WriteSeed(dir, &options);
  Loaded loaded;
  Load("seed", options, &loaded);
  FakeJudgeClient judge = JudgeBySample(
      {{"q3", TextReply("C")}, {"q4", TextReply("Z")}, {"q5", TextReply("maybe")}, {"q6", Failed()}});
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());

  EXPECT_EQ(AskedIds(judge), (std::multiset<std::string>{"q3", "q4", "q5", "q5", "q5", "q6"}));
  EXPECT_EQ(FirstRequestFor(judge, "q3").user,
            ExpectedPrompt("What colour is the car",
                           "There are several options: \nA. red\nB. blue\nC. green\nD. white\n",
                           "The answer is C."));
  auto rows = ById(result);
  EXPECT_EQ(rows["q1"]["matched_by"], "rules");
  EXPECT_EQ(rows["q2"]["matched_by"], "rules");
  EXPECT_EQ(rows["q3"]["matched_by"], "judge");
  EXPECT_EQ(rows["q3"]["score"], 1.0);
  EXPECT_EQ(rows["q4"]["matched_by"], "judge_none");
  EXPECT_EQ(rows["q4"]["score"], 0.0);
  EXPECT_EQ(rows["q5"]["matched_by"], "unresolved");
  EXPECT_EQ(rows["q5"]["judge_reply"], "maybe");
  EXPECT_EQ(rows["q5"]["score"], 0.0);
  EXPECT_EQ(rows["q6"]["matched_by"], "judge_failed");
  EXPECT_EQ(rows["q6"]["status"], "failed");
  // q1, q3 right of q1..q5 (q6 left out): 40%.
  EXPECT_DOUBLE_EQ(result.metrics_unrounded["total_accuracy"].get<double>(), 40.0);
  EXPECT_EQ(result.metrics["judge_fallback"],
            nlohmann::json({{"asked", 4}, {"resolved", 1}, {"none_fits", 1}, {"unresolved", 1}, {"failed", 1}}));
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_TRUE(HasNoteWith(result, "differ from the official rule-only numbers"));

  // The script alone: only q1 is right, of 6: 16.67%.
  ScoreResult rules_only;
  ASSERT_TRUE(loaded.task->Score(loaded.predictions, &rules_only).ok());
  EXPECT_EQ(rules_only.metrics["total_accuracy"].get<double>(), 16.67);
}

// ---------------------------------------------------------------- ScienceQA

// p1 "A" right; p2 "B" wrong (answer C); p3..p6 read as FAILED by the rules.
void WriteScienceQa(const TempDir& dir, std::map<std::string, std::string>* options) {
  nlohmann::json problems = nlohmann::json::object(), split = nlohmann::json::array();
  const std::vector<std::pair<int, std::string>> answers = {{0, "A"},       {2, "B"},  {1, "It is the magnet"},
                                                            {0, "nothing"}, {0, "??"}, {1, "umm"}};
  std::string jsonl;
  for (size_t i = 0; i < answers.size(); ++i) {
    std::string pid = "p" + std::to_string(i + 1);
    problems[pid] = {{"question", "Which one attracts iron"},
                     {"choices", {"the wood", "the magnet", "the glass"}},
                     {"answer", answers[i].first},
                     {"hint", ""}};
    split.push_back(pid);
    jsonl += nlohmann::json({{"question_id", pid}, {"prompt", "text only"}, {"text", answers[i].second}}).dump() +
             "\n";
  }
  (*options)["problems"] = dir.Write("problems.json", problems.dump());
  (*options)["splits"] = dir.Write("pid_splits.json", nlohmann::json({{"test", split}}).dump());
  (*options)["split"] = "test";
  (*options)["predictions"] = dir.Write("sqa_answers.jsonl", jsonl);
}

TEST(McqFallbackScienceQa, JudgeReadsFailedExtractions) {
  TempDir dir;
  std::map<std::string, std::string> options;
  WriteScienceQa(dir, &options);
  Loaded loaded;
  Load("scienceqa", options, &loaded);
  FakeJudgeClient judge = JudgeBySample(
      {{"p3", TextReply(" B\n")}, {"p4", TextReply("Z")}, {"p5", TextReply("it depends")}, {"p6", Failed()}});
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());

  EXPECT_EQ(AskedIds(judge), (std::multiset<std::string>{"p3", "p4", "p5", "p5", "p5", "p6"}));
  EXPECT_EQ(FirstRequestFor(judge, "p3").user,
            ExpectedPrompt("Which one attracts iron",
                           "There are several options: \nA. the wood\nB. the magnet\nC. the glass\n",
                           "It is the magnet"));
  auto rows = ById(result);
  EXPECT_EQ(rows["p1"]["matched_by"], "rules");
  EXPECT_EQ(rows["p2"]["matched_by"], "rules");
  EXPECT_EQ(rows["p3"]["matched_by"], "judge");
  EXPECT_EQ(rows["p3"]["pred_idx"], 1);
  EXPECT_EQ(rows["p3"]["status"], "answered");
  EXPECT_EQ(rows["p4"]["matched_by"], "judge_none");
  EXPECT_EQ(rows["p4"]["pred_idx"], -1);
  EXPECT_EQ(rows["p5"]["matched_by"], "unresolved");
  EXPECT_EQ(rows["p5"]["extracted"], "FAILED");
  EXPECT_EQ(rows["p5"]["status"], "unparseable");
  EXPECT_EQ(rows["p6"]["matched_by"], "judge_failed");
  EXPECT_EQ(rows["p6"]["status"], "failed");
  // p1, p3 right of the 5 counted (p6 left out).
  EXPECT_EQ(result.metrics["correct"], 2);
  EXPECT_EQ(result.metrics["count"], 5);
  EXPECT_DOUBLE_EQ(result.metrics_unrounded["acc"].get<double>(), 40.0);
  EXPECT_EQ(result.metrics["judge_fallback"],
            nlohmann::json({{"asked", 4}, {"resolved", 1}, {"none_fits", 1}, {"unresolved", 1}, {"failed", 1}}));
  EXPECT_EQ(result.counts.unparseable, 1u);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_TRUE(HasNoteWith(result, "differ from the official rule-only numbers"));
  EXPECT_TRUE(HasNoteWith(result, "1 samples whose judge request failed: left out of every count"));

  // eval_science_qa.py alone: 1 of 6.
  ScoreResult rules_only;
  ASSERT_TRUE(loaded.task->Score(loaded.predictions, &rules_only).ok());
  EXPECT_EQ(rules_only.metrics["correct"], 1);
  EXPECT_EQ(rules_only.metrics["count"], 6);
}

// ---------------------------------------------------------------- the reply parser

TEST(McqFallbackParser, ReadsRepliesAsVlmEvalKitsCanInfer) {
  std::vector<McqChoice> choices = {{"A", "cat"}, {"B", "dog"}, {"C", "bird"}};
  EXPECT_EQ(InferMcqLetter("B", choices), "B");
  EXPECT_EQ(InferMcqLetter("The answer is (C).", choices), "C");
  EXPECT_EQ(InferMcqLetter("a dog", choices), "B");  // an option's text
  EXPECT_EQ(InferMcqLetter("Z", choices), "Z");
  EXPECT_EQ(InferMcqLetter("Z.", choices), "Z");
  EXPECT_EQ(InferMcqLetter("D", choices), "");  // not an option of this question
  EXPECT_EQ(InferMcqLetter("A or Z", choices), "A");  // the one option letter wins, as in can_infer
  EXPECT_EQ(InferMcqLetter("A B or Z", choices), "");
  EXPECT_EQ(InferMcqLetter("no idea", choices), "");
}

// ---------------------------------------------------------------- the CLI

TEST(McqFallbackCli, ScoreMmbenchWithALiveJudge) {
  constexpr const char* kKeyVariable = "SVIT_MCQ_FALLBACK_TEST_KEY";
  setenv(kKeyVariable, "sk-mcq-test", 1);
  TempDir dir;
  // The mock matches the prompt's "Answer: <prediction>" line.
  MockServer judge({{"api_key", "sk-mcq-test"},
                    {"reported_model", "judge-model-0613"},
                    {"default_answer", "no letter here"},
                    {"rules",
                     {{{"match", "Answer: I think it barks\n"}, {"answer", "A"}},
                      {{"match", "Answer: something odd\n"}, {"answer", "Z"}},
                      {{"match", "Answer: foo\n"}, {"answer", "C"}}}},
                    {"faults", {{{"match", "Answer: xyz\n"}, {"kind", "500"}, {"times", -1}}}}});
  std::string result_path = dir.File("result.json");
  auto r = RunCli({"score", "--task", "mmbench", "--data", WriteMmbench(dir), "--predictions",
                   WriteMmbenchAnswers(dir), "--judge", "mockjudge=" + judge.url(), "--judge-model", "judge-model",
                   "--judge-api-key-env", kKeyVariable, "--judge-max-attempts", "2", "--judge-cache",
                   dir.File("judge.sqlite"), "--output", result_path});
  unsetenv(kKeyVariable);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(result_path);
  std::map<std::string, std::string> matched_by;
  for (const auto& s : result["per_sample"]) matched_by[s["id"]] = s["matched_by"];
  EXPECT_EQ(matched_by, (std::map<std::string, std::string>{{"1", "rules"},
                                                            {"1000001", "judge"},
                                                            {"2", "rules"},
                                                            {"1000002", "not_asked"},
                                                            {"3", "judge_none"},
                                                            {"4", "unresolved"},
                                                            {"5", "judge_failed"},
                                                            {"6", "judge"}}));
  EXPECT_EQ(result["metrics"]["overall"], 0.2);
  EXPECT_EQ(result["metrics"]["judge_fallback"],
            nlohmann::json({{"asked", 5}, {"resolved", 2}, {"none_fits", 1}, {"unresolved", 1}, {"failed", 1}}));
  const auto& j = result["judge"];
  EXPECT_EQ(j["endpoint"], "mockjudge");
  EXPECT_EQ(j["model"], "judge-model");
  EXPECT_EQ(j["reported_models"], nlohmann::json::array({"judge-model-0613"}));
  EXPECT_EQ(j["usage"]["failed"], 1);
  EXPECT_NE(r.out.find("judge: judge-model via mockjudge (reported: judge-model-0613)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("these numbers use the judge fallback"), std::string::npos) << r.out;
  // 1000001, 3, 6 once; 4 three times (no letter); 5 sent twice (HTTP 500).
  EXPECT_EQ(judge.Stats()["total"], 3 + 3 + 2);
}

TEST(McqFallbackCli, RunAsksTheSuitesJudgeOnlyForUndecidedRows) {
  // `run` scores a multiple-choice task with the judge fallback when a judge
  // is named. The first question of the MMBench fixture has three circular
  // copies (red is right: letters A, C, B); the model's "I cannot tell" names
  // no option, so the rules leave all three open and the question unresolved.
  TempDir dir;
  const std::string data = DataPath("mmbench/mini_dev_en.tsv");
  MockServer model(nlohmann::json{{"default_answer", "I cannot tell"}});
  MockServer judge({{"default_answer", "no letter"},
                    {"rules",
                     {{{"match", "A. red\n"}, {"answer", "A"}},
                      {{"match", "A. blue\n"}, {"answer", "C"}},
                      {{"match", "A. green\n"}, {"answer", "B"}}}}});
  auto run = [&](const std::string& run_id, bool with_judge) {
    std::vector<std::string> args = {"run", "--task", "mmbench", "--data", data, "--model",
                                     "m=" + model.url() + "/v1", "--output", dir.File("runs"), "--run-id", run_id,
                                     "--limit", "1"};
    if (with_judge) {
      for (const std::string& a : {std::string("--judge"), "j=" + judge.url() + "/v1", std::string("--judge-model"),
                                   std::string("judge-1")}) {
        args.push_back(a);
      }
    }
    return RunCli(args);
  };

  auto rules_only = run("rules", false);
  ASSERT_EQ(rules_only.exit_code, 0) << rules_only.err;
  auto rules_task = ReadJsonFile(dir.File("runs/rules/m/run.json"))["tasks"][0];
  EXPECT_EQ(rules_task["metrics"]["overall"], 0.0);
  EXPECT_TRUE(rules_task["judge"].is_null());
  EXPECT_EQ(judge.Stats()["total"], 0);

  auto judged = run("judged", true);
  ASSERT_EQ(judged.exit_code, 0) << judged.err;
  EXPECT_EQ(model.Stats()["total"], 3);  // the second run's answers come from the cache
  EXPECT_EQ(judge.Stats()["total"], 3);
  auto task = ReadJsonFile(dir.File("runs/judged/m/run.json"))["tasks"][0];
  EXPECT_EQ(task["metrics"]["overall"], 1.0);
  EXPECT_EQ(task["metrics"]["judge_fallback"],
            nlohmann::json({{"asked", 3}, {"resolved", 3}, {"none_fits", 0}, {"unresolved", 0}, {"failed", 0}}));
  for (const auto& sample : task["per_sample"]) EXPECT_EQ(sample["matched_by"], "judge") << sample.dump();
  EXPECT_EQ(task["judge"]["model"], "judge-1");
  EXPECT_NE(judged.out.find("judge: judge-1 via j"), std::string::npos) << judged.out;

  // Judged once: a rerun asks the judge nothing.
  auto again = run("again", true);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(judge.Stats()["total"], 3);
  EXPECT_EQ(ReadJsonFile(dir.File("runs/again/m/run.json"))["tasks"][0]["metrics"]["overall"], 1.0);
}

TEST(McqFallbackCli, UnreachableJudgeExitsThreeOnlyWhenItIsNeeded) {
  TempDir dir;
  std::map<std::string, std::string> options;
  WriteSeed(dir, &options);
  auto score = [&](const std::string& predictions) {
    return RunCli({"score", "--task", "seed", "--annotations", options["annotations"], "--predictions", predictions,
                   "--judge", "down=http://127.0.0.1:1", "--judge-model", "m", "--judge-max-attempts", "1"});
  };
  auto r = score(options["predictions"]);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("judge down"), std::string::npos) << r.err;
  // Every reply a bare letter: the rules decide all, nothing is sent.
  std::string letters;
  for (int i = 1; i <= 6; ++i) letters += "{\"question_id\": \"q" + std::to_string(i) + "\", \"text\": \"A\"}\n";
  r = score(dir.Write("letters.jsonl", letters));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 samples the rules could not decide were asked"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace svit

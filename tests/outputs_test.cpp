// The results store (`runs`), leaderboards and submission files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "results/run_set.h"
#include "results/store.h"
#include "results/submission.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

std::string Fixture(const std::string& name) { return DataPath("reports/" + name); }

TEST(ResultsStore, PutListGetRoundTripInWalMode) {
  TempDir dir;
  const std::string path = dir.File("db/results.sqlite");
  std::unique_ptr<ResultsStore> store;
  ASSERT_TRUE(ResultsStore::Open(path, &store).ok());
  RunSet run;
  ASSERT_TRUE(LoadRunSet(Fixture("runs/base"), &run).ok());
  ASSERT_TRUE(store->Put(run).ok());
  ASSERT_TRUE(store->Put(run).ok());  // replacing is fine
  std::vector<StoredRunSummary> list;
  ASSERT_TRUE(store->List(&list).ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].run_id, "run-base");
  EXPECT_EQ(list[0].tasks, (std::vector<std::string>{"mme", "pope", "vqav2"}));
  EXPECT_EQ(list[0].samples, 60u + 60u + 104u);

  RunSet back;
  bool found = false;
  ASSERT_TRUE(store->Get("run-base", &back, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(back.model_name, "llava-v1.5-7b");
  EXPECT_EQ(back.tasks["pope"].protocol.dataset_sha256, run.tasks["pope"].protocol.dataset_sha256);
  EXPECT_EQ(back.tasks["mme"].score.metrics, run.tasks["mme"].score.metrics);
  ASSERT_EQ(back.tasks["vqav2"].score.per_sample.size(), 60u);
  for (size_t i = 0; i < 60; ++i) {
    const auto& a = run.tasks["vqav2"].score.per_sample[i];
    const auto& b = back.tasks["vqav2"].score.per_sample[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.prediction, b.prediction);
    EXPECT_EQ(a.score, b.score);
  }
  EXPECT_EQ(back.tasks["pope"].score.per_sample[0].detail, run.tasks["pope"].score.per_sample[0].detail);
  ASSERT_TRUE(store->Get("absent", &back, &found).ok());
  EXPECT_FALSE(found);
  store.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db, "SELECT value FROM metrics WHERE run_id='run-base' AND task='mme' AND path='Perception_total'",
                     -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_double(stmt, 0), 1237.5);  // golden MME perception total
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(ResultsStore, KeepsTheJudgeAndUpgradesStoresWrittenWithoutIt) {
  TempDir dir;
  const std::string path = dir.File("results.sqlite");
  // A store as written before judges were recorded: its tasks table has no judge_json.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE tasks (run_id TEXT NOT NULL, task TEXT NOT NULL, prompt_template_sha256 TEXT,"
                         " dataset_sha256 TEXT, total INTEGER, answered INTEGER, missing INTEGER, failed INTEGER,"
                         " unparseable INTEGER, inputs_json TEXT, metrics_json TEXT, metrics_unrounded_json TEXT,"
                         " notes_json TEXT, official_output TEXT, PRIMARY KEY (run_id, task));",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  std::unique_ptr<ResultsStore> store;
  ASSERT_TRUE(ResultsStore::Open(path, &store).ok());
  RunSet run;
  ASSERT_TRUE(LoadRunSet(Fixture("runs/base"), &run).ok());
  const nlohmann::json judge = {{"model", "gpt-4-0613"}, {"prompt_template_sha256", "abc"}, {"protocol", "p"}};
  run.tasks["pope"].score.judge = judge;
  run.tasks["pope"].protocol.judge = JudgeIdentity(judge);
  ASSERT_TRUE(store->Put(run).ok());
  RunSet back;
  bool found = false;
  ASSERT_TRUE(store->Get("run-base", &back, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(back.tasks["pope"].score.judge, judge);
  EXPECT_EQ(back.tasks["pope"].protocol.judge, JudgeIdentity(judge));
  EXPECT_NE(back.tasks["pope"].protocol.judge, "");
  EXPECT_TRUE(back.tasks["mme"].score.judge.is_null());
  EXPECT_EQ(back.tasks["mme"].protocol.judge, "");
}

TEST(RunsCommand, AddListAndCompareByRunId) {
  TempDir dir;
  const std::string store = dir.File("results.sqlite");
  auto empty = RunCli({"runs", "--store", store});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("no runs in"), std::string::npos);
  auto add = RunCli({"runs", "add", Fixture("runs/base"), Fixture("runs/candidate"), "--store", store});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("stored run-candidate (3 tasks)"), std::string::npos);
  auto list = RunCli({"runs", "--store", store});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("run-base"), std::string::npos);
  EXPECT_NE(list.out.find("svit-v1.5-7b"), std::string::npos);
  EXPECT_NE(list.out.find("mme,pope,vqav2"), std::string::npos);
  auto json = RunCli({"runs", "--store", store, "--json"});
  auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1]["samples"], 224);

  auto by_id = RunCli({"compare", "run-base", "run-candidate", "--store", store, "--json", dir.File("a.json")});
  EXPECT_EQ(by_id.exit_code, 0) << by_id.err;
  auto by_path = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--json", dir.File("b.json")});
  EXPECT_EQ(ReadJsonFile(dir.File("a.json"))["tasks"], ReadJsonFile(dir.File("b.json"))["tasks"]);

  auto bad = RunCli({"runs", "remove", "--store", store});
  EXPECT_EQ(bad.exit_code, 2);
  auto not_a_store = RunCli({"runs", "--store", Fixture("vqav2_base.json")});
  EXPECT_EQ(not_a_store.exit_code, 2);
  EXPECT_NE(not_a_store.err.find("not a svit-eval results store"), std::string::npos);
}

TEST(Leaderboard, PaperColumnsFromGoldenNumbers) {
  auto md = RunCli({"leaderboard", "LLaVA=" + Fixture("runs/base"), Fixture("runs/candidate")});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| Model | MME-P | MME-C | VQAv2 | POPE |"), std::string::npos) << md.out;
  // Golden: MME perception 1237.5, cognition 487.5, VQAv2 84.0, POPE mean F1
  // (0.5714 + 0.4 + 0.1667) / 3 = 37.9.
  EXPECT_NE(md.out.find("| LLaVA | **1237.5** | **487.5** | **84.0** | 37.9 |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| *protocol* | d:33333333 p:cccccccc |"), std::string::npos);

  auto latex = RunCli({"leaderboard", Fixture("runs/base"), Fixture("runs/candidate"), "--format", "latex"});
  EXPECT_NE(latex.out.find("\\toprule"), std::string::npos);
  EXPECT_NE(latex.out.find("llava-v1.5-7b & \\textbf{1237.5} & \\textbf{487.5} & \\textbf{84.0} & 37.9 \\\\"),
            std::string::npos) << latex.out;
  EXPECT_NE(latex.out.find("% POPE protocol: d:22222222 p:bbbbbbbb"), std::string::npos);

  auto csv = RunCli({"leaderboard", Fixture("runs/base"), "--format", "csv", "--ci"});
  EXPECT_NE(csv.out.find("model,run_id,MME-P,MME-P ci_low,MME-P ci_high"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("llava-v1.5-7b,run-base,1237.5,"), std::string::npos);

  TempDir dir;
  auto json = RunCli({"leaderboard", Fixture("runs/base"), "--format", "json", "--ci", "-o", dir.File("lb.json")});
  ASSERT_EQ(json.exit_code, 0);
  auto board = ReadJsonFile(dir.File("lb.json"));
  const auto& vqa = board["rows"][0]["cells"]["VQAv2"];
  EXPECT_DOUBLE_EQ(vqa["value"].get<double>(), 84.0);
  EXPECT_EQ(vqa["metric"], "overall");
  EXPECT_LT(vqa["ci"][0].get<double>(), 84.0);
  EXPECT_GT(vqa["ci"][1].get<double>(), 84.0);

  auto custom = RunCli({"leaderboard", Fixture("vqav2_base.json"), "--column", "VQA-yes/no=vqav2:perAnswerType/yes/no"});
  EXPECT_NE(custom.out.find("| VQA-yes/no |"), std::string::npos) << custom.out;
  auto bad_column = RunCli({"leaderboard", Fixture("runs/base"), "--column", "broken"});
  EXPECT_EQ(bad_column.exit_code, 2);
  auto bad_format = RunCli({"leaderboard", Fixture("runs/base"), "--format", "xls"});
  EXPECT_EQ(bad_format.exit_code, 2);
}

TEST(Submission, Vqav2UploadUsesLlavaAnswerProcessing) {
  TempDir dir;
  auto result = RunCli({"submission", "--benchmark", "vqav2", "--questions", DataPath("golden/vqav2/questions.json"),
                        "--run", Fixture("vqav2_base.json"), "-o", dir.File("upload.json")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("60 questions, 60 answered, 0 without an answer"), std::string::npos);
  auto upload = ReadJsonFile(dir.File("upload.json"));
  auto golden = ReadJsonFile(DataPath("golden/vqav2/expected.json"))["llava_processed_answers"];
  ASSERT_EQ(upload.size(), golden.size());
  for (const auto& entry : upload) {
    ASSERT_TRUE(entry["question_id"].is_number_integer());
    const std::string id = std::to_string(entry["question_id"].get<long long>());
    EXPECT_EQ(entry["answer"], golden[id]) << id;
  }
  // A question without an answer gets "", as LLaVA's converter writes it.
  dir.Write("answers.jsonl", "{\"question_id\": 262148000, \"text\": \"Two dogs.\"}\n");
  auto partial = RunCli({"submission", "--benchmark", "vqav2", "--questions", DataPath("golden/vqav2/questions.json"),
                         "--answers", dir.File("answers.jsonl"), "-o", dir.File("partial.json")});
  ASSERT_EQ(partial.exit_code, 0) << partial.err;
  EXPECT_NE(partial.out.find("60 questions, 1 answered, 59 without an answer"), std::string::npos);
  auto list = ReadJsonFile(dir.File("partial.json"));
  EXPECT_EQ(list[0]["answer"], "2 dogs");
  EXPECT_EQ(list[1]["answer"], "");
}

TEST(Submission, VizWizNeedsEveryAnswer) {
  TempDir dir;
  dir.Write("test.jsonl", "{\"question_id\": 0, \"image\": \"VizWiz_test_00000000.jpg\", \"text\": \"q\"}\n"
                          "{\"question_id\": 1, \"image\": \"VizWiz_test_00000001.jpg\", \"text\": \"q\"}\n");
  dir.Write("one.jsonl", "{\"question_id\": 0, \"text\": \"Unanswerable.\"}\n");
  auto missing = RunCli({"submission", "--benchmark", "vizwiz", "--questions", dir.File("test.jsonl"), "--answers",
                         dir.File("one.jsonl"), "-o", dir.File("up.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("1 of 2 VizWiz questions have no answer"), std::string::npos) << missing.err;
  dir.Write("two.jsonl", "{\"question_id\": 0, \"text\": \"Unanswerable.\"}\n{\"question_id\": 1, \"text\": \"It's a Can\"}\n");
  auto ok = RunCli({"submission", "--benchmark", "vizwiz", "--questions", dir.File("test.jsonl"), "--answers",
                    dir.File("two.jsonl"), "-o", dir.File("up.json")});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ReadJsonFile(dir.File("up.json")),
            nlohmann::json::parse(R"([{"image": "VizWiz_test_00000000.jpg", "answer": "unanswerable"},
                                      {"image": "VizWiz_test_00000001.jpg", "answer": "it 's can"}])"));
}

TEST(Submission, MmbenchUploadTable) {
  TempDir dir;
  // Two rounds for index 1: the later answer wins, as LLaVA's converter leaves it.
  auto tsv = RunCli({"submission", "--benchmark", "mmbench", "--questions", Fixture("mmbench_dev_mini.tsv"),
                     "--answers", Fixture("mmbench_answers.jsonl"), "-o", dir.File("upload.tsv")});
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  EXPECT_EQ(ReadText(dir.File("upload.tsv")),
            "index\tquestion\tA\tB\tC\tD\tprediction\tanswer\tsplit\n"
            "0\tWhat is shown?\tcat\tdog\tbird\tfish\tA\tA\tdev\n"
            "1\t\"Which word, \"\"left\"\" or\tright?\"\tleft\tright\t\t\tB. right\tB\tdev\n"
            "2\tCount <b>&amp;</b>\t1\t2\t3\t4\t\tC\tdev\n");
  auto xlsx = RunCli({"submission", "--benchmark", "mmbench", "--questions", Fixture("mmbench_dev_mini.tsv"),
                      "--answers", Fixture("mmbench_answers.jsonl"), "-o", dir.File("upload.xlsx")});
  ASSERT_EQ(xlsx.exit_code, 0) << xlsx.err;
  const std::string bytes = ReadText(dir.File("upload.xlsx"));
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(bytes.find("xl/worksheets/sheet1.xml"), std::string::npos);
  EXPECT_NE(bytes.find("<c r=\"A2\"><v>0</v></c>"), std::string::npos);
  EXPECT_NE(bytes.find("<t xml:space=\"preserve\">Count &lt;b&gt;&amp;amp;&lt;/b&gt;</t>"), std::string::npos);
  EXPECT_NE(bytes.find("<t xml:space=\"preserve\">B. right</t>"), std::string::npos);
  auto bad_ext = RunCli({"submission", "--benchmark", "mmbench", "--questions", Fixture("mmbench_dev_mini.tsv"),
                         "--answers", Fixture("mmbench_answers.jsonl"), "-o", dir.File("upload.xls")});
  EXPECT_EQ(bad_ext.exit_code, 2);
}

TEST(Submission, UsageAndBadInput) {
  TempDir dir;
  auto none = RunCli({"submission", "--benchmark", "vqav2", "--questions", "q.json", "-o", dir.File("x.json")});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("exactly one of --run and --answers"), std::string::npos);
  auto bench = RunCli({"submission", "--benchmark", "gqa", "--questions", "q", "--answers", "a", "-o", "o"});
  EXPECT_EQ(bench.exit_code, 2);
  dir.Write("bad.jsonl", "{\"question_id\": 1}\n");
  auto bad = RunCli({"submission", "--benchmark", "vqav2", "--questions", DataPath("golden/vqav2/questions.json"),
                     "--answers", dir.File("bad.jsonl"), "-o", dir.File("x.json")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:1: missing field 'text'"), std::string::npos) << bad.err;
  auto task = RunCli({"submission", "--benchmark", "vqav2", "--questions", DataPath("golden/vqav2/questions.json"),
                      "--run", Fixture("pope_base.json"), "-o", dir.File("x.json")});
  EXPECT_EQ(task.exit_code, 2);
  EXPECT_NE(task.err.find("no task 'vqav2' (it has: pope; choose with --task)"), std::string::npos);
  dir.Write("ragged.tsv", "index\tquestion\n0\tq\textra\n");
  auto ragged = RunCli({"submission", "--benchmark", "mmbench", "--questions", dir.File("ragged.tsv"), "--answers",
                        Fixture("mmbench_answers.jsonl"), "-o", dir.File("x.tsv")});
  EXPECT_EQ(ragged.exit_code, 2);
  EXPECT_NE(ragged.err.find("row 2 has 3 fields, the header 2"), std::string::npos);
}

}  // namespace
}  // namespace svit

// Resuming `svit-eval run` after the real process is killed (SIGKILL) or
// interrupted (SIGINT) mid-run: the same command sends exactly the requests
// whose answers were not committed, and the final results equal an
// uninterrupted run's.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::MockServer;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const std::string kDir = "golden/vqav2/";

// The prompts whose answers are committed in the cache.
std::set<std::string> CachedPrompts(const std::string& path) {
  std::set<std::string> prompts;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT prompt FROM responses", -1, &statement, nullptr), SQLITE_OK);
  while (sqlite3_step(statement) == SQLITE_ROW) {
    prompts.insert(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return prompts;
}

bool WaitForRequests(const MockServer& server, int count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.Stats()["total"].get<int>() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class RunResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = dir_.File("images");
    testing::WriteVqav2GoldenImages(images_);
  }

  std::vector<std::string> Args(const MockServer& server, const std::string& run_id, const std::string& cache) {
    return {"run",       "--task",   "vqav2",      "--questions", DataPath(kDir + "questions.json"),
            "--annotations", DataPath(kDir + "annotations.json"), "--images", images_,
            "--model",   "mock=" + server.url() + "/v1", "--concurrency", "4",
            "--output",  dir_.File("runs"), "--cache", cache, "--run-id", run_id};
  }

  nlohmann::json Answers() {
    nlohmann::json answers = nlohmann::json::object();
    auto questions = ReadJsonFile(DataPath(kDir + "questions.json"))["questions"];
    auto results = ReadJsonFile(DataPath(kDir + "results_raw.json"));
    std::map<long long, std::string> by_id;
    for (const auto& r : results) by_id[r["question_id"].get<long long>()] = r["answer"].get<std::string>();
    for (const auto& q : questions) {
      answers[q["question"].get<std::string>() + "\nAnswer the question using a single word or phrase."] =
          by_id.at(q["question_id"].get<long long>());
    }
    return answers;
  }

  // Resumes with the same command and checks what was (not) sent again, and
  // that the results equal an uninterrupted run's.
  void ResumeAndCompare(const MockServer& server, const std::string& cache) {
    ASSERT_FALSE(std::filesystem::exists(dir_.File("runs/stopped/mock/run.json")));
    std::set<std::string> committed = CachedPrompts(cache);
    auto before = server.Stats();
    ASSERT_GT(committed.size(), 0u) << "nothing was committed before the stop";
    ASSERT_LT(committed.size(), 60u) << "the run finished before it was stopped";

    auto resumed = RunCli(Args(server, "resumed", cache));
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    auto after = server.Stats();
    EXPECT_EQ(after["total"].get<int>() - before["total"].get<int>(), static_cast<int>(60 - committed.size()));
    for (const auto& [prompt, count] : after["by_text"].items()) {
      int earlier = before["by_text"].value(prompt, 0);
      if (committed.count(prompt)) {
        EXPECT_EQ(count.get<int>(), earlier) << "answered request sent again: " << prompt;
      } else {
        EXPECT_EQ(count.get<int>(), earlier + 1) << prompt;
      }
    }

    auto fresh = RunCli(Args(server, "fresh", dir_.File("fresh-cache.sqlite")));
    ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
    auto a = ReadJsonFile(dir_.File("runs/resumed/mock/run.json"))["tasks"][0];
    auto b = ReadJsonFile(dir_.File("runs/fresh/mock/run.json"))["tasks"][0];
    EXPECT_EQ(a["metrics"], b["metrics"]);
    EXPECT_EQ(a["metrics_unrounded"], b["metrics_unrounded"]);
    EXPECT_EQ(a["counts"], b["counts"]);
    EXPECT_EQ(a["usage"], b["usage"]);
    ASSERT_EQ(a["per_sample"].size(), b["per_sample"].size());
    for (size_t i = 0; i < a["per_sample"].size(); ++i) {
      for (const char* key : {"id", "prompt", "prediction", "extracted", "score", "status", "finish_reason"}) {
        EXPECT_EQ(a["per_sample"][i][key], b["per_sample"][i][key]) << key << " of sample " << i;
      }
    }
    auto golden = ReadJsonFile(DataPath(kDir + "expected.json"))["official_on_raw_answers"];
    EXPECT_EQ(a["metrics"]["overall"].get<double>(), golden["overall"].get<double>());
    EXPECT_EQ(ReadText(dir_.File("runs/resumed/mock/answers/vqav2.jsonl")).size(),
              ReadText(dir_.File("runs/fresh/mock/answers/vqav2.jsonl")).size());
  }

  TempDir dir_;
  std::string images_;
};

TEST_F(RunResumeTest, SigkillMidRunThenSameCommandSendsOnlyWhatIsMissing) {
  MockServer server({{"answers", Answers()}, {"delay_ms", 40}});
  std::string cache = dir_.File("runs/cache.sqlite");
  pid_t pid = testing::SpawnCli(Args(server, "stopped", cache), dir_.File("out"), dir_.File("err"));
  ASSERT_TRUE(WaitForRequests(server, 20));
  kill(pid, SIGKILL);
  EXPECT_EQ(testing::WaitExit(pid), 128 + SIGKILL);
  ResumeAndCompare(server, cache);
}

TEST_F(RunResumeTest, CtrlCStopsSendingSavesAndExits3WithResumeAdvice) {
  MockServer server({{"answers", Answers()}, {"delay_ms", 100}});
  std::string cache = dir_.File("runs/cache.sqlite");
  pid_t pid = testing::SpawnCli(Args(server, "stopped", cache), dir_.File("out"), dir_.File("err"));
  ASSERT_TRUE(WaitForRequests(server, 8));
  auto start = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  EXPECT_EQ(testing::WaitExit(pid), 3);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0) << "did not stop promptly";
  std::string err = ReadText(dir_.File("err"));
  EXPECT_NE(err.find("interrupted"), std::string::npos) << err;
  EXPECT_NE(err.find("run the same command again to resume"), std::string::npos) << err;
  // Requests in flight at the signal were waited for and committed.
  int sent = server.Stats()["total"].get<int>();
  EXPECT_EQ(CachedPrompts(cache).size(), static_cast<size_t>(sent));
  ResumeAndCompare(server, cache);
}

}  // namespace
}  // namespace svit

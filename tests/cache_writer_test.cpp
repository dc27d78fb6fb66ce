// CacheWriter: answers queued on one thread are committed on another, in
// order, counted, readable through another connection, committed on
// destruction, and a failed commit is reported instead of lost.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "harness/cache_writer.h"
#include "tests/test_util.h"

namespace svit {
namespace {

Response Answer(const std::string& text) {
  Response r;
  r.text = text;
  r.finish_reason = "stop";
  return r;
}

std::string Key(int i) { return "key-" + std::to_string(i); }

TEST(CacheWriter, CommitsEverythingQueuedAndCountsIt) {
  testing::TempDir dir;
  std::string path = dir.File("cache.sqlite");
  std::unique_ptr<ResponseCache> reader;
  ASSERT_TRUE(ResponseCache::Open(path, &reader).ok());
  std::vector<Response> answers;
  for (int i = 0; i < 300; ++i) answers.push_back(Answer("answer " + std::to_string(i)));
  std::unique_ptr<CacheWriter> writer;
  ASSERT_TRUE(CacheWriter::Open(path, &writer).ok());
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<ResponseCache::Entry> entries;
    for (int i = batch * 10; i < batch * 10 + 10; ++i) entries.push_back({Key(i), "m", "q", &answers[i]});
    writer->Add(entries);
    EXPECT_LE(writer->committed(), writer->queued());
  }
  EXPECT_EQ(writer->queued(), 300u);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(writer->committed(), 300u);
  EXPECT_EQ(reader->Count(), 300u);
  Response out;
  ASSERT_TRUE(reader->Get(Key(299), &out));
  EXPECT_EQ(out.text, "answer 299");
}

TEST(CacheWriter, CommitsWhatIsQueuedWhenDestroyed) {
  testing::TempDir dir;
  std::string path = dir.File("cache.sqlite");
  Response answer = Answer("kept");
  {
    std::unique_ptr<CacheWriter> writer;
    ASSERT_TRUE(CacheWriter::Open(path, &writer).ok());
    writer->Add({{Key(1), "m", "q", &answer}});
  }
  std::unique_ptr<ResponseCache> cache;
  ASSERT_TRUE(ResponseCache::Open(path, &cache).ok());
  Response out;
  ASSERT_TRUE(cache->Get(Key(1), &out));
  EXPECT_EQ(out.text, "kept");
}

TEST(CacheWriter, ReportsAFailedCommit) {
  testing::TempDir dir;
  std::string path = dir.File("cache.sqlite");
  std::unique_ptr<CacheWriter> writer;
  ASSERT_TRUE(CacheWriter::Open(path, &writer).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE responses", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Response answer = Answer("lost");
  writer->Add({{Key(1), "m", "q", &answer}});
  Status status = writer->Finish();
  EXPECT_EQ(status.code(), Status::Code::kRunFailed);
  EXPECT_NE(status.message().find("cannot write to the response cache"), std::string::npos) << status.message();
  EXPECT_EQ(writer->committed(), 0u);
  EXPECT_FALSE(writer->status().ok());
  writer->Add({{Key(2), "m", "q", &answer}});
  EXPECT_FALSE(writer->Finish().ok());
  EXPECT_EQ(writer->committed(), 0u);
}

}  // namespace
}  // namespace svit

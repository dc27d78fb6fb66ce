// ParseTopObject on files big enough to be parsed on two cores: the halves
// are merged in order, and a bad record in the second half is reported as a
// sequential parse reports it.
#include "tasks/json_records.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace svit {
namespace {

struct Values {
  std::vector<int64_t> values;
};

// {"records": [{"value": 0, "pad": "..."}, ...], "after": 1}, larger than
// kSplitThreshold; record `bad` (if any) has a string value.
std::string BigFile(size_t records, size_t bad) {
  std::string text = "{\"records\": [";
  for (size_t i = 0; i < records; ++i) {
    if (i) text += ", ";
    text += "{\"value\": " + (i == bad ? std::string("\"x\"") : std::to_string(i)) +
            ", \"pad\": \"" + std::string(100, 'p') + "\"}";
  }
  text += "], \"after\": 1}";
  return text;
}

Status Parse(const std::string& path, Values* out) {
  auto each = [](JsonStream& s, Values* part, size_t) -> Status {
    for (;;) {
      std::string_view key;
      bool done;
      SVIT_RETURN_IF_ERROR(s.NextKey(&key, &done));
      if (done) return Status::OK();
      if (key != "value") {
        SVIT_RETURN_IF_ERROR(s.SkipNextValue());
        continue;
      }
      int64_t value;
      SVIT_RETURN_IF_ERROR(s.ReadInt64("value", &value));
      part->values.push_back(value);
    }
  };
  auto other = [](JsonStream& s, Values*, const std::string&) { return s.SkipNextValue(); };
  auto merge = [](Values* whole, Values&& second) {
    whole->values.insert(whole->values.end(), second.values.begin(), second.values.end());
  };
  return ParseTopObject(path, "records", "value", out, each, other, merge);
}

constexpr size_t kRecords = 100000;  // about 13 MB

TEST(JsonRecords, BigFileHalvesAreMergedInOrder) {
  std::string text = BigFile(kRecords, kRecords);
  ASSERT_GT(text.size(), kSplitThreshold);
  testing::TempDir dir;
  Values parsed;
  ASSERT_TRUE(Parse(dir.Write("big.json", text), &parsed).ok());
  ASSERT_EQ(parsed.values.size(), kRecords);
  for (size_t i = 0; i < kRecords; ++i) ASSERT_EQ(parsed.values[i], static_cast<int64_t>(i));
}

TEST(JsonRecords, BadRecordInTheSecondHalfIsReportedAsSequentially) {
  const size_t bad = kRecords * 3 / 4;
  std::string text = BigFile(kRecords, bad);
  testing::TempDir dir;
  std::string path = dir.Write("big.json", text);
  Values parsed;
  Status status = Parse(path, &parsed);
  ASSERT_FALSE(status.ok());
  size_t column = text.find("\"x\"") + 1;
  EXPECT_EQ(status.message(), path + ":1:" + std::to_string(column) + ": records[" + std::to_string(bad) +
                                  "]: field 'value' must be an integer, got a string")
      << status.message();
}

}  // namespace
}  // namespace svit

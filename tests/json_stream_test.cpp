// JsonStream: tokens, escapes, UTF-8 checks, error positions, chunk
// boundaries, and resuming inside a document.
#include "core/json_stream.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace svit {
namespace {

using Token = JsonStream::Token;
using testing::TempDir;

// Reads every token of `json` with the given chunk size; returns
// "<kind>:<text>" items, or the error message as the last item.
std::vector<std::string> Tokens(const std::string& json, size_t chunk = 1 << 20) {
  TempDir dir;
  std::string path = dir.Write("doc.json", json);
  JsonStream s;
  std::vector<std::string> out;
  Status status = s.Open(path, chunk);
  while (status.ok()) {
    Token t;
    status = s.Next(&t);
    if (!status.ok()) break;
    if (t == Token::kEndOfInput) return out;
    static const char* names[] = {"{", "}", "[", "]", "s", "n", "t", "f", "null", "end"};
    std::string item = names[static_cast<int>(t)];
    if (t == Token::kString) item += (s.is_key() ? "k:" : ":") + std::string(s.text());
    if (t == Token::kNumber) item += ":" + std::string(s.text());
    out.push_back(item);
  }
  std::string message = status.message();
  out.push_back("error " + message.substr(message.find(':') + 1));
  return out;
}

TEST(JsonStream, ReadsEveryKindOfToken) {
  auto tokens = Tokens(R"({"a": [1, -2.5e3, "x", true, false, null], "b": {}})");
  std::vector<std::string> expected = {"{", "sk:a", "[", "n:1", "n:-2.5e3", "s:x", "t", "f", "null",
                                       "]", "sk:b", "{", "}", "}"};
  EXPECT_EQ(tokens, expected);
}

TEST(JsonStream, UnescapesStringsIncludingSurrogatePairs) {
  auto tokens = Tokens(R"(["a\"b\\c\/d\n\t", "\u00e9\ud83d\ude00"])");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[1], "s:a\"b\\c/d\n\t");
  EXPECT_EQ(tokens[2], "s:\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(JsonStream, SameTokensWhateverTheChunkSize) {
  std::string json = R"({"questions": [{"question_id": 1, "question": "Is the \"dog\" caf\u00e9 ok?"},)"
                     R"( {"question_id": 22, "question": "long text long text long text \u2028 end"}]})";
  auto whole = Tokens(json);
  for (size_t chunk : {64, 65, 70, 100}) EXPECT_EQ(Tokens(json, chunk), whole) << chunk;
}

TEST(JsonStream, ReportsLineAndColumnOfSyntaxErrors) {
  auto tokens = Tokens("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_EQ(tokens.back(), "error 3:7: invalid JSON: expected ':' after an object key");
  EXPECT_EQ(Tokens("[1, 2").back(), "error 1:6: invalid JSON: unexpected end of file");
  EXPECT_EQ(Tokens("[1] x").back(), "error 1:5: invalid JSON: unexpected data after the end of the JSON document");
  EXPECT_EQ(Tokens("[01]").back(), "error 1:2: invalid JSON: invalid number '01'");
}

TEST(JsonStream, RejectsInvalidStrings) {
  EXPECT_NE(Tokens("[\"a\nb\"]").back().find("control character"), std::string::npos);
  EXPECT_NE(Tokens("[\"\xC3\x28\"]").back().find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(Tokens("[\"\\ud800 x\"]").back().find("unpaired surrogate"), std::string::npos);
  EXPECT_NE(Tokens("[\"\\q\"]").back().find("bad escape"), std::string::npos);
}

TEST(JsonStream, TypedReadersNameTheField) {
  TempDir dir;
  std::string path = dir.Write("doc.json", R"({"question_id": "x1", "image_id": "7"})");
  JsonStream s;
  ASSERT_TRUE(s.Open(path).ok());
  ASSERT_TRUE(s.ExpectBeginObject("top").ok());
  std::string_view key;
  bool done;
  ASSERT_TRUE(s.NextKey(&key, &done).ok());
  std::string id;
  ASSERT_TRUE(s.ReadId("question_id", &id).ok());
  EXPECT_EQ(id, "x1");
  ASSERT_TRUE(s.NextKey(&key, &done).ok());
  int64_t value;
  Status status = s.ReadInt64("image_id", &value);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("field 'image_id' must be an integer, got a string"), std::string::npos)
      << status.message();
}

TEST(JsonStream, ResumesInsideAnArray) {
  TempDir dir;
  std::string json = R"({"a": [{"x": 1}, {"x": 2}]})";
  std::string path = dir.Write("doc.json", json);
  JsonStream s;
  ASSERT_TRUE(s.OpenInside(path, json.find("{\"x\": 2"), "{[").ok());
  Token t;
  ASSERT_TRUE(s.Next(&t).ok());
  EXPECT_EQ(t, Token::kBeginObject);
  ASSERT_TRUE(s.SkipValue(t).ok());
  ASSERT_TRUE(s.Next(&t).ok());
  EXPECT_EQ(t, Token::kEndArray);
  ASSERT_TRUE(s.Next(&t).ok());
  EXPECT_EQ(t, Token::kEndObject);
  ASSERT_TRUE(s.Next(&t).ok());
  EXPECT_EQ(t, Token::kEndOfInput);
}

}  // namespace
}  // namespace svit

// Word-level and SentencePiece tokenizers. SentencePiece ids come from the
// sentencepiece Python package (tests/data/local/sentencepiece_golden.json).
#include <gtest/gtest.h>

#include "adapters/torch/tokenizer.h"
#include "tests/test_util.h"

namespace svit::local {
namespace {

using svit::testing::DataPath;
using svit::testing::ReadJsonFile;
using svit::testing::TempDir;

TEST(SplitWords, SeparatesPunctuationAndWhitespace) {
  const std::vector<std::string_view> words = SplitWords("USER: Is it red?\nA. yes (maybe)  option's");
  const std::vector<std::string_view> expected = {"USER", ":", "Is", "it", "red", "?", "A", ".", "yes",
                                                  "(", "maybe", ")", "option's"};
  EXPECT_EQ(words, expected);
}

TEST(WordLevelTokenizer, EncodesUnknownWordsAsUnkAndDecodesWithPunctuationRules) {
  TempDir dir;
  const std::string vocab = dir.Write("vocab.json",
                                      R"json({"<pad>":0,"<unk>":1,"The":2,"circle":3,"is":4,"red":5,".":6,"(":7,")":8,"?":9})json");
  std::unique_ptr<Tokenizer> tokenizer;
  ASSERT_TRUE(LoadWordLevelTokenizer(vocab, "<unk>", &tokenizer).ok());
  EXPECT_EQ(tokenizer->vocab_size(), 10);
  const std::vector<int64_t> ids = tokenizer->Encode("The circle is blue.");
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 3, 4, 1, 6}));
  EXPECT_EQ(tokenizer->Decode({2, 3, 4, 5, 6}), "The circle is red.");
  EXPECT_EQ(tokenizer->Decode({2, 7, 5, 8, 9}), "The (red)?");
}

TEST(WordLevelTokenizer, RejectsBadVocabularies) {
  TempDir dir;
  std::unique_ptr<Tokenizer> tokenizer;
  Status missing_unk = LoadWordLevelTokenizer(dir.Write("a.json", R"({"x":0})"), "<unk>", &tokenizer);
  EXPECT_EQ(missing_unk.code(), Status::Code::kInvalidInput);
  EXPECT_NE(missing_unk.message().find("unk_token '<unk>' is not in the vocabulary"), std::string::npos);
  Status duplicate = LoadWordLevelTokenizer(dir.Write("b.json", R"({"x":0,"y":0})"), "x", &tokenizer);
  EXPECT_NE(duplicate.message().find("id 0 is used by"), std::string::npos);
  Status not_int = LoadWordLevelTokenizer(dir.Write("c.json", R"({"x":"0"})"), "x", &tokenizer);
  EXPECT_NE(not_int.message().find("needs an integer id"), std::string::npos);
  Status syntax = LoadWordLevelTokenizer(dir.Write("d.json", "{\"x\":"), "x", &tokenizer);
  EXPECT_EQ(syntax.code(), Status::Code::kInvalidInput);
  EXPECT_NE(syntax.message().find("d.json"), std::string::npos);
}

TEST(SentencePieceTokenizer, MatchesThePythonPackage) {
  std::unique_ptr<Tokenizer> tokenizer;
  ASSERT_TRUE(LoadSentencePieceTokenizer(DataPath("local/tiny_sp.model"), &tokenizer).ok());
  const nlohmann::json golden = ReadJsonFile(DataPath("local/sentencepiece_golden.json"));
  EXPECT_EQ(tokenizer->vocab_size(), golden["vocab_size"].get<int64_t>());
  for (const auto& c : golden["cases"]) {
    const std::vector<int64_t> ids = tokenizer->Encode(c["text"].get<std::string>());
    EXPECT_EQ(ids, c["ids"].get<std::vector<int64_t>>()) << c["text"];
    EXPECT_EQ(tokenizer->Decode(ids), c["decoded"].get<std::string>()) << c["text"];
  }
}

TEST(SentencePieceTokenizer, RejectsAFileThatIsNotAModel) {
  TempDir dir;
  std::unique_ptr<Tokenizer> tokenizer;
  Status status = LoadSentencePieceTokenizer(dir.Write("bad.model", "not a protobuf"), &tokenizer);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("not a SentencePiece model"), std::string::npos);
}

}  // namespace
}  // namespace svit::local

// The pandas-like TSV reader and base64 decoding used for the MMBench TSVs.
#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/tsv_file.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::TempDir;

TEST(TsvTable, ReadsQuotedFieldsLineEndingsAndBlankLines) {
  TempDir dir;
  std::string path = dir.Write("t.tsv",
                               "\xEF\xBB\xBF"
                               "a\tb\tc\r\n"
                               "1\t\"x\ty\nz \"\"q\"\"\"\tplain \"mid\" quote\r\n"
                               "\n"
                               "2\t\t\"\"\n");
  TsvTable table;
  ASSERT_TRUE(table.Load(path).ok());
  ASSERT_EQ(table.header().size(), 3u);
  EXPECT_EQ(table.Column("a"), 0u);
  EXPECT_EQ(table.Column("c"), 2u);
  EXPECT_EQ(table.Column("missing"), TsvTable::kNoColumn);
  ASSERT_EQ(table.rows(), 2u);
  EXPECT_EQ(table.Cell(0, 1), "x\ty\nz \"q\"");
  EXPECT_EQ(table.Cell(0, 2), "plain \"mid\" quote");
  EXPECT_EQ(table.Line(0), 2u);
  EXPECT_EQ(table.Line(1), 5u);  // the quoted newline and the blank line count
  EXPECT_EQ(table.Cell(1, 1), "");
  EXPECT_EQ(table.Cell(1, 2), "");
}

TEST(TsvTable, RejectsWrongFieldCountAndUnclosedQuote) {
  TempDir dir;
  TsvTable table;
  Status status = table.Load(dir.Write("count.tsv", "a\tb\n1\t2\n3\n"));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("count.tsv:3: expected 2 tab-separated fields"), std::string::npos)
      << status.message();
  status = table.Load(dir.Write("quote.tsv", "a\tb\n1\t\"open\n"));
  EXPECT_NE(status.message().find("quote.tsv:2: quoted field is never closed"), std::string::npos)
      << status.message();
  status = table.Load(dir.File("absent.tsv"));
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
}

TEST(TsvTable, PandasNaStrings) {
  for (const char* na : {"", "nan", "NaN", "None", "NA", "N/A", "null", "NULL", "#N/A", "<NA>", "-nan"}) {
    EXPECT_TRUE(IsPandasNa(na)) << na;
  }
  for (const char* value : {"none", "Nan", "0", " ", "na"}) EXPECT_FALSE(IsPandasNa(value)) << value;
}

TEST(Base64, DecodesAndRejects) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("aGVsbG8=", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(DecodeBase64("aGVsbG8h", &out));
  EXPECT_EQ(out, "hello!");
  ASSERT_TRUE(DecodeBase64("aGk=", &out));
  EXPECT_EQ(out, "hi");
  ASSERT_TRUE(DecodeBase64("aA==", &out));
  EXPECT_EQ(out, "h");
  EXPECT_FALSE(DecodeBase64("aGVsbG8", &out));   // length
  EXPECT_FALSE(DecodeBase64("aG=sbG8h", &out));  // padding inside
  EXPECT_FALSE(DecodeBase64("aGVs*G8h", &out));  // alphabet
}

}  // namespace
}  // namespace svit

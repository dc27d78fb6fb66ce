// Judge metrics: Python/NumPy number semantics, LLaVA-Bench review parsing
// and summary (against the golden files of summarize_gpt_review.py), MM-Vet
// aggregation, pairwise statistics and judge agreement, with numbers that
// can be checked by hand or against the Python reference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics/judge_agreement.h"
#include "metrics/llava_review.h"
#include "metrics/mmvet_grade.h"
#include "metrics/pairwise.h"
#include "metrics/python_number.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Expected values printed by CPython 3.11's float() and repr().
TEST(PythonFloat, ParsesLikeCPython) {
  struct Case {
    const char* text;
    double value;
  };
  const Case ok[] = {{"9", 9.0},       {" 9 ", 9.0},          {"9\t", 9.0},    {"1_0", 10.0},
                     {"+5", 5.0},      {"-5.5", -5.5},        {".5", 0.5},     {"5.", 5.0},
                     {"1e3", 1000.0},  {"7\r", 7.0},          {"9\x0b", 9.0},  {"1_000.5", 1000.5},
                     {"\u0663", 3.0},  {"\u0663\u0662.5", 32.5}, {"\u00a09", 9.0}, {"1e-400", 0.0}};
  for (const Case& c : ok) {
    double value = -123;
    EXPECT_TRUE(py::ParseFloat(c.text, &value)) << c.text;
    EXPECT_EQ(value, c.value) << c.text;
  }
  double value;
  ASSERT_TRUE(py::ParseFloat("inf", &value));
  EXPECT_EQ(value, std::numeric_limits<double>::infinity());
  ASSERT_TRUE(py::ParseFloat("-Infinity", &value));
  EXPECT_EQ(value, -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(py::ParseFloat("1e400", &value));
  EXPECT_EQ(value, std::numeric_limits<double>::infinity());
  ASSERT_TRUE(py::ParseFloat("nAn", &value));
  EXPECT_TRUE(std::isnan(value));
  for (const char* bad : {"1__0", "_1", "1_", ".", "1e", "", "8,", "9\x1c", "0x10", "1 2", "- 1",
                          "1_.5", "1._5", "infinit", "\u00bd"}) {
    EXPECT_FALSE(py::ParseFloat(bad, &value)) << bad;
  }
}

TEST(PythonFloat, ReprLikeCPython) {
  EXPECT_EQ(py::FloatRepr(84.7), "84.7");
  EXPECT_EQ(py::FloatRepr(50.0), "50.0");
  EXPECT_EQ(py::FloatRepr(1e16), "1e+16");
  EXPECT_EQ(py::FloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(py::FloatRepr(1e-5), "1e-05");
  EXPECT_EQ(py::FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(py::FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(py::FloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(py::FloatRepr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(py::FloatRepr(5e-324), "5e-324");
  EXPECT_EQ(py::FloatRepr(1.5e300), "1.5e+300");
  EXPECT_EQ(py::FloatRepr(kNaN), "nan");
  EXPECT_EQ(py::FloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(Numpy, RoundScalesThenRoundsHalfEven) {
  // 2.675 * 100 rounds to 267.5 in float64, and rint(267.5) is 268: numpy
  // gives 2.68 where Python's exact-decimal round gives 2.67.
  EXPECT_EQ(numpy::Round(2.675, 2), 2.68);
  EXPECT_EQ(numpy::Round(0.125, 2), 0.12);
  EXPECT_EQ(numpy::Round(2.5, 0), 2.0);
  EXPECT_EQ(numpy::Round(31.14, 1), 31.1);
}

TEST(Numpy, SumIsPairwiseFromEightValues) {
  // Left to right, each 1e16 + 1 ties back to 1e16; numpy's eight partial
  // sums give ((1e16+1)+(1+1)) + ((1+1)+(1+1)) = 1e16 + 6.
  std::vector<double> values = {1e16, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(numpy::Sum(values), 1e16 + 6);
  EXPECT_EQ(numpy::Sum({1e16, 1, 1}), 1e16);  // below eight values: left to right
  EXPECT_EQ(numpy::Mean({1, 2, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(numpy::Std({1, 2, 3, 4}), std::sqrt(1.25));
  EXPECT_TRUE(std::isnan(numpy::Mean({})));
}

TEST(LlavaReview, ParseScoreMatchesGolden) {
  auto golden = ReadJsonFile(DataPath("golden/llava_bench/expected.json"));
  ASSERT_EQ(golden["parse_score"].size(), 15u);
  for (const auto& c : golden["parse_score"]) {
    double reference = 0, model = 0;
    bool parsed = llava::ParseScorePair(c["review"].get<std::string>(), &reference, &model);
    const auto& tuple = c["tuple"];
    if (tuple[0].get<double>() == -1 && tuple[1].get<double>() == -1) {
      EXPECT_FALSE(parsed) << c["review"];
    } else {
      ASSERT_TRUE(parsed) << c["review"];
      EXPECT_EQ(reference, tuple[0].get<double>());
      EXPECT_EQ(model, tuple[1].get<double>());
    }
  }
}

TEST(LlavaReview, ParseScoreEdgeCases) {
  double r, m;
  ASSERT_TRUE(llava::ParseScorePair("8 7\r\nExplanation", &r, &m));  // float() strips the \r
  EXPECT_EQ(r, 8);
  EXPECT_EQ(m, 7);
  ASSERT_TRUE(llava::ParseScorePair("10,9", &r, &m));
  EXPECT_EQ(r, 10);
  EXPECT_EQ(m, 9);
  ASSERT_TRUE(llava::ParseScorePair("8.5 7", &r, &m));
  EXPECT_EQ(r, 8.5);
  for (const char* bad : {" 8 7", "8 7 ", "", "8 seven", "8", "\n8 7", "Score: 8 7"}) {
    EXPECT_FALSE(llava::ParseScorePair(bad, &r, &m)) << bad;
  }
}

std::vector<llava::Review> GoldenReviews() {
  std::vector<llava::Review> reviews;
  std::string text = ReadText(DataPath("golden/llava_bench/reviews.jsonl"));
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    auto record = nlohmann::json::parse(text.substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
    llava::Review r;
    r.category = record["category"];
    r.parsed = llava::ParseScorePair(record["content"].get<std::string>(), &r.reference, &r.model);
    reviews.push_back(r);
  }
  return reviews;
}

TEST(LlavaReview, OfficialSummaryMatchesGolden) {
  auto golden = ReadJsonFile(DataPath("golden/llava_bench/expected.json"));
  auto rows = llava::Summarize(GoldenReviews(), llava::FailurePolicy::kAverageAsMinusOne);
  ASSERT_EQ(rows.size(), golden["summary"].size());
  for (const auto& row : rows) {
    const auto& expected = golden["summary"][row.key];
    EXPECT_EQ(row.relative_score, expected["relative_score"].get<double>()) << row.key;
    EXPECT_EQ(row.reference_score_x10, expected["reference_score_x10"].get<double>()) << row.key;
    EXPECT_EQ(row.model_score_x10, expected["model_score_x10"].get<double>()) << row.key;
  }
  EXPECT_EQ(llava::FormatSummary("reviews", rows), golden["stdout"].get<std::string>());
}

TEST(LlavaReview, DefaultSummaryExcludesParseFailures) {
  auto rows = llava::Summarize(GoldenReviews(), llava::FailurePolicy::kExclude);
  ASSERT_EQ(rows[0].key, "all");
  // The 7 parsed reviews: references 9+10+8+9+5+8+8 = 57, models
  // 6+9.5+7+6+7+7+7 = 49.5; means 8.143 and 7.071 (3 dp).
  EXPECT_EQ(rows[0].reviews, 15u);
  EXPECT_EQ(rows[0].parse_failures, 8u);
  EXPECT_EQ(rows[0].averaged, 7u);
  EXPECT_DOUBLE_EQ(rows[0].reference_mean, 57.0 / 7);
  EXPECT_EQ(rows[0].reference_mean_3dp, 8.143);
  EXPECT_EQ(rows[0].model_mean_3dp, 7.071);
  EXPECT_EQ(rows[0].relative_score, 86.8);  // 7.071 / 8.143 * 100 = 86.835...
  EXPECT_EQ(rows[0].reference_score_x10, 81.4);
  EXPECT_EQ(rows[0].model_score_x10, 70.7);
  EXPECT_DOUBLE_EQ(rows[0].relative_score_unrounded, 49.5 / 57 * 100);
}

TEST(LlavaReview, CategoryWithOnlyFailuresHasNoValue) {
  std::vector<llava::Review> reviews = {{"conv", false, -1, -1}, {"detail", true, 8, 6}};
  auto rows = llava::Summarize(reviews, llava::FailurePolicy::kExclude);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].key, "conv");
  EXPECT_EQ(rows[1].averaged, 0u);
  EXPECT_TRUE(std::isnan(rows[1].relative_score));
  EXPECT_EQ(rows[2].relative_score, 75.0);
}

TEST(MmvetGrade, ParsesTheFirstFieldAsTheOfficialScriptDoes) {
  double grade;
  std::string token;
  ASSERT_TRUE(mmvet::ParseGrade("0.8", &grade, &token));
  EXPECT_EQ(grade, 0.8);
  ASSERT_TRUE(mmvet::ParseGrade("0.5 because", &grade, &token));
  EXPECT_EQ(grade, 0.5);
  EXPECT_EQ(token, "0.5");
  ASSERT_TRUE(mmvet::ParseGrade("1.0\n", &grade, &token));
  EXPECT_EQ(token, "1.0");
  for (const char* bad : {" 0.5", "1.1", "-0.1", "nan", "1.0.", "", "Correctness: 0.5"}) {
    EXPECT_FALSE(mmvet::ParseGrade(bad, &grade, &token)) << bad;
  }
}

TEST(MmvetGrade, PerCapabilityTotalAndCombinations) {
  std::vector<mmvet::GradedSample> samples = {
      {{"rec", "ocr"}, {1.0, 0.0}},
      {{"rec"}, {0.5, 0.5}},
      {{"ocr", "math", "ocr"}, {0.0, 0.5}},  // a repeated capability counts once
  };
  auto s = mmvet::Summarize(samples, 2);
  // Run 0: total 1.5/3*100 = 50, run 1: 1.0/3*100 = 33.33...; mean 41.66... -> 41.7,
  // population std 8.33... -> 8.3.
  EXPECT_DOUBLE_EQ(s.total.per_run[0], 50.0);
  EXPECT_DOUBLE_EQ(s.total.per_run[1], 100.0 / 3);
  EXPECT_EQ(s.total.rounded, 41.7);
  EXPECT_EQ(s.std_rounded, 8.3);
  EXPECT_EQ(s.total_runs_rounded, (std::vector<double>{50.0, 33.3}));
  ASSERT_EQ(s.capabilities.size(), 3u);
  // rec and ocr have two samples each (rec first seen), math one.
  EXPECT_EQ(s.capabilities[0].name, "rec");
  EXPECT_EQ(s.capabilities[0].rounded, 50.0);  // runs 75 and 25
  EXPECT_EQ(s.capabilities[1].name, "ocr");
  EXPECT_EQ(s.capabilities[1].rounded, 37.5);  // runs 50 and 25
  EXPECT_EQ(s.capabilities[2].name, "math");
  EXPECT_EQ(s.capabilities[2].rounded, 25.0);  // runs 0 and 50
  ASSERT_EQ(s.combinations.size(), 3u);
  EXPECT_EQ(s.combinations[0].name, "rec_ocr");
  EXPECT_EQ(s.combinations[2].name, "ocr_math");
  EXPECT_EQ(s.combinations[2].rounded, 25.0);
}

TEST(MmvetGrade, ExcludedGradesLeaveSumsAndCounts) {
  std::vector<mmvet::GradedSample> samples = {{{"rec"}, {1.0}}, {{"rec"}, {std::nullopt}}};
  auto s = mmvet::Summarize(samples, 1);
  EXPECT_EQ(s.total.rounded, 100.0);
  EXPECT_EQ(s.capabilities[0].samples, 2u);
}

TEST(Pairwise, WilsonIntervalsMatchTables) {
  auto half = pairwise::Wilson(5, 10);
  EXPECT_NEAR(half.low, 0.236593090512564, 1e-12);
  EXPECT_NEAR(half.high, 0.7634069094874361, 1e-12);
  auto none = pairwise::Wilson(0, 10);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.2775327998628892, 1e-12);  // z^2 / (n + z^2)
  auto empty = pairwise::Wilson(0, 0);
  EXPECT_EQ(empty.high, 0.0);
}

TEST(Pairwise, DisagreeingOrdersAreTies) {
  using pairwise::Verdict;
  EXPECT_EQ(pairwise::FromScores(8, 7), Verdict::kWin);
  EXPECT_EQ(pairwise::FromScores(7, 7), Verdict::kTie);
  EXPECT_EQ(pairwise::Combine(Verdict::kWin, Verdict::kWin), Verdict::kWin);
  EXPECT_EQ(pairwise::Combine(Verdict::kWin, Verdict::kLoss), Verdict::kTie);
  EXPECT_EQ(pairwise::Combine(Verdict::kTie, Verdict::kLoss), Verdict::kTie);

  std::vector<pairwise::ItemVerdicts> items = {
      {Verdict::kWin, Verdict::kWin},    // win
      {Verdict::kWin, Verdict::kWin},    // win
      {Verdict::kLoss, Verdict::kLoss},  // loss
      {Verdict::kWin, Verdict::kLoss},   // first shown wins both times: tie, inconsistent
      {Verdict::kTie, Verdict::kTie},    // tie
      {Verdict::kWin, std::nullopt},     // undecided
  };
  auto s = pairwise::Summarize(items);
  EXPECT_EQ(s.items, 6u);
  EXPECT_EQ(s.decided, 5u);
  EXPECT_EQ(s.undecided, 1u);
  EXPECT_EQ(s.wins.count, 2u);
  EXPECT_EQ(s.ties.count, 2u);
  EXPECT_EQ(s.losses.count, 1u);
  EXPECT_DOUBLE_EQ(s.wins.rate, 0.4);
  EXPECT_EQ(s.position_inconsistent.count, 1u);
  EXPECT_DOUBLE_EQ(s.position_inconsistent.rate, 0.2);
  // Non-tie single orders: 2+2+2+2+0+1 = 9; first shown won in items 1, 2
  // (A first), 3 (B first, B won), 4 (both) and 6: 1+1+1+2+1 = 6.
  EXPECT_EQ(s.decisive_orders, 9u);
  EXPECT_EQ(s.first_position_wins.count, 6u);
  auto expected = pairwise::Wilson(2, 5);
  EXPECT_EQ(s.wins.ci.low, expected.low);
}

TEST(Agreement, CohenKappaTextbookExample) {
  // 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15:
  // po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
  std::vector<std::string> a, b;
  auto add = [&](int n, const char* x, const char* y) {
    for (int i = 0; i < n; ++i) a.push_back(x), b.push_back(y);
  };
  add(20, "yes", "yes");
  add(5, "yes", "no");
  add(10, "no", "yes");
  add(15, "no", "no");
  EXPECT_NEAR(agreement::CohenKappa(a, b), 0.4, 1e-12);
  EXPECT_NEAR(agreement::CohenKappa(a, a), 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(agreement::CohenKappa({"x", "x"}, {"x", "x"})));
  EXPECT_TRUE(std::isnan(agreement::CohenKappa({"x"}, {"x", "y"})));
}

TEST(Agreement, KrippendorffAlphaIntervalPublishedExample) {
  // Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four
  // coders, twelve units, interval alpha = 0.849.
  const double n = kNaN;
  std::vector<std::vector<double>> coders = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n},
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3},
      {n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n},
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n},
  };
  std::vector<std::vector<double>> units(12);
  for (const auto& coder : coders) {
    for (size_t u = 0; u < 12; ++u) units[u].push_back(coder[u]);
  }
  EXPECT_NEAR(agreement::KrippendorffAlphaInterval(units), 0.849, 5e-4);
  // Perfect agreement is 1; identical values everywhere leave alpha undefined.
  EXPECT_DOUBLE_EQ(agreement::KrippendorffAlphaInterval({{1, 1}, {3, 3}}), 1.0);
  EXPECT_TRUE(std::isnan(agreement::KrippendorffAlphaInterval({{2, 2}, {2, 2}})));
}

TEST(Agreement, RepeatSpread) {
  // Item variances (ddof=1): {8, 6} -> 2, {7, 7, 7} -> 0; {9} has one score.
  auto spread = agreement::SummarizeRepeats({{8, 6}, {7, 7, 7}, {9}});
  EXPECT_EQ(spread.items, 2u);
  EXPECT_DOUBLE_EQ(spread.mean_item_variance, 1.0);
  EXPECT_DOUBLE_EQ(spread.mean_item_std, std::sqrt(2.0) / 2);
}

}  // namespace
}  // namespace svit

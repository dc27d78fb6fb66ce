// The PTB tokenizer and BLEU/ROUGE-L/CIDEr-D against the golden outputs of
// the official COCO caption evaluation (tests/data/golden/captions).
#include <gtest/gtest.h>

#include "metrics/caption_metrics.h"
#include "metrics/python_number.h"
#include "metrics/ptb_tokenizer.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using nlohmann::ordered_json;
using testing::DataPath;
using testing::ReadText;

const std::string kDir = "golden/captions/";
constexpr double kTolerance = 1e-9;

ordered_json ReadOrdered(const std::string& relative) {
  return ordered_json::parse(ReadText(DataPath(relative)));
}

struct Tokenized {
  std::vector<std::vector<std::string>> references;
  std::vector<std::string> candidates;
};

// Tokenizes as pycocoevalcap does: one batch of all references, one of all
// candidates, images in `ids` order.
Tokenized Tokenize(const ordered_json& input, const std::vector<std::string>& ids, int threads) {
  std::vector<std::string> ref_text, cand_text;
  for (const auto& id : ids) {
    for (const auto& r : input["references"][id]) ref_text.push_back(r.get<std::string>());
    cand_text.push_back(input["candidates"][id].get<std::string>());
  }
  std::vector<std::string_view> refs(ref_text.begin(), ref_text.end());
  std::vector<std::string_view> cands(cand_text.begin(), cand_text.end());
  std::vector<std::string> tok_refs = ptb::TokenizeCaptions(refs, threads);
  Tokenized out;
  out.candidates = ptb::TokenizeCaptions(cands, threads);
  size_t next = 0;
  for (const auto& id : ids) {
    out.references.emplace_back();
    for (size_t k = 0; k < input["references"][id].size(); ++k) {
      out.references.back().push_back(tok_refs[next++]);
    }
  }
  return out;
}

std::vector<caption::CaptionPair> Pairs(const Tokenized& t) {
  std::vector<caption::CaptionPair> pairs;
  for (size_t i = 0; i < t.candidates.size(); ++i) pairs.push_back({t.candidates[i], t.references[i]});
  return pairs;
}

std::vector<std::string> ImageIds(const ordered_json& input, const ordered_json& expected) {
  std::vector<std::string> ids;
  for (const auto& [id, refs] : input["references"].items()) ids.push_back(id);
  std::vector<std::string> golden_ids = expected["image_ids"].get<std::vector<std::string>>();
  EXPECT_EQ(ids, golden_ids) << "image order must be the input's dict order";
  return ids;
}

void ExpectMatchesGolden(const ordered_json& input, const ordered_json& expected,
                         const std::string& name, int threads) {
  SCOPED_TRACE(name);
  std::vector<std::string> ids = ImageIds(input, expected);
  Tokenized tok = Tokenize(input, ids, threads);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& golden = expected["tokenized"][ids[i]];
    EXPECT_EQ(tok.candidates[i], golden["candidate"].get<std::string>()) << ids[i];
    EXPECT_EQ(tok.references[i], golden["references"].get<std::vector<std::string>>()) << ids[i];
  }

  caption::CaptionScores s = caption::ScoreCaptions(Pairs(tok), threads);
  const auto& corpus = expected["corpus"];
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(s.bleu[k], corpus["Bleu_" + std::to_string(k + 1)].get<double>(), kTolerance);
  }
  EXPECT_NEAR(s.rouge_l, corpus["ROUGE_L"].get<double>(), kTolerance);
  EXPECT_NEAR(s.cider, corpus["CIDEr"].get<double>(), kTolerance);

  const auto& stats = expected["bleu_corpus_stats"];
  EXPECT_EQ(s.bleu_stats.testlen, stats["testlen"].get<long long>());
  EXPECT_EQ(s.bleu_stats.reflen, stats["reflen"].get<long long>());
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(s.bleu_stats.guess[k], stats["guess"][k].get<long long>());
    EXPECT_EQ(s.bleu_stats.correct[k], stats["correct"][k].get<long long>());
  }
  EXPECT_NEAR(s.bleu_stats.ratio, stats["ratio"].get<double>(), kTolerance);

  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& golden = expected["per_image"][ids[i]];
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(s.bleu_per_image[i][k], golden["Bleu"][k].get<double>(), kTolerance) << ids[i];
    }
    EXPECT_NEAR(s.rouge_l_per_image[i], golden["ROUGE_L"].get<double>(), kTolerance) << ids[i];
    EXPECT_NEAR(s.cider_per_image[i], golden["CIDEr"].get<double>(), kTolerance) << ids[i];
  }
}

TEST(CaptionGolden, PublicInputMatchesPycocoevalcap) {
  ExpectMatchesGolden(ReadOrdered(kDir + "public_input.json"),
                      ReadOrdered(kDir + "public_expected.json"), "public", 1);
}

TEST(CaptionGolden, PublicInputMatchesPycocoevalcapWithTwoThreads) {
  ExpectMatchesGolden(ReadOrdered(kDir + "public_input.json"),
                      ReadOrdered(kDir + "public_expected.json"), "public, 2 threads", 2);
}

TEST(CaptionGolden, EveryMiniCaseMatchesPycocoevalcap) {
  ordered_json mini = ReadOrdered(kDir + "mini_cases.json");
  ASSERT_EQ(mini["cases"].size(), 8u);
  for (const auto& c : mini["cases"]) {
    ExpectMatchesGolden(c["input"], c["expected"], c["name"].get<std::string>(), 1);
  }
}

TEST(CaptionGolden, ThreadsGiveBitIdenticalResults) {
  ordered_json input = ReadOrdered(kDir + "public_input.json");
  ordered_json expected = ReadOrdered(kDir + "public_expected.json");
  std::vector<std::string> ids = ImageIds(input, expected);
  // Replicate the set so that both the tokenizer and the scorers split work.
  std::vector<std::string> many;
  ordered_json big = {{"references", ordered_json::object()}, {"candidates", ordered_json::object()}};
  for (int copy = 0; copy < 4; ++copy) {
    for (const auto& id : ids) {
      std::string new_id = id + "#" + std::to_string(copy);
      big["references"][new_id] = input["references"][id];
      big["candidates"][new_id] = input["candidates"][id];
      many.push_back(new_id);
    }
  }
  Tokenized serial = Tokenize(big, many, 1), parallel = Tokenize(big, many, 2);
  EXPECT_EQ(serial.candidates, parallel.candidates);
  EXPECT_EQ(serial.references, parallel.references);
  caption::CaptionScores a = caption::ScoreCaptions(Pairs(serial), 1);
  caption::CaptionScores b = caption::ScoreCaptions(Pairs(serial), 2);
  EXPECT_EQ(a.bleu, b.bleu);
  EXPECT_EQ(a.rouge_l, b.rouge_l);
  EXPECT_EQ(a.cider, b.cider);
  EXPECT_EQ(a.bleu_per_image, b.bleu_per_image);
  EXPECT_EQ(a.rouge_l_per_image, b.rouge_l_per_image);
  EXPECT_EQ(a.cider_per_image, b.cider_per_image);
}

TEST(PtbTokenizer, LineSeparatorsInsideACaptionAreSpaces) {
  // The Java tokenizer ends a line at each of these and shifts every later
  // caption onto the wrong image; here they separate words and nothing moves.
  std::vector<std::string> text = {"a dog\rruns", "a\vcat", "a\fbird", "two\u2028dogs",
                                   "red\u2029car", "last one"};
  std::vector<std::string_view> captions(text.begin(), text.end());
  std::vector<std::string> expected = {"a dog runs", "a cat", "a bird", "two dogs", "red car",
                                       "last one"};
  EXPECT_EQ(ptb::TokenizeCaptions(captions), expected);
}

TEST(PtbTokenizer, NextLineCharacterIsAnEllipsisAndDropped) {
  // CoreNLP lexes U+0085 (CP1252's ellipsis) as "...", which is punctuation.
  std::vector<std::string_view> captions = {"a dog\u0085runs", "next"};
  EXPECT_EQ(ptb::TokenizeCaptions(captions), (std::vector<std::string>{"a dog runs", "next"}));
  EXPECT_EQ(ptb::LexTokens("a\u0085b"), (std::vector<std::string>{"a", "...", "b"}));
}

TEST(PtbTokenizer, Ptb3Rules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ptb::LexTokens("A man's dog isn't running; it's walking."),
            (V{"a", "man", "'s", "dog", "is", "n't", "running", ";", "it", "'s", "walking", "."}));
  EXPECT_EQ(ptb::LexTokens("I can't, won't; gonna cannot"),
            (V{"i", "ca", "n't", ",", "wo", "n't", ";", "gon", "na", "can", "not"}));
  EXPECT_EQ(ptb::LexTokens("(a) [b] {c} \"d\""),
            (V{"-lrb-", "a", "-rrb-", "-lsb-", "b", "-rsb-", "-lcb-", "c", "-rcb-", "``", "d", "''"}));
  EXPECT_EQ(ptb::LexTokens("$5 50% #1 3:30pm 1,000 e-mail 1/2"),
            (V{"$", "5", "50", "%", "#", "1", "3:30", "pm", "1,000", "e-mail", "1/2"}));
  EXPECT_EQ(ptb::LexTokens("Mr. Smith & Co. vs. the U.S."),
            (V{"mr.", "smith", "&", "co.", "vs.", "the", "u.s."}));
  EXPECT_EQ(ptb::LexTokens("A CAFÉ 😀 ΣΟΦΟΣ"), (V{"a", "café", "σοφος"}));
  EXPECT_EQ(ptb::LexTokens("3 1/2 cups"), (V{"3\u00a01/2", "cups"}));
}

TEST(PtbTokenizer, TokensDependOnTheNextCaption) {
  // "I." before a capitalised sentence starter loses its period, as in Java,
  // even across the caption boundary of the batch.
  std::vector<std::string_view> before_starter = {"photo by I.", "The end"};
  std::vector<std::string_view> before_lower = {"photo by I.", "the end"};
  EXPECT_EQ(ptb::TokenizeCaptions(before_starter)[0], "photo by i");
  EXPECT_EQ(ptb::TokenizeCaptions(before_lower)[0], "photo by i.");
}

TEST(NumpyMean, UsesPairwiseSummation) {
  // 1e16 absorbs every 1.0 added to it one at a time; numpy's eight partial
  // sums lose only the one added to 1e16's own accumulator.
  std::vector<double> values(16, 1.0);
  values[0] = 1e16;
  double sequential = 0.0;
  for (double v : values) sequential += v;
  EXPECT_EQ(numpy::Mean(values), (1e16 + 14.0) / 16.0);
  EXPECT_NE(numpy::Mean(values), sequential / 16.0);
}

}  // namespace
}  // namespace svit

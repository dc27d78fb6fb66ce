// BLEU-1..4, ROUGE-L and CIDEr-D exactly as the official COCO caption
// evaluation computes them (salaniz/pycocoevalcap = tylin/coco-caption):
// same formulas, constants, tie-breaks and float64 operation order, so
// per-image and corpus values equal the Python ones to the last few ulps.
//
// Inputs are PTB-tokenized captions (ptb::TokenizeCaptions), one candidate and
// at least one reference per image, in the evaluation's image order:
//  * BLEU: n-grams of str.split() words; closest reference length (ties to
//    the shorter); tiny = 1e-15 and small = 1e-9 in every precision and in
//    the brevity ratio; corpus BLEU from pooled counts.
//  * ROUGE-L: str.split(" ") tokens (an empty caption is one empty token);
//    LCS-based precision and recall maximised separately over references;
//    beta 1.2; corpus = numpy mean.
//  * CIDEr-D: document frequency over the references of the evaluated
//    images, idf log(N images), clipped tf-idf cosine per n = 1..4, Gaussian
//    penalty on the difference in bigram counts (sigma 6), x10; corpus =
//    numpy mean (pairwise summation).
// Pure functions; `threads` > 1 splits the work without changing any
// result.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace svit::caption {

struct CaptionPair {
  std::string candidate;
  std::vector<std::string> references;
};

// The pooled counts Bleu(4) prints with verbose=1.
struct BleuStats {
  long long testlen = 0;
  long long reflen = 0;
  std::array<long long, 4> guess{};
  std::array<long long, 4> correct{};
  double ratio = 0.0;
};

struct CaptionScores {
  std::array<double, 4> bleu{};  // corpus Bleu_1..Bleu_4
  BleuStats bleu_stats;
  double rouge_l = 0.0;
  double cider = 0.0;
  std::vector<std::array<double, 4>> bleu_per_image;
  std::vector<double> rouge_l_per_image;
  std::vector<double> cider_per_image;
};

// Scores every image; `images` must be non-empty and every image must have
// at least one reference (callers check and report bad input).
CaptionScores ScoreCaptions(const std::vector<CaptionPair>& images, int threads = 1);

}  // namespace svit::caption

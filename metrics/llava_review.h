// LLaVA-Bench review scores: parse_score() of LLaVA's
// llava/eval/eval_gpt_review_bench.py (and eval_gpt_review_visual.py) and the
// aggregation of llava/eval/summarize_gpt_review.py. Pure functions.
//
// The official rule averages a review that cannot be parsed as the pair
// (-1, -1). svit-eval applies that rule only when asked for (kAverageAsMinusOne,
// the `official` mode); by default such reviews are excluded and counted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace svit::llava {

// parse_score: the review's first line ('\n'-separated), ',' replaced by ' ',
// split on single spaces; exactly two fields, each a Python float. Returns
// false where the official function returns [-1, -1].
bool ParseScorePair(std::string_view review, double* reference, double* model);

// One judged review: its category key ("llava_bench_conv", "conv", ...) and
// the two scores when the review parsed.
struct Review {
  std::string category;
  bool parsed = false;
  double reference = -1;
  double model = -1;
};

enum class FailurePolicy {
  kAverageAsMinusOne,  // official: unparsed reviews count as (-1, -1)
  kExclude,            // default: unparsed reviews are left out of every mean
};

// One line of the summary: "all" or a category.
struct SummaryRow {
  std::string key;
  size_t reviews = 0;         // reviews under the key
  size_t parse_failures = 0;  // of which did not parse
  size_t averaged = 0;        // reviews inside the means
  double reference_mean = 0;  // unrounded means (NaN when nothing is averaged)
  double model_mean = 0;
  // As summarize_gpt_review.py prints them: means rounded to 3 decimals
  // first, then relative = round(model/reference*100, 1) and round(mean*10, 1).
  double reference_mean_3dp = 0;
  double model_mean_3dp = 0;
  double relative_score = 0;  // NaN when the rounded reference mean is 0
  double reference_score_x10 = 0;
  double model_score_x10 = 0;
  double relative_score_unrounded = 0;  // model_mean / reference_mean * 100
};

// Rows for "all" and every category, sorted by key as the script prints them.
std::vector<SummaryRow> Summarize(const std::vector<Review>& reviews, FailurePolicy policy);

// What summarize_gpt_review.py prints for one review file: the config name,
// "key relative reference_x10 model_x10" per row, and a rule of '='.
std::string FormatSummary(const std::string& config, const std::vector<SummaryRow>& rows);

}  // namespace svit::llava

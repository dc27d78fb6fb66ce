// MM-Vet grading: the grade parsing and the aggregation of yuweihao/MM-Vet
// mm-vet_evaluator.py. Pure functions.
//
// A sample counts once for each capability it has (its capability list taken
// as a set) and once for its capability combination. Per run, a column's value
// is sum(scores)/count*100; the reported value is numpy's round(mean over
// runs, 1); `std` is the population std of the per-run totals.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svit::mmvet {

// The grade in a judge reply: content.split(" ")[0].strip() parsed as a
// Python float within [0, 1]. `token` receives the stripped first field (what
// the official grade file records). NaN is rejected (the official range test
// lets it through and would poison every mean).
bool ParseGrade(std::string_view content, double* grade, std::string* token);

struct GradedSample {
  std::vector<std::string> capabilities;  // as listed in mm-vet.json
  // One entry per run; nullopt = no grade in that run (excluded from sums and counts).
  std::vector<std::optional<double>> scores;
};

struct Column {
  std::string name;
  size_t samples = 0;            // samples with this capability (or combination)
  std::vector<double> per_run;   // sum/count*100 per run, unrounded (NaN: nothing graded)
  double mean = 0;               // numpy mean of per_run, unrounded
  double rounded = 0;            // numpy round(mean, decimals)
};

struct Summary {
  std::vector<Column> capabilities;  // most common first; ties in order of first appearance
  std::vector<Column> combinations;  // likewise; named by joining the capabilities with '_'
  Column total;
  std::vector<double> total_runs_rounded;  // numpy round(per-run total, decimals)
  double std = 0;                          // numpy std (ddof=0) of the per-run totals
  double std_rounded = 0;
};

// Aggregates `samples` over `runs` runs (every sample has `runs` entries).
Summary Summarize(const std::vector<GradedSample>& samples, size_t runs, int decimals = 1);

}  // namespace svit::mmvet

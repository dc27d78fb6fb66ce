// The HTML report: one self-contained file (no network, no external assets)
// with the leaderboard, inline SVG charts (per-benchmark bars with interval
// whiskers; a capability radar), comparison tables of every run against the
// first, and a per-sample browser (question, image thumbnail when an image
// folder is given, each model's answer, scores, judge rationale; filters by
// task, changed and failed samples; pages of 50 rows, so 100,000 samples stay
// usable).
//
// Untrusted text (model answers, questions, ids, model names) is escaped for
// HTML where the page is built, and the sample data travels as JSON in a
// <script type="application/json"> block (with '<', '>', '&', U+2028 and
// U+2029 escaped) that the page's script renders with textContent only. A
// Content-Security-Policy allows only the page's own script (by nonce) and
// data: images.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "metrics/statistics.h"
#include "results/run_set.h"

namespace svit {

struct ReportOptions {
  stats::ResampleOptions resample;
  std::string title = "svit-eval report";
  std::string images_dir;                  // embed thumbnails of sample images found here
  size_t max_image_bytes = 64u << 20;      // total embedded image bytes
  size_t max_single_image_bytes = 1u << 20;
  bool allow_protocol_mismatch = false;
};

Status BuildHtmlReport(const std::vector<RunSet>& runs, const ReportOptions& options, std::string* html);

}  // namespace svit

// Leaderboard tables over several runs, with the columns of the SVIT and
// LLaVA-1.5 papers. A column maps to one task's metric through a small table
// (DefaultColumns, documented in docs/reports.md): the first task name and
// metric path present in a run fill the cell. Fractions (values <= 1 in a
// column marked `percent`) are shown as percentages. Cells may carry
// bootstrap intervals; each column states the protocol (dataset and prompt
// template hashes) behind its numbers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "metrics/statistics.h"
#include "results/run_set.h"

namespace svit {

struct LeaderboardColumn {
  std::string label;
  std::vector<std::string> tasks;  // task names, first present wins
  // Metric paths ('/'-joined), first present wins; a '+'-joined list of
  // paths means their mean (POPE: the mean F1 of its three splits).
  std::vector<std::string> paths;
  bool percent = true;  // show fractions as percentages
};

const std::vector<LeaderboardColumn>& DefaultColumns();

// "LABEL=TASK:PATH" (PATH as above), replacing a default column of the same
// label or adding one.
Status ParseColumn(const std::string& text, LeaderboardColumn* out);

struct LeaderboardCell {
  bool present = false;
  double value = 0.0;  // as shown (percentages applied)
  std::optional<stats::Interval> ci;
  std::string task, path, protocol;
};

struct Leaderboard {
  std::vector<LeaderboardColumn> columns;  // those with at least one value
  std::vector<std::string> models, run_ids;
  std::vector<std::vector<LeaderboardCell>> cells;  // [model][column]
  std::vector<std::vector<std::string>> column_protocols;  // distinct protocols per column
  bool with_ci = false;
  stats::ResampleOptions resample;
};

void BuildLeaderboard(const std::vector<RunSet>& runs, const std::vector<LeaderboardColumn>& columns,
                      bool with_ci, const stats::ResampleOptions& resample, Leaderboard* out);

std::string LeaderboardMarkdown(const Leaderboard& board);
std::string LeaderboardLatex(const Leaderboard& board);  // booktabs, best value per column in bold
std::string LeaderboardCsv(const Leaderboard& board);
nlohmann::json LeaderboardJson(const Leaderboard& board);

// "d:1a2b3c4d p:5e6f7a8b", or "unknown" when a result carries no hashes.
std::string ProtocolLabel(const Protocol& protocol);

}  // namespace svit

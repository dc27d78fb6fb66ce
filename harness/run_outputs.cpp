#include "harness/run_outputs.h"

#include <filesystem>
#include <fstream>

#include "results/comparison.h"
#include "results/gate.h"
#include "results/html_report.h"
#include "results/leaderboard.h"
#include "results/run_set.h"
#include "results/store.h"

namespace svit {
namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.flush();
  if (!file) return Status::RunFailed(path + ": cannot write");
  return Status::OK();
}

}  // namespace

Status WriteRunOutputs(const Suite& suite, const RunSummary& summary, const std::string& store_path,
                       std::ostream& out) {
  std::vector<RunSet> runs;
  for (const auto& record : summary.records) {
    RunSet run;
    SVIT_RETURN_IF_ERROR(LoadRunSet(record, &run));
    runs.push_back(std::move(run));
  }
  std::unique_ptr<ResultsStore> store;
  SVIT_RETURN_IF_ERROR(ResultsStore::Open(store_path, &store));
  for (const auto& run : runs) SVIT_RETURN_IF_ERROR(store->Put(run));
  out << "results store: " << store_path << " (svit-eval runs --store " << store_path << ")\n";
  if (runs.size() < 2) return Status::OK();

  namespace fs = std::filesystem;
  const fs::path dir = summary.run_dir;
  Leaderboard board;
  BuildLeaderboard(runs, DefaultColumns(), /*with_ci=*/true, stats::ResampleOptions(), &board);
  std::string leaderboard = (dir / "leaderboard.md").string();
  SVIT_RETURN_IF_ERROR(WriteFile(leaderboard, LeaderboardMarkdown(board)));

  std::string comparisons;
  for (size_t i = 1; i < runs.size(); ++i) {
    Comparison comparison;
    SVIT_RETURN_IF_ERROR(CompareRuns(runs[0], runs[i], CompareOptions(), &comparison));
    comparisons += ComparisonMarkdown(comparison, nullptr) + "\n";
    if (i == 1) out << "\n" << ComparisonText(comparison, nullptr);
  }
  std::string comparison_path = (dir / "comparison.md").string();
  SVIT_RETURN_IF_ERROR(WriteFile(comparison_path, comparisons));

  ReportOptions report;
  report.title = "svit-eval: " + fs::path(summary.run_dir).filename().string();
  for (const auto& task : suite.tasks) {
    if (!task.images.empty()) {
      report.images_dir = task.images;
      break;
    }
  }
  std::string html;
  SVIT_RETURN_IF_ERROR(BuildHtmlReport(runs, report, &html));
  std::string report_path = (dir / "report.html").string();
  SVIT_RETURN_IF_ERROR(WriteFile(report_path, html));

  out << "\nleaderboard:\n" << LeaderboardMarkdown(board) << "\n";
  out << "leaderboard: " << leaderboard << "\ncomparison:  " << comparison_path << "\nreport:      "
      << report_path << "\n";
  return Status::OK();
}

}  // namespace svit

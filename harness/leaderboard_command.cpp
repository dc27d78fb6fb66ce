// `svit-eval leaderboard RUN...`: one table row per run, with the benchmark
// columns of the SVIT / LLaVA-1.5 papers, as Markdown, LaTeX, CSV or JSON.
#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "results/leaderboard.h"
#include "results/store.h"

namespace po = boost::program_options;

namespace svit {
namespace {

int Fail(const Status& status) { return ReportFailure("leaderboard", status); }

}  // namespace

int RunLeaderboardCommand(const std::vector<std::string>& args) {
  po::options_description options("leaderboard options");
  options.add_options()
      ("help,h", "show this help")
      ("format", po::value<std::string>(), "markdown (default), latex, csv or json")
      ("output,o", po::value<std::string>(), "write the table here instead of stdout")
      ("ci", "add bootstrap confidence intervals")
      ("column", po::value<std::vector<std::string>>(),
       "LABEL=TASK:PATH: add a column or remap a default one (repeatable)")
      ("store", po::value<std::string>(), "results store to look run ids up in");
  AddResampleOptions(&options);
  po::variables_map vm;
  std::vector<std::string> arguments;
  int usage_exit = 0;
  if (!ParseRunCommandLine("leaderboard", args, options, &vm, &arguments, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    std::printf("usage: svit-eval leaderboard RUN... [--format markdown|latex|csv|json] [--ci] [-o FILE]\n\n"
                "Columns (first task and metric present wins; docs/reports.md has the table):\n");
    for (const auto& c : DefaultColumns()) {
      std::string tasks, paths;
      for (const auto& t : c.tasks) tasks += (tasks.empty() ? "" : "|") + t;
      for (const auto& p : c.paths) paths += (paths.empty() ? "" : "|") + p;
      std::printf("  %-11s %s: %s\n", c.label.c_str(), tasks.c_str(), paths.c_str());
    }
    std::printf("\nRUN: a score result file, a folder of them, a run folder or run.json, or a run id in\n"
                "the results store; LABEL=PATH names the row.\n\n");
    std::cout << options;
    return 0;
  }
  if (arguments.empty()) return Fail(Status::InvalidInput("name at least one RUN"));
  const std::string format = vm.count("format") ? vm["format"].as<std::string>() : "markdown";
  if (format != "markdown" && format != "latex" && format != "csv" && format != "json") {
    return Fail(Status::InvalidInput("--format must be markdown, latex, csv or json, got '" + format + "'"));
  }
  stats::ResampleOptions resample;
  Status status = ReadResampleOptions(vm, &resample);
  if (!status.ok()) return Fail(status);
  std::vector<LeaderboardColumn> columns = DefaultColumns();
  if (vm.count("column")) {
    for (const auto& text : vm["column"].as<std::vector<std::string>>()) {
      LeaderboardColumn column;
      status = ParseColumn(text, &column);
      if (!status.ok()) return Fail(status);
      auto it = std::find_if(columns.begin(), columns.end(),
                             [&](const auto& c) { return c.label == column.label; });
      if (it != columns.end()) {
        *it = column;
      } else {
        columns.push_back(column);
      }
    }
  }
  const std::string store = vm.count("store") ? vm["store"].as<std::string>() : DefaultStorePath();
  std::vector<RunSet> runs(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    status = LoadRunArgument(arguments[i], store, &runs[i]);
    if (!status.ok()) return Fail(status);
  }
  Leaderboard board;
  BuildLeaderboard(runs, columns, vm.count("ci") > 0, resample, &board);
  if (board.columns.empty()) {
    return Fail(Status::InvalidInput("no run has a task and metric of any leaderboard column "
                                     "(add one with --column LABEL=TASK:PATH)"));
  }
  std::string text = format == "latex" ? LeaderboardLatex(board)
                     : format == "csv" ? LeaderboardCsv(board)
                     : format == "json" ? LeaderboardJson(board).dump(1, ' ', false,
                                                                      nlohmann::json::error_handler_t::replace) + "\n"
                                        : LeaderboardMarkdown(board);
  if (vm.count("output")) {
    status = WriteTextFile(vm["output"].as<std::string>(), text);
    if (!status.ok()) return Fail(status);
  } else {
    std::cout << text;
  }
  return 0;
}

}  // namespace svit

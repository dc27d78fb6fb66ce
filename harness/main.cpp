// svit-eval: evaluation and benchmarking of vision-language models.
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "harness/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&)> run;
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"run", "send benchmark samples to models, score the answers, write a run record",
       svit::RunRunCommand},
      {"score", "score a predictions file against a benchmark's official files",
       svit::RunScoreCommand},
      {"pairwise", "a judge compares two models' LLaVA-Bench answers in both orders: win/tie/loss",
       svit::RunPairwiseCommand},
      {"judge-agreement", "Cohen's kappa and Krippendorff's alpha between two judges' results",
       svit::RunJudgeAgreementCommand},
      {"tasks", "list every task, its family, the files it reads and its metrics",
       svit::RunTasksCommand},
      {"runs", "list the runs in the results store, or add runs to it", svit::RunRunsCommand},
      {"compare", "compare two runs: deltas, intervals, paired tests, regression gate",
       svit::RunCompareCommand},
      {"leaderboard", "tables of several runs in Markdown, LaTeX, CSV or JSON",
       svit::RunLeaderboardCommand},
      {"submission", "upload files for server-scored benchmarks (VQAv2, VizWiz, MMBench)",
       svit::RunSubmissionCommand},
      {"report", "a self-contained HTML report: charts, comparisons, sample browser",
       svit::RunReportCommand},
  };
  return kCommands;
}

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: svit-eval <command> [options]\n\ncommands:\n");
  for (const auto& c : Commands()) std::fprintf(out, "  %-16s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'svit-eval <command> --help' documents a command's options.\n"
                    "exit codes: 0 ok, 1 regression gate failed, 2 usage or bad input, "
                    "3 run could not complete\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : Commands()) {
    if (name == c.name) return c.run(args);
  }
  std::fprintf(stderr, "svit-eval: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return 2;
}

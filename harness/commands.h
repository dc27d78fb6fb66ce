// The CLI's subcommands. Each takes the arguments after its name and returns
// the process exit code (0 ok, 1 gate failed, 2 usage or bad input, 3 run
// could not complete); messages go to stderr, results to stdout.
#pragma once

#include <string>
#include <vector>

namespace svit {

int RunTasksCommand(const std::vector<std::string>& args);
int RunScoreCommand(const std::vector<std::string>& args);
int RunRunsCommand(const std::vector<std::string>& args);
int RunCompareCommand(const std::vector<std::string>& args);
int RunLeaderboardCommand(const std::vector<std::string>& args);
int RunSubmissionCommand(const std::vector<std::string>& args);
int RunReportCommand(const std::vector<std::string>& args);
int RunRunCommand(const std::vector<std::string>& args);
int RunPairwiseCommand(const std::vector<std::string>& args);
int RunJudgeAgreementCommand(const std::vector<std::string>& args);

}  // namespace svit

#include <cstdio>

#include "harness/commands.h"
#include "tasks/registry.h"

namespace svit {

int RunTasksCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::printf("usage: svit-eval tasks\n\nLists every task with its family, the official files "
                "it reads, its predictions format and its metrics.\n");
    return 0;
  }
  if (!args.empty()) {
    std::fprintf(stderr, "svit-eval tasks: takes no arguments (got '%s')\n", args[0].c_str());
    return 2;
  }
  for (const auto& name : TaskNames()) {
    std::unique_ptr<Task> task;
    CreateTask(name, &task);
    const TaskInfo& info = task->info();
    std::printf("%-14s %-10s %s\n", info.name.c_str(), TaskFamilyName(info.family),
                info.description.c_str());
    for (const auto& option : info.options) {
      if (!option.is_file) continue;
      std::printf("%27s --%s %s%s\n", "", option.name.c_str(), option.description.c_str(),
                  option.required ? "" : " (optional)");
    }
    if (!info.predictions_format.empty()) {
      std::printf("%27s --predictions %s%s\n", "", info.predictions_format.c_str(),
                  info.predictions_optional ? " (optional)" : "");
    }
    std::string metrics;
    for (const auto& m : info.metrics) metrics += (metrics.empty() ? "" : ", ") + m;
    std::printf("%27s metrics: %s\n", "", metrics.c_str());
  }
  return 0;
}

}  // namespace svit

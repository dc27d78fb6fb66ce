// The list of every task svit-eval knows. Adding a task means adding one line
// to kTaskFactories in registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace svit {

// All task names, in the order `svit-eval tasks` lists them.
std::vector<std::string> TaskNames();

// Creates the task called `name`, or returns InvalidInput listing the names.
Status CreateTask(const std::string& name, std::unique_ptr<Task>* out);

}  // namespace svit

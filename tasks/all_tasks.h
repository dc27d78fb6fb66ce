// Factory functions of the built-in tasks (one per task, defined in the
// task's own .cpp file). Only registry.cpp includes this header.
#pragma once

#include <memory>

#include "tasks/task.h"

namespace svit {

std::unique_ptr<Task> MakeVqav2Task();
std::unique_ptr<Task> MakeLlavaBenchTask();
std::unique_ptr<Task> MakeMmvetTask();

}  // namespace svit

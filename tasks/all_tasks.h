// Factory functions of the built-in tasks (one per task, defined in the
// task's own .cpp file). Only registry.cpp includes this header.
#pragma once

#include <memory>

#include "tasks/task.h"

namespace svit {

std::unique_ptr<Task> MakeVqav2Task();
std::unique_ptr<Task> MakeTextVqaTask();
std::unique_ptr<Task> MakeVizWizTask();
std::unique_ptr<Task> MakeOkVqaTask();
std::unique_ptr<Task> MakeGqaTask();
std::unique_ptr<Task> MakeScienceQaTask();
std::unique_ptr<Task> MakeSeedTask();
std::unique_ptr<Task> MakeCocoCaptionTask();
std::unique_ptr<Task> MakeNocapsTask();
std::unique_ptr<Task> MakeFlickr30kTask();
std::unique_ptr<Task> MakePopeTask();
std::unique_ptr<Task> MakeMmeTask();
std::unique_ptr<Task> MakeMmbenchTask();
std::unique_ptr<Task> MakeMmbenchCnTask();
std::unique_ptr<Task> MakeLlavaBenchTask();
std::unique_ptr<Task> MakeMmvetTask();

}  // namespace svit

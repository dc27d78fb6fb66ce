#include "tasks/registry.h"

#include <functional>
#include <utility>

#include "tasks/all_tasks.h"

namespace svit {
namespace {

using Factory = std::function<std::unique_ptr<Task>()>;

const std::vector<std::pair<std::string, Factory>>& Factories() {
  static const std::vector<std::pair<std::string, Factory>> kTaskFactories = {
      {"vqav2", MakeVqav2Task},
      {"textvqa", MakeTextVqaTask},
      {"vizwiz", MakeVizWizTask},
      {"okvqa", MakeOkVqaTask},
      {"gqa", MakeGqaTask},
      {"scienceqa", MakeScienceQaTask},
      {"seed", MakeSeedTask},
      {"coco-caption", MakeCocoCaptionTask},
      {"nocaps", MakeNocapsTask},
      {"flickr30k", MakeFlickr30kTask},
      {"mmbench", MakeMmbenchTask},
      {"mmbench_cn", MakeMmbenchCnTask},
      {"pope", MakePopeTask},
      {"mme", MakeMmeTask},
      {"llava-bench", MakeLlavaBenchTask},
      {"mm-vet", MakeMmvetTask},
  };
  return kTaskFactories;
}

}  // namespace

std::vector<std::string> TaskNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Factories()) names.push_back(name);
  return names;
}

Status CreateTask(const std::string& name, std::unique_ptr<Task>* out) {
  for (const auto& [task_name, factory] : Factories()) {
    if (task_name == name) {
      *out = factory();
      return Status::OK();
    }
  }
  std::string known;
  for (const auto& n : TaskNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::InvalidInput("unknown task '" + name + "'; known tasks: " + known);
}

}  // namespace svit

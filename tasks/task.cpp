#include "tasks/task.h"

namespace svit {

const char* TaskFamilyName(TaskFamily family) {
  switch (family) {
    case TaskFamily::kVqa: return "vqa";
    case TaskFamily::kCaption: return "caption";
    case TaskFamily::kReasoning: return "reasoning";
    case TaskFamily::kDialogue: return "dialogue";
  }
  return "unknown";
}

Status Task::Restrict(const std::unordered_set<std::string>& ids) {
  return Status::InvalidInput("task " + info().name + " cannot be limited to a subset of its samples yet");
}

const std::string& TaskConfig::Get(const std::string& name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

}  // namespace svit

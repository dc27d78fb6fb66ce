// LoadedTask: a task created and loaded in one call, for tests that look at
// samples() or score in-process.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "tasks/registry.h"

namespace svit::testing {

// Creates task `name` and loads it with `options` (the task's defaults filled
// in first); a failure is a test failure naming the message.
inline std::unique_ptr<Task> LoadedTask(const std::string& name, const std::map<std::string, std::string>& options) {
  std::unique_ptr<Task> task;
  Status status = CreateTask(name, &task);
  EXPECT_TRUE(status.ok()) << status.message();
  if (!task) return task;
  TaskConfig config;
  for (const auto& option : task->info().options) {
    if (!option.default_value.empty()) config.Set(option.name, option.default_value);
  }
  for (const auto& [key, value] : options) config.Set(key, value);
  status = task->Load(config);
  EXPECT_TRUE(status.ok()) << status.message();
  return task;
}

}  // namespace svit::testing

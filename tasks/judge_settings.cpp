#include "tasks/judge_settings.h"

#include <charconv>

namespace svit {

Status ParseJudgeMode(const std::string& value, bool* official) {
  if (value != "default" && value != "official") {
    return Status::InvalidInput("--mode must be 'default' or 'official', got '" + value + "'");
  }
  *official = value == "official";
  return Status::OK();
}

Status ParseDouble(const std::string& option, const std::string& value, double low, double high, double* out) {
  double parsed;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || !(parsed >= low && parsed <= high)) {
    return Status::InvalidInput("--" + option + " must be a number from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", got '" + value + "'");
  }
  *out = parsed;
  return Status::OK();
}

Status ParseInt(const std::string& option, const std::string& value, int low, int high, int* out) {
  int parsed;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || parsed < low || parsed > high) {
    return Status::InvalidInput("--" + option + " must be an integer from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", got '" + value + "'");
  }
  *out = parsed;
  return Status::OK();
}

}  // namespace svit

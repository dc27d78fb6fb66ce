// Helpers shared by the tests: test data paths, temporary folders, and
// running the svit-eval binary as a whole process.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace svit::testing {

// Path of a file under tests/data.
std::string DataPath(const std::string& relative);

// A fresh temporary folder, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `contents` to File(name) and returns its path.
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs svit-eval with `args` and captures its exit code and output.
CliResult RunCli(const std::vector<std::string>& args);

// Expects a bad-input failure: exit code 2, nothing on stdout, and a message
// on stderr containing each of `message_parts`.
void ExpectBadInput(const CliResult& result, const std::vector<std::string>& message_parts);

nlohmann::json ReadJsonFile(const std::string& path);
std::string ReadText(const std::string& path);

}  // namespace svit::testing

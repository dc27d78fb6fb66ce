#include "tests/test_util.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace svit::testing {

std::string DataPath(const std::string& relative) { return std::string(SVIT_TEST_DATA) + "/" + relative; }

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "svit-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& contents) const {
  std::string path = File(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void ExpectBadInput(const CliResult& result, const std::vector<std::string>& message_parts) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.out, "");
  for (const auto& part : message_parts) {
    EXPECT_NE(result.err.find(part), std::string::npos) << "missing '" << part << "' in: " << result.err;
  }
}

nlohmann::json ReadJsonFile(const std::string& path) { return nlohmann::json::parse(ReadText(path)); }

CliResult RunCli(const std::vector<std::string>& args) {
  TempDir dir;
  std::string command = std::string("'") + SVIT_EVAL_BINARY + "'";
  for (const auto& a : args) {
    std::string quoted = "'";
    for (char c : a) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  command += " >" + dir.File("out") + " 2>" + dir.File("err") + " </dev/null";
  int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadText(dir.File("out"));
  result.err = ReadText(dir.File("err"));
  return result;
}

}  // namespace svit::testing

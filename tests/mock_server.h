// Test helpers for the HTTP path: the mock OpenAI-compatible server
// (tests/mock/mock_openai_server.cpp) as a child process on a free port,
// svit-eval started as a child process (to signal or kill it mid-run), and
// a tiny image folder for the VQAv2 golden questions.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace svit::testing {

class MockServer {
 public:
  // Starts the server with `config` (see the server's header comment) and
  // waits until it listens.
  explicit MockServer(const nlohmann::json& config = nlohmann::json::object());
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT"
  std::string url() const;
  // GET /stats: {"total", "by_text", "last"}.
  nlohmann::json Stats() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Starts svit-eval with `args`, stdout and stderr to the given files.
pid_t SpawnCli(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file);
// Waits for `pid` and returns its exit code (128 + signal when killed).
int WaitExit(pid_t pid);

// Writes one small JPEG per image of the VQAv2 golden questions
// (COCO_val2014_<12-digit id>.jpg, each a distinct colour) into `folder`.
void WriteVqav2GoldenImages(const std::string& folder);
// Writes a width x height JPEG (or PNG when the name ends in .png).
void WriteTestImage(const std::string& path, int width, int height, unsigned char shade);

}  // namespace svit::testing

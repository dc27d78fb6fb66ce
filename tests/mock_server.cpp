#include "tests/mock_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stb_image_write.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/test_util.h"

extern char** environ;

namespace svit::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv[0]);
  return pid;
}

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

MockServer::MockServer(const nlohmann::json& config) {
  std::string pattern = (std::filesystem::temp_directory_path() / "svit-mock-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  std::ofstream(dir_ + "/config.json") << config.dump();
  std::string port_file = dir_ + "/port";
  pid_ = Spawn({SVIT_MOCK_SERVER_BINARY, "--config", dir_ + "/config.json", "--port-file", port_file},
               dir_ + "/out", dir_ + "/err");
  for (int i = 0; i < 500 && port_ == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (port_ == 0) throw std::runtime_error("mock server did not start: " + ReadText(dir_ + "/err"));
}

MockServer::~MockServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string MockServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

nlohmann::json MockServer::Stats() const {
  CURL* curl = curl_easy_init();
  std::string body;
  std::string address = url() + "/stats";
  curl_easy_setopt(curl, CURLOPT_URL, address.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) throw std::runtime_error("GET /stats failed");
  return nlohmann::json::parse(body);
}

pid_t SpawnCli(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file) {
  std::vector<std::string> argv = {SVIT_EVAL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return Spawn(argv, out_file, err_file);
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void WriteTestImage(const std::string& path, int width, int height, unsigned char shade) {
  std::vector<unsigned char> pixels(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < pixels.size(); i += 3) {
    pixels[i] = shade;
    pixels[i + 1] = static_cast<unsigned char>(255 - shade);
    pixels[i + 2] = static_cast<unsigned char>((i / 3) % 251);
  }
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  bool png = path.size() > 4 && path.substr(path.size() - 4) == ".png";
  int ok = png ? stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3)
               : stbi_write_jpg(path.c_str(), width, height, 3, pixels.data(), 90);
  if (!ok) throw std::runtime_error("cannot write " + path);
}

void WriteVqav2GoldenImages(const std::string& folder) {
  auto questions = ReadJsonFile(DataPath("golden/vqav2/questions.json"));
  for (const auto& q : questions["questions"]) {
    long long image_id = q["image_id"].get<long long>();
    char name[64];
    std::snprintf(name, sizeof name, "COCO_val2014_%012lld.jpg", image_id);
    std::string path = folder + "/" + name;
    if (!std::filesystem::exists(path)) WriteTestImage(path, 24, 16, static_cast<unsigned char>(image_id % 256));
  }
}

}  // namespace svit::testing

// http_load: drives svit-eval's HTTP path (Runner + OpenAiHttpAdapter: the
// code `svit-eval run` uses, minus task loading and scoring) against an
// endpoint as fast as it answers, and prints the request rate and the CPU
// time per request. bench/http_vs_wrk.sh runs it next to wrk against the
// nginx endpoint of shared/tools/http-ceiling.sh.
//
//   http_load --url http://127.0.0.1:18431/v1 --body 1k|200k --concurrency 64
//             [--seconds 5 | --requests N] [--threads N] [--distinct-images] [--cache FILE]
//             [--dump-body FILE]
//
// With --seconds the run is stopped like a Ctrl-C at the deadline (the
// runner stops sending and drains what is in flight); the rate counts the
// requests answered.
//
// Bodies mirror the ceiling script's: "1k" is a text-only chat request of
// about 900 bytes; "200k" adds one 150,000-byte JPEG-like image as a base64
// data URL (about 200 KB). Every request differs by a sequence number, so a
// cache run stores each one. With --distinct-images every request carries
// its own copy of the image (hashed and base64-encoded per request, like a
// dataset where no two questions share an image); otherwise requests share
// one image object, as questions on the same image do.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "adapters/openai_http.h"
#include "harness/interrupt.h"
#include "harness/runner.h"

namespace svit {
namespace {

constexpr char kQuestion[] =
    "Question: What is the color of the bicycle in the image, and what is it leaning against? "
    "Options: A. Blue, a fence  B. Red, a brick wall  C. Green, a tree  D. Black, a car. "
    "Answer with the option's letter from the given choices directly. ";

class BenchJobs : public JobSource {
 public:
  BenchJobs(size_t count, bool with_image, bool distinct_images)
      : count_(count), with_image_(with_image), distinct_(distinct_images) {
    std::string system;
    for (int i = 0; i < 8; ++i) system += "You are a helpful assistant. ";
    system_ = system;
    if (with_image) {
      std::mt19937 random(1234);
      image_bytes_ = "\xFF\xD8\xFF\xE0";
      while (image_bytes_.size() < 150'000) image_bytes_.push_back(static_cast<char>(random() & 0xFF));
      shared_ = std::make_shared<const ImageData>(image_bytes_, "image/jpeg");
    }
  }

  size_t size() const override { return count_; }

  Status Render(size_t index, Request* out) override {
    *out = Request();
    out->params.max_new_tokens = 64;
    out->params.seed = 1234;
    out->params.top_p = 1.0;
    out->messages.push_back({"system", {ContentPart{ContentPart::Kind::kText, system_, nullptr}}});
    ChatMessage user{"user", {}};
    std::string text = with_image_ ? kQuestion : std::string(kQuestion) + kQuestion;
    text += "#" + std::to_string(index);
    if (with_image_) {
      auto image = distinct_ ? std::make_shared<const ImageData>(image_bytes_, "image/jpeg") : shared_;
      user.parts.push_back(ContentPart{ContentPart::Kind::kImage, "", std::move(image)});
    }
    user.parts.push_back(ContentPart{ContentPart::Kind::kText, std::move(text), nullptr});
    out->messages.push_back(std::move(user));
    return Status::OK();
  }

 private:
  size_t count_;
  bool with_image_;
  bool distinct_;
  std::string system_;
  std::string image_bytes_;
  std::shared_ptr<const ImageData> shared_;
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int Main(int argc, char** argv) {
  std::string url = "http://127.0.0.1:18431/v1", body = "1k", cache_path, dump;
  size_t concurrency = 64, requests = 0;
  double duration = 5;
  bool distinct = false;
  size_t threads = 0;  // adapter lanes, as svit-eval run: one per hardware thread
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (flag == "--url") url = value();
    else if (flag == "--body") body = value();
    else if (flag == "--concurrency") concurrency = std::stoul(value());
    else if (flag == "--requests") requests = std::stoul(value());
    else if (flag == "--seconds") duration = std::stod(value());
    else if (flag == "--cache") cache_path = value();
    else if (flag == "--dump-body") dump = value();
    else if (flag == "--distinct-images") distinct = true;
    else if (flag == "--threads") threads = std::stoul(value());
    else {
      std::fprintf(stderr, "unknown flag %s (see the header of bench/http_load.cpp)\n", flag.c_str());
      return 2;
    }
  }
  if (body != "1k" && body != "200k") {
    std::fprintf(stderr, "--body must be 1k or 200k\n");
    return 2;
  }
  bool timed = requests == 0;
  // Timed runs get more jobs than the loopback ceiling can answer in time
  // (about 100k/s for 1 KB bodies, 25k/s for 200 KB ones on these machines).
  size_t per_second = body == "200k" ? 30'000 : 120'000;
  BenchJobs jobs(timed ? static_cast<size_t>(per_second * duration) : requests, body == "200k", distinct);
  OpenAiHttpOptions options;
  options.endpoint.profile = EndpointProfile::kOpenAiCompatible;
  options.endpoint.base_url = url;
  options.endpoint.model_id = "mock-vlm-7b";
  options.api_key = "sk-mock";
  options.http.max_idle_connections = concurrency;
  options.http.timeout_ms = 10'000;
  options.threads = threads;
  if (!dump.empty()) {
    Request request;
    jobs.Render(0, &request);
    std::string text;
    BuildChatBody(options.endpoint, request, &text);
    std::ofstream(dump, std::ios::binary) << text;
    std::printf("wrote %zu bytes to %s\n", text.size(), dump.c_str());
    return 0;
  }
  std::unique_ptr<Adapter> adapter;
  Status status = OpenAiHttpAdapter::Create(options, &adapter);
  std::unique_ptr<ResponseCache> cache;
  if (status.ok() && !cache_path.empty()) status = ResponseCache::Open(cache_path, &cache);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return status.exit_code();
  }
  RunnerOptions runner_options;
  runner_options.concurrency = concurrency;
  runner_options.show_progress = false;
  runner_options.retry.max_attempts = 1;
  Runner runner(adapter.get(), cache.get(), runner_options);
  std::vector<JobOutcome> outcomes;
  if (timed) {
    InstallInterruptHandlers();
    std::thread([duration] {
      std::this_thread::sleep_for(std::chrono::duration<double>(duration));
      kill(getpid(), SIGINT);
    }).detach();
  }
  double cpu_before = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  status = runner.Run(&jobs, &outcomes);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = CpuSeconds() - cpu_before;
  size_t failed = runner.stats().failed;
  size_t answered = runner.stats().answered + runner.stats().cached;
  std::string first_error;
  for (const auto& o : outcomes) {
    if (o.done && !o.response.ok()) {
      first_error = o.response.error.message;
      break;
    }
  }
  std::vector<double> latencies;
  for (const auto& o : outcomes) {
    if (o.done && o.response.ok() && o.attempts > 0) latencies.push_back(o.latency_seconds * 1e3);
  }
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double q) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(q * static_cast<double>(latencies.size() - 1))];
  };
  std::printf("requests %zu seconds %.3f rps %.0f cpu_us_per_request %.1f failed %zu p50_ms %.3f p99_ms %.3f%s%s\n",
              answered, seconds, static_cast<double>(answered) / seconds, 1e6 * cpu / static_cast<double>(answered),
              failed, percentile(0.5), percentile(0.99), first_error.empty() ? "" : " first_error ",
              first_error.c_str());
  return (status.ok() || timed) && failed == 0 ? 0 : 3;
}

}  // namespace
}  // namespace svit

int main(int argc, char** argv) { return svit::Main(argc, argv); }

// local_engine_throughput: samples/s of the local engine on the demo suite,
// unbatched (max_batch_size 1) and batched, and the engine's overhead against
// a bare loop of TorchScript calls making the same calls on inputs prepared
// beforehand (adapters/torch/bare_loop.h).
//
//   local_engine_throughput demo/models/svit demo/data [--batch 16] [--threads 1] [--repeats 5]
//
// Two workloads: the VQAv2-format questions (short answers, at most 8 new
// tokens) and the LLaVA-Bench-format detailed descriptions (long answers).
// Each figure is the fastest of --repeats runs: on a shared machine other
// processes only ever add time, so the minimum is the least noisy estimate.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/torch/bare_loop.h"
#include "adapters/torch/image.h"
#include "adapters/torch/local_engine.h"
#include "adapters/torch/tokenizer.h"

namespace {

using namespace svit::local;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<GenerateRequest> VqaWorkload(const std::string& demo) {
  const auto questions = nlohmann::json::parse(Read(demo + "/vqav2/v2_OpenEnded_mscoco_val2014_questions.json"));
  std::vector<GenerateRequest> out;
  for (const auto& q : questions["questions"]) {
    char file[64];
    std::snprintf(file, sizeof file, "COCO_val2014_%012lld.jpg", q["image_id"].get<long long>());
    out.push_back({Read(demo + "/coco/val2014/" + file),
                   q["question"].get<std::string>() + "\nAnswer the question using a single word or phrase.", 8});
  }
  return out;
}

std::vector<GenerateRequest> DetailWorkload(const std::string& demo) {
  std::vector<GenerateRequest> out;
  std::istringstream lines(Read(demo + "/llava_bench/questions.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto q = nlohmann::json::parse(line);
    if (q["category"] != "detail") continue;
    out.push_back({Read(demo + "/llava_bench/images/" + q["image"].get<std::string>()), q["text"], 0});
  }
  return out;
}

double Fastest(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }

struct Figures {
  double unbatched_seconds, batched_seconds, bare_seconds, prepare_seconds;
  int64_t batches;
};

bool Measure(const std::string& model_dir, const std::vector<GenerateRequest>& requests, int batch, int threads,
             int repeats, Figures* out) {
  EngineOptions one{threads, 1, 2};
  EngineOptions many{threads, batch, 2};
  std::unique_ptr<LocalEngine> unbatched, batched;
  svit::Status status = LocalEngine::Load(model_dir, one, &unbatched);
  if (status.ok()) status = LocalEngine::Load(model_dir, many, &batched);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return false;
  }
  const ModelManifest& manifest = batched->manifest();
  // The bare loop's inputs, prepared outside its timing, in the engine's batches.
  std::unique_ptr<Tokenizer> tokenizer;
  status = manifest.tokenizer_kind == TokenizerKind::kWordLevel
               ? LoadWordLevelTokenizer(manifest.tokenizer_file, manifest.unk_token, &tokenizer)
               : LoadSentencePieceTokenizer(manifest.tokenizer_file, &tokenizer);
  if (!status.ok()) return false;
  std::vector<std::vector<BareInput>> bare_batches;
  const auto prepare_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i % batch == 0) bare_batches.emplace_back();
    BareInput input;
    Image image;
    if (!DecodeImage(requests[i].image, &image).ok()) return false;
    input.pixels.resize(3 * manifest.image.size * manifest.image.size);
    PreprocessImage(image, manifest.image, input.pixels.data());
    if (manifest.bos_id >= 0) input.prompt_ids.push_back(manifest.bos_id);
    for (int64_t id : tokenizer->Encode(RenderPrompt(manifest, requests[i].prompt))) input.prompt_ids.push_back(id);
    input.max_new_tokens = requests[i].max_new_tokens > 0 ? requests[i].max_new_tokens : manifest.max_new_tokens;
    input.max_new_tokens =
        std::min(input.max_new_tokens, manifest.max_total_tokens - static_cast<int>(input.prompt_ids.size()));
    bare_batches.back().push_back(std::move(input));
  }
  const double prepare_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - prepare_start).count();
  std::unique_ptr<BareLoop> bare_loop;
  if (!BareLoop::Load(manifest, threads, &bare_loop).ok()) return false;
  std::vector<double> u, b, bare;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    std::vector<GenerateResult> slow = unbatched->Generate(requests);
    u.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    const int64_t batches_before = batched->stats().batches;
    start = std::chrono::steady_clock::now();
    std::vector<GenerateResult> fast = batched->Generate(requests);
    b.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    out->batches = batched->stats().batches - batches_before;
    double seconds;
    std::vector<int> generated;
    if (!bare_loop->Run(bare_batches, &seconds, &generated).ok()) return false;
    bare.push_back(seconds);
    for (size_t i = 0; i < requests.size(); ++i) {
      if (slow[i].text != fast[i].text || fast[i].completion_tokens != generated[i]) {
        std::fprintf(stderr, "request %zu: runs disagree ('%s' vs '%s', %d vs %d tokens)\n", i, slow[i].text.c_str(),
                     fast[i].text.c_str(), fast[i].completion_tokens, generated[i]);
        return false;
      }
    }
  }
  *out = Figures{Fastest(u), Fastest(b), Fastest(bare), prepare_seconds, out->batches};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: local_engine_throughput MODEL_DIR DEMO_DATA [--batch N] [--threads N] [--repeats N]\n");
    return 2;
  }
  const std::string model_dir = argv[1], demo = argv[2];
  int batch = 16, threads = 1, repeats = 5;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
  }
  std::printf("model %s, batch %d, threads %d, fastest of %d\n\n", model_dir.c_str(), batch, threads, repeats);
  std::printf("| workload | samples | unbatched samples/s | batched samples/s | speed-up | batches | bare loop s | engine s | overhead | decode+preprocess+tokenize s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  const std::pair<const char*, std::vector<GenerateRequest>> workloads[] = {
      {"VQAv2 short answers", VqaWorkload(demo)}, {"LLaVA-Bench detail", DetailWorkload(demo)}};
  for (const auto& [name, requests] : workloads) {
    Figures f;
    if (!Measure(model_dir, requests, batch, threads, repeats, &f)) return 3;
    const double n = static_cast<double>(requests.size());
    std::printf("| %s | %zu | %.1f | %.1f | %.2fx | %lld | %.3f | %.3f | %+.1f%% | %.3f |\n", name, requests.size(),
                n / f.unbatched_seconds, n / f.batched_seconds, f.unbatched_seconds / f.batched_seconds,
                static_cast<long long>(f.batches), f.bare_seconds, f.batched_seconds,
                100.0 * (f.batched_seconds / f.bare_seconds - 1.0), f.prepare_seconds);
  }
  return 0;
}

// LocalEngine: runs a local vision-language model folder (TorchScript
// model.pt + manifest.json, see docs/local-engine.md) on the CPU with
// LibTorch. This header does not include LibTorch, so code that only calls
// the engine compiles quickly; only local_engine.cpp does.
//
// Two operations, as the runner's Requests have them:
//   generate: greedy decoding, up to a bound on new tokens, ending early at
//             the manifest's stop tokens;
//   rank:     the log-likelihood of each given continuation after the prompt
//             (multiple choice by likelihood, as lm-evaluation-harness's
//             loglikelihood requests), with whether it is the greedy one.
//
// Requests are batched dynamically: Submit* may be called from any number of
// threads; one worker collects what is queued (up to max_batch_size, until no
// new request has arrived for batch_wait_ms) and runs it as one batch.
// Rows are left-padded and the model derives positions from the attention
// mask, so a request's answer does not depend on what it is batched with.
//
// Errors: Load reports an unusable model folder (missing or malformed
// manifest, unknown tokenizer, a module without the contract's methods or
// with wrongly shaped outputs) as InvalidInput. A bad request (image that is
// not JPEG/PNG, prompt too long) fails only that request: its result carries
// the Status and every other request is answered.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "adapters/torch/manifest.h"
#include "core/status.h"

namespace svit::local {

struct EngineOptions {
  int threads = 0;          // LibTorch intra-op threads; 0 keeps LibTorch's default
  int max_batch_size = 16;  // requests per forward pass; 1 disables batching
  int batch_wait_ms = 2;    // a partly filled batch runs once no request came for this long
};

struct GenerateRequest {
  std::string image;        // encoded JPEG or PNG; empty: no image (a blank one is shown)
  std::string prompt;       // the manifest's image placeholder, if present, is removed
  int max_new_tokens = 0;   // 0: the manifest's max_new_tokens
};

struct GenerateResult {
  Status status;            // not OK: this request failed, the fields below are empty
  std::string text;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  bool stopped = false;     // a stop token ended the text (false: the length bound did)
};

struct RankRequest {
  std::string image;
  std::string prompt;
  std::vector<std::string> continuations;  // scored as text following the prompt
};

struct RankResult {
  Status status;
  std::vector<double> log_likelihoods;  // sum of log-probabilities of each continuation's tokens
  std::vector<bool> greedy;             // whether greedy decoding would produce exactly those tokens
};

struct EngineStats {
  int64_t batches = 0;
  int64_t requests = 0;
  int64_t forward_calls = 0;   // calls of the module's forward and encode_images
  double forward_seconds = 0;  // wall time inside those calls
};

class LocalEngine {
 public:
  // Loads `model_dir` and checks the module against the contract with a probe
  // forward pass.
  static Status Load(const std::string& model_dir, const EngineOptions& options, std::unique_ptr<LocalEngine>* out);
  ~LocalEngine();
  LocalEngine(const LocalEngine&) = delete;
  LocalEngine& operator=(const LocalEngine&) = delete;

  // Thread-safe. The future is ready at once for a request that cannot be
  // prepared (bad image, prompt too long).
  std::future<GenerateResult> SubmitGenerate(GenerateRequest request);
  std::future<RankResult> SubmitRank(RankRequest request);

  // Submits every request and waits; results are in request order.
  std::vector<GenerateResult> Generate(std::vector<GenerateRequest> requests);
  std::vector<RankResult> Rank(std::vector<RankRequest> requests);

  const ModelManifest& manifest() const;
  EngineStats stats() const;

 private:
  class Impl;
  explicit LocalEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace svit::local

// For benchmarks only: batched greedy decoding as a bare loop of TorchScript
// calls on inputs prepared beforehand. It makes the same calls the engine
// makes for the same batches (encode_images once, then forward per new
// token, dropping finished rows), with none of the engine's work around them
// (queueing, image decoding, preprocessing, tokenization, checks), so that
// engine time / bare time - 1 is the engine's overhead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/torch/manifest.h"
#include "core/status.h"

namespace svit::local {

struct BareInput {
  std::vector<float> pixels;        // 3 * size * size, as PreprocessImage writes them
  std::vector<int64_t> prompt_ids;  // bos + the rendered prompt's tokens
  int max_new_tokens = 0;
};

// The module is loaded once and kept, as the engine keeps its own: the
// TorchScript executor specialises a module as it runs, and a fresh module
// would be compared with a well-run one.
class BareLoop {
 public:
  // Loads manifest.model_file; `threads` intra-op threads (0: default).
  static Status Load(const ModelManifest& manifest, int threads, std::unique_ptr<BareLoop>* out);
  ~BareLoop();

  // Runs `batches` in order; `seconds` is the wall time of the loop alone,
  // `generated` the generated token counts (one per input, in order).
  Status Run(const std::vector<std::vector<BareInput>>& batches, double* seconds, std::vector<int>* generated);

 private:
  struct Impl;
  explicit BareLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace svit::local

// For benchmarks only: batched greedy decoding as a bare loop of TorchScript
// calls on inputs prepared beforehand. It makes the same calls the engine
// makes for the same batches (encode_images once, then forward per new
// token, dropping finished rows), with none of the engine's work around them
// (queueing, image decoding, preprocessing, tokenization, checks), so that
// engine time / bare time - 1 is the engine's overhead.
#pragma once

#include <cstdint>
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

// Runs `batches` in order with `threads` intra-op threads (0: default) and
// returns the wall time of the loop alone in `seconds` and the generated
// token counts in `generated` (one per input, in order).
Status BareGreedyLoop(const ModelManifest& manifest, const std::vector<std::vector<BareInput>>& batches, int threads,
                      double* seconds, std::vector<int>* generated);

}  // namespace svit::local

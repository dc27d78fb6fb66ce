// The manifest of a local model folder (manifest.json beside model.pt): what
// the engine needs to feed the TorchScript module and read its outputs. The
// full contract, with an export example, is docs/local-engine.md.
//
// LoadManifest validates every field and reports the first problem as
// InvalidInput naming the file and the field, so a user exporting their own
// model learns exactly what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/torch/image.h"
#include "core/status.h"

namespace svit::local {

enum class TokenizerKind { kWordLevel, kSentencePiece };

struct ModelManifest {
  std::string name;
  std::string model_file;      // absolute path after loading
  ImageSpec image;
  TokenizerKind tokenizer_kind = TokenizerKind::kWordLevel;
  std::string tokenizer_file;  // absolute path after loading
  std::string unk_token;       // word-level only
  int64_t pad_id = 0;
  int64_t bos_id = -1;         // -1: no begin-of-sequence token is prepended
  std::vector<int64_t> stop_ids;
  int64_t vocab_size = 0;      // the logits' last dimension
  std::string prompt_template; // contains "{prompt}" once
  std::string image_placeholder;  // removed from prompts ("<image>"), may be empty
  int max_prompt_tokens = 0;
  int max_new_tokens = 0;
  int max_total_tokens = 0;    // prompt + generated, the model's position limit
};

// The text the model reads for `prompt`: the image placeholder (and a newline
// right after it) removed, then put into the prompt template.
std::string RenderPrompt(const ModelManifest& manifest, std::string prompt);

// Reads `model_dir`/manifest.json. Files named in it are resolved relative to
// `model_dir` and must exist.
Status LoadManifest(const std::string& model_dir, ModelManifest* out);

}  // namespace svit::local

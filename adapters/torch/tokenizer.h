// Tokenizers of the local engine: a word-level vocabulary (a JSON object
// mapping each token to its id, as HuggingFace's vocab.json files do) and
// SentencePiece models (LLaMA/Vicuna tokenizers). Both turn text into ids and
// ids back into text; special tokens (bos, eos, pad) are the engine's
// business, not the tokenizer's.
//
// Word-level pre-tokenization: a token is a run of characters that are
// neither ASCII whitespace nor one of . , ? ! : ; ( ) , or one of those
// punctuation marks alone. Unknown tokens map to the unk token. Decoding joins
// tokens with single spaces, except that . , ? ! : ; ) attach to the token
// before them and ( to the token after it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace svit::local {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int64_t> Encode(std::string_view text) const = 0;
  virtual std::string Decode(const std::vector<int64_t>& ids) const = 0;
  // One more than the largest id the tokenizer can produce.
  virtual int64_t vocab_size() const = 0;
};

// Loads `path` as a word-level JSON vocabulary ({"token": id, ...}); ids must
// be distinct and `unk_token` present.
Status LoadWordLevelTokenizer(const std::string& path, const std::string& unk_token,
                              std::unique_ptr<Tokenizer>* out);

// Loads a SentencePiece model file (.model).
Status LoadSentencePieceTokenizer(const std::string& path, std::unique_ptr<Tokenizer>* out);

// The word-level pre-tokenizer on its own (tests, and users who build vocabularies).
std::vector<std::string_view> SplitWords(std::string_view text);

}  // namespace svit::local

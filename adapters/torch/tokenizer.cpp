#include "adapters/torch/tokenizer.h"

#include <dlfcn.h>

#include <mutex>
#include <unordered_map>

#include "core/json_file.h"

namespace svit::local {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsPunctuation(char c) {
  return c == '.' || c == ',' || c == '?' || c == '!' || c == ':' || c == ';' || c == '(' || c == ')';
}

class WordLevelTokenizer : public Tokenizer {
 public:
  WordLevelTokenizer(std::unordered_map<std::string, int64_t> ids, std::vector<std::string> tokens, int64_t unk)
      : ids_(std::move(ids)), tokens_(std::move(tokens)), unk_(unk) {}

  std::vector<int64_t> Encode(std::string_view text) const override {
    std::vector<int64_t> out;
    for (std::string_view word : SplitWords(text)) {
      auto it = ids_.find(std::string(word));
      out.push_back(it == ids_.end() ? unk_ : it->second);
    }
    return out;
  }

  std::string Decode(const std::vector<int64_t>& ids) const override {
    std::string out;
    bool glue_next = true;  // no space before the first token, nor after "("
    for (int64_t id : ids) {
      const std::string& token =
          (id >= 0 && id < static_cast<int64_t>(tokens_.size())) ? tokens_[id] : tokens_[unk_];
      const bool closing = token.size() == 1 && IsPunctuation(token[0]) && token[0] != '(';
      if (!glue_next && !closing) out += ' ';
      out += token;
      glue_next = token == "(";
    }
    return out;
  }

  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }

 private:
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> tokens_;  // by id
  int64_t unk_;
};

// The functions of sentencepiece_shim.cpp, resolved once from the module
// (see there for why sentencepiece is not linked directly).
struct SentencePieceApi {
  void* (*load)(const char* path, std::string* error) = nullptr;
  void (*free)(void* handle) = nullptr;
  int (*piece_size)(const void* handle) = nullptr;
  void (*encode)(const void* handle, const char* text, size_t size, std::vector<int>* ids) = nullptr;
  void (*decode)(const void* handle, const int* ids, size_t count, std::string* text) = nullptr;
};

Status LoadSentencePieceApi(const SentencePieceApi** out) {
  static SentencePieceApi api;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    void* module = dlopen(SVIT_SENTENCEPIECE_SHIM, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (module == nullptr) {
      error = std::string("cannot load the SentencePiece module: ") + dlerror();
      return;
    }
    api.load = reinterpret_cast<decltype(api.load)>(dlsym(module, "svit_spm_load"));
    api.free = reinterpret_cast<decltype(api.free)>(dlsym(module, "svit_spm_free"));
    api.piece_size = reinterpret_cast<decltype(api.piece_size)>(dlsym(module, "svit_spm_piece_size"));
    api.encode = reinterpret_cast<decltype(api.encode)>(dlsym(module, "svit_spm_encode"));
    api.decode = reinterpret_cast<decltype(api.decode)>(dlsym(module, "svit_spm_decode"));
    if (!api.load || !api.free || !api.piece_size || !api.encode || !api.decode) {
      error = std::string("the SentencePiece module ") + SVIT_SENTENCEPIECE_SHIM + " lacks its entry points";
    }
  });
  if (!error.empty()) return Status::InvalidInput(error);
  *out = &api;
  return Status::OK();
}

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(const SentencePieceApi* api, void* handle) : api_(api), handle_(handle) {}
  ~SentencePieceTokenizer() override { api_->free(handle_); }

  std::vector<int64_t> Encode(std::string_view text) const override {
    std::vector<int> ids;
    api_->encode(handle_, text.data(), text.size(), &ids);
    return std::vector<int64_t>(ids.begin(), ids.end());
  }

  std::string Decode(const std::vector<int64_t>& ids) const override {
    std::vector<int> narrow;
    for (int64_t id : ids) {
      if (id >= 0 && id < vocab_size()) narrow.push_back(static_cast<int>(id));
    }
    std::string text;
    api_->decode(handle_, narrow.data(), narrow.size(), &text);
    return text;
  }

  int64_t vocab_size() const override { return api_->piece_size(handle_); }

 private:
  const SentencePieceApi* api_;
  void* handle_;
};

}  // namespace

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
    } else if (IsPunctuation(text[i])) {
      words.push_back(text.substr(i, 1));
      ++i;
    } else {
      const size_t start = i;
      while (i < text.size() && !IsSpace(text[i]) && !IsPunctuation(text[i])) ++i;
      words.push_back(text.substr(start, i - start));
    }
  }
  return words;
}

Status LoadWordLevelTokenizer(const std::string& path, const std::string& unk_token,
                              std::unique_ptr<Tokenizer>* out) {
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  JsonObject vocab;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &vocab));
  std::unordered_map<std::string, int64_t> ids;
  std::vector<std::string> tokens(vocab.size());
  for (auto field : vocab) {
    int64_t id;
    if (field.value.get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
        id >= static_cast<int64_t>(tokens.size())) {
      return Status::InvalidInput(path + ": token '" + std::string(field.key) +
                                  "' needs an integer id in [0, " + std::to_string(tokens.size()) + ")");
    }
    if (!tokens[id].empty()) {
      return Status::InvalidInput(path + ": id " + std::to_string(id) + " is used by '" + tokens[id] + "' and '" +
                                  std::string(field.key) + "'");
    }
    tokens[id] = std::string(field.key);
    ids[tokens[id]] = id;
  }
  auto unk = ids.find(unk_token);
  if (unk == ids.end()) return Status::InvalidInput(path + ": unk_token '" + unk_token + "' is not in the vocabulary");
  *out = std::make_unique<WordLevelTokenizer>(std::move(ids), std::move(tokens), unk->second);
  return Status::OK();
}

Status LoadSentencePieceTokenizer(const std::string& path, std::unique_ptr<Tokenizer>* out) {
  const SentencePieceApi* api;
  SVIT_RETURN_IF_ERROR(LoadSentencePieceApi(&api));
  std::string error;
  void* handle = api->load(path.c_str(), &error);
  if (handle == nullptr) return Status::InvalidInput(path + ": not a SentencePiece model: " + error);
  *out = std::make_unique<SentencePieceTokenizer>(api, handle);
  return Status::OK();
}

}  // namespace svit::local

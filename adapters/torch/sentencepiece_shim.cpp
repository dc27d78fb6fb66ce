// A small shared module around Debian's libsentencepiece, loaded at run time
// with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by tokenizer.cpp. Why: Debian's
// libsentencepiece exports its own bundled protobuf-lite 3.14, while
// LibTorch loads the system libprotobuf 3.21; linked into one program the
// two copies interpose each other and the process crashes at start-up (or
// aborts on the version check). Loaded this way, sentencepiece binds to its
// own copy and the rest of the program never sees it.
//
// C entry points with C++ argument types: both sides share one libstdc++.
#include <sentencepiece_processor.h>

#include <string>
#include <vector>

extern "C" {

__attribute__((visibility("default"))) void* svit_spm_load(const char* path, std::string* error) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->Load(path);
  if (!status.ok()) {
    *error = status.ToString();
    delete processor;
    return nullptr;
  }
  return processor;
}

__attribute__((visibility("default"))) void svit_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

__attribute__((visibility("default"))) int svit_spm_piece_size(const void* handle) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

__attribute__((visibility("default"))) void svit_spm_encode(const void* handle, const char* text, size_t size,
                                                            std::vector<int>* ids) {
  static_cast<const sentencepiece::SentencePieceProcessor*>(handle)
      ->Encode(std::string_view(text, size), ids)
      .IgnoreError();  // fails only when no model is loaded
}

__attribute__((visibility("default"))) void svit_spm_decode(const void* handle, const int* ids, size_t count,
                                                            std::string* text) {
  static_cast<const sentencepiece::SentencePieceProcessor*>(handle)
      ->Decode(std::vector<int>(ids, ids + count), text)
      .IgnoreError();
}

}  // extern "C"

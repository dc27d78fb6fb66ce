#include "tasks/json_records.h"

#include <cstdio>

namespace svit {

uint64_t GuessSplitOffset(const std::string& path, uint64_t file_size, std::string_view marker_key) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return 0;
  uint64_t from = file_size / 2;
  std::string window(1 << 20, '\0');
  std::fseek(file, static_cast<long>(from), SEEK_SET);
  window.resize(std::fread(window.data(), 1, window.size(), file));
  std::fclose(file);
  for (size_t i = 1; i < window.size(); ++i) {
    if (window[i] != '{') continue;
    size_t j = i;
    while (j > 0 && (window[j - 1] == ' ' || window[j - 1] == '\n' || window[j - 1] == '\t' || window[j - 1] == '\r')) --j;
    if (j == 0 || window[j - 1] != ',') continue;
    JsonStream probe;
    if (!probe.OpenInside(path, from + i, "{[", 1 << 16).ok()) return 0;
    JsonStream::Token token;
    if (!probe.Next(&token).ok() || token != JsonStream::Token::kBeginObject) continue;
    bool has_marker = false, ok = true;
    for (;;) {
      std::string_view key;
      bool done;
      if (!probe.NextKey(&key, &done).ok()) { ok = false; break; }
      if (done) break;
      if (key == marker_key) has_marker = true;
      if (!probe.SkipNextValue().ok()) { ok = false; break; }
    }
    if (ok && has_marker && probe.depth() == 2) return from + i;
  }
  return 0;
}

}  // namespace svit

#include "core/base64.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace svit {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Every 12-bit group maps to two output characters: halves the lookups of
// the byte-at-a-time loop (image bodies are hundreds of KB).
struct PairTable {
  std::array<uint16_t, 4096> pairs;
  PairTable() {
    for (int i = 0; i < 4096; ++i) {
      char two[2] = {kAlphabet[i >> 6], kAlphabet[i & 63]};
      std::memcpy(&pairs[i], two, 2);
    }
  }
};

const PairTable& Pairs() {
  static const PairTable table;
  return table;
}

}  // namespace

size_t Base64EncodedSize(size_t raw_size) { return (raw_size + 2) / 3 * 4; }

void AppendBase64(std::string_view raw, std::string* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size();
  size_t start = out->size();
  out->resize(start + Base64EncodedSize(n));
  char* dst = out->data() + start;
  const auto& pairs = Pairs().pairs;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    std::memcpy(dst, &pairs[v >> 12], 2);
    std::memcpy(dst + 2, &pairs[v & 0xFFF], 2);
    dst += 4;
  }
  if (i < n) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (i + 1 < n) v |= uint32_t{in[i + 1]} << 8;
    dst[0] = kAlphabet[(v >> 18) & 63];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    dst[3] = '=';
  }
}

std::string EncodeBase64(std::string_view raw) {
  std::string out;
  AppendBase64(raw, &out);
  return out;
}

bool DecodeBase64(std::string_view text, std::string* out) {
  static const std::array<int8_t, 256> kValue = [] {
    std::array<int8_t, 256> table;
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return table;
  }();
  out->clear();
  if (text.size() % 4 != 0) return false;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    size_t data_chars = i + 4 == text.size() ? 4 - padding : 4;
    uint32_t value = 0;
    for (size_t k = 0; k < 4; ++k) {
      int digit = 0;
      if (k < data_chars) {
        digit = kValue[static_cast<unsigned char>(text[i + k])];
        if (digit < 0) return false;
      }
      value = (value << 6) | static_cast<uint32_t>(digit);
    }
    out->push_back(static_cast<char>(value >> 16));
    if (data_chars > 2) out->push_back(static_cast<char>((value >> 8) & 0xFF));
    if (data_chars > 3) out->push_back(static_cast<char>(value & 0xFF));
  }
  return true;
}

}  // namespace svit

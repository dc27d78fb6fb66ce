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

std::string Base64Encode(std::string_view raw) {
  std::string out;
  AppendBase64(raw, &out);
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  static const std::array<int8_t, 256> kValue = [] {
    std::array<int8_t, 256> table;
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return table;
  }();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out->clear();
  out->reserve(text.size() / 4 * 3 + 2);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = kValue[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace svit

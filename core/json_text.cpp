#include "core/json_text.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace svit {

namespace {

// Index of the first byte of text[from, ...) that JSON must escape (a quote,
// a backslash or a control character), or text.size(). Sixteen bytes at a
// time with SSE2 (every x86-64 has it), else eight at a time in a word: each
// mask flags the first such byte exactly, so the lowest flag of their union
// is the first one.
size_t FindEscape(std::string_view text, size_t from) {
  size_t i = from;
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1F);
  for (; i + 16 <= text.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                _mm_cmpeq_epi8(_mm_min_epu8(v, control), v));  // v <= 0x1F, unsigned
    if (int mask = _mm_movemask_epi8(hits)) return i + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
  }
#endif
  static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
    uint64_t flags = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                      ((v - kOnes * 0x20) & ~v)) & kHigh;
    if (flags) return i + std::countr_zero(flags) / 8;
  }
  for (; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return i;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = FindEscape(text, 0); i < text.size(); i = FindEscape(text, run)) {
    out->append(text.data() + run, i - run);
    run = i + 1;
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    *out += "null";
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, end - buffer);
  *out += text;
  // Keep integral values recognisably floating point, as Python prints them.
  if (text.find_first_of(".eE") == std::string_view::npos) *out += ".0";
}

}  // namespace svit

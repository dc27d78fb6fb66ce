#include "core/base64.h"

#include <array>

namespace svit {
namespace {

constexpr std::array<signed char, 256> MakeTable() {
  std::array<signed char, 256> table{};
  for (auto& v : table) v = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return table;
}

constexpr auto kTable = MakeTable();

}  // namespace

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t data_chars = last ? 4 - padding : 4;
    unsigned value = 0;
    for (size_t k = 0; k < 4; ++k) {
      int digit = 0;
      if (k < data_chars) {
        digit = kTable[static_cast<unsigned char>(text[i + k])];
        if (digit < 0) return false;
      }
      value = (value << 6) | static_cast<unsigned>(digit);
    }
    out->push_back(static_cast<char>(value >> 16));
    if (data_chars > 2) out->push_back(static_cast<char>((value >> 8) & 0xFF));
    if (data_chars > 3) out->push_back(static_cast<char>(value & 0xFF));
  }
  return true;
}

}  // namespace svit

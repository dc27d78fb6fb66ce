#include "metrics/python_number.h"

#include <cerrno>
#include <cstdio>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "metrics/python_text.h"

namespace svit::py {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoringCase(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower_word[i]) return false;
  }
  return true;
}

// CPython first maps non-ASCII whitespace to ' ' and non-ASCII decimal digits
// to their ASCII digit; any other non-ASCII character makes float() fail.
bool TransformToAscii(std::string_view text, std::string* out) {
  out->clear();
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = NextCodePoint(text, &pos);
    if (cp < 127) {
      out->push_back(static_cast<char>(cp));
    } else if (IsSpace(cp)) {
      out->push_back(' ');
    } else if (int digit = DecimalDigitValue(cp); digit >= 0) {
      out->push_back(static_cast<char>('0' + digit));
    } else {
      return false;
    }
  }
  return true;
}

// Underscores are allowed only between two digits; they are then dropped.
bool RemoveUnderscores(std::string* text) {
  if (text->find('_') == std::string::npos) return true;
  std::string kept;
  char prev = '\0';
  for (char c : *text) {
    if (c == '_') {
      if (!IsAsciiDigit(prev)) return false;
    } else {
      if (prev == '_' && !IsAsciiDigit(c)) return false;
      kept.push_back(c);
    }
    prev = c;
  }
  if (prev == '_') return false;
  *text = std::move(kept);
  return true;
}

// digits [. digits] [(e|E) [sign] digits], at least one mantissa digit.
bool IsDecimalLiteral(std::string_view s) {
  size_t i = 0, mantissa_digits = 0;
  while (i < s.size() && IsAsciiDigit(s[i])) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

bool ParseFloat(std::string_view text, double* out) {
  std::string ascii;
  if (!TransformToAscii(text, &ascii)) return false;
  if (!RemoveUnderscores(&ascii)) return false;
  std::string_view s = ascii;
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  double value;
  if (EqualsIgnoringCase(s, "inf") || EqualsIgnoringCase(s, "infinity")) {
    value = std::numeric_limits<double>::infinity();
  } else if (EqualsIgnoringCase(s, "nan")) {
    value = std::numeric_limits<double>::quiet_NaN();
  } else if (IsDecimalLiteral(s)) {
    // strtod in the "C" locale rounds correctly and, like Python, returns
    // +-HUGE_VAL on overflow and the (sub)normal or zero on underflow.
    std::string literal(s);
    errno = 0;
    value = std::strtod(literal.c_str(), nullptr);
  } else {
    return false;
  }
  *out = negative ? -value : value;
  return true;
}

}  // namespace svit::py

namespace svit::numpy {
namespace {

constexpr size_t kPairwiseBlock = 128;

double PairwiseSum(const double* a, size_t n) {
  if (n < 8) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= kPairwiseBlock) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  size_t half = n / 2;
  half -= half % 8;
  return PairwiseSum(a, half) + PairwiseSum(a + half, n - half);
}

}  // namespace

double Round(double x, int decimals) {
  double scale = std::pow(10.0, decimals);  // exact for the small decimals used
  return std::nearbyint(x * scale) / scale;
}

double Sum(const std::vector<double>& values) { return PairwiseSum(values.data(), values.size()); }

double Mean(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return Sum(values) / static_cast<double>(values.size());
}

double Std(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  double mean = Mean(values);
  std::vector<double> squares;
  squares.reserve(values.size());
  for (double v : values) squares.push_back((v - mean) * (v - mean));
  return std::sqrt(Sum(squares) / static_cast<double>(values.size()));
}

}  // namespace svit::numpy

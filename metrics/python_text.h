// String operations with the exact semantics of the Python 3 built-ins the
// official scorers call (str.strip/split/lower, re's \d, round). Text is
// UTF-8; operations work on code points as Python does. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace svit::py {

// Decodes the code point at `*pos` and advances `*pos`. Invalid bytes decode
// as U+FFFD one byte at a time.
char32_t NextCodePoint(std::string_view text, size_t* pos);
void AppendUtf8(char32_t cp, std::string* out);
bool IsValidUtf8(std::string_view text);

// str.isspace(): the characters str.split() and str.strip() treat as blanks.
bool IsSpace(char32_t cp);
// re's \d in Python 3: any Unicode decimal digit (category Nd).
bool IsDecimalDigit(char32_t cp);
// The value 0..9 of a Unicode decimal digit (unicodedata.decimal), or -1.
int DecimalDigitValue(char32_t cp);

std::string_view Strip(std::string_view text);                 // str.strip()
std::vector<std::string_view> Split(std::string_view text);    // str.split()
std::string Lower(std::string_view text);                      // str.lower()

// round(x, ndigits) of Python 3: the double nearest to x rounded half-even at
// the exact decimal value of x.
double Round(double x, int ndigits);

}  // namespace svit::py

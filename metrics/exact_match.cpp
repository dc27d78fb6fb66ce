#include "metrics/exact_match.h"

#include "metrics/python_text.h"

namespace svit::em {
namespace {

// Python's string.punctuation.
constexpr std::string_view kAsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

std::string LowerWithoutPunctuation(std::string_view text) {
  std::string lower = py::Lower(text);
  std::string out;
  out.reserve(lower.size());
  for (char c : lower) {
    if (kAsciiPunctuation.find(c) == std::string_view::npos) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string GqaPrediction(std::string_view reply) {
  size_t end = reply.find_last_not_of('.');
  return py::Lower(end == std::string_view::npos ? std::string_view() : reply.substr(0, end + 1));
}

bool LmmsEvalExactMatch(std::string_view reply, std::string_view target) {
  return LowerWithoutPunctuation(reply) == LowerWithoutPunctuation(target);
}

}  // namespace svit::em

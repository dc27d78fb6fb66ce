#include "metrics/science_qa.h"

#include "metrics/python_text.h"

namespace svit::sqa {
namespace {

constexpr std::string_view kOptions = "ABCDE";

bool IsOption(char c) { return kOptions.find(c) != std::string_view::npos; }

}  // namespace

std::string ParseAnswer(std::string_view reply) {
  if (reply.size() == 1 && IsOption(reply[0])) return std::string(reply);
  if (reply.size() >= 3 && IsOption(reply[0]) && reply.substr(1, 2) == ". ") {
    return std::string(1, reply[0]);
  }
  // re.findall scans left to right; after a match it resumes where the match
  // ended, and the final '.' consumes one whole code point.
  constexpr std::string_view kLead = "The answer is ";
  std::string found;
  size_t matches = 0;
  size_t pos = 0;
  while ((pos = reply.find(kLead, pos)) != std::string_view::npos) {
    size_t letter = pos + kLead.size();
    if (letter + 1 < reply.size() && reply[letter] >= 'A' && reply[letter] <= 'Z' &&
        reply[letter + 1] != '\n') {
      found.assign(1, reply[letter]);
      ++matches;
      size_t end = letter + 1;
      py::NextCodePoint(reply, &end);
      pos = end;
    } else {
      ++pos;
    }
  }
  return matches == 1 ? found : "FAILED";
}

int ChoiceIndex(std::string_view parsed, size_t num_choices) {
  if (parsed.size() != 1) return -1;
  size_t index = kOptions.find(parsed[0]);
  if (index == std::string_view::npos || index >= num_choices) return -1;
  return static_cast<int>(index);
}

}  // namespace svit::sqa

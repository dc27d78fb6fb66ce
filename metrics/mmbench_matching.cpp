#include "metrics/mmbench_matching.h"

#include <algorithm>

#include "metrics/python_text.h"

namespace svit::mmbench {
namespace {

constexpr std::string_view kLetters = "ABCDE";

// How many letters appear as `prefix + letter + suffix` among the words, and
// the first such letter.
std::pair<int, char> CountForm(const std::vector<std::string_view>& words, std::string_view prefix,
                               std::string_view suffix) {
  int count = 0;
  char first = '\0';
  for (char letter : kLetters) {
    std::string form = std::string(prefix) + letter + std::string(suffix);
    if (std::find(words.begin(), words.end(), form) != words.end()) {
      if (count++ == 0) first = letter;
    }
  }
  return {count, first};
}

}  // namespace

char CanInferOption(std::string_view answer) {
  if (answer.find("Failed to obtain answer via API") != std::string_view::npos) return '\0';
  std::vector<std::string_view> words = py::Split(answer);
  auto [bare_count, bare_letter] = CountForm(words, "", "");
  if (bare_count == 1) {
    bool article_a = words.size() > 3 && std::find(words.begin(), words.end(), "A") != words.end();
    if (!article_a) return bare_letter;
  }
  static constexpr std::pair<std::string_view, std::string_view> kForms[] = {
      {"", "."},   {"", ","}, {"", ":"},  {"", ")"},  {"", ")."}, {"(", ")"},
      {"(", ")."}, {":", ""}, {":", ","}, {":", "."}, {":", ")"}, {":", ")."}};
  for (const auto& [prefix, suffix] : kForms) {
    auto [count, letter] = CountForm(words, prefix, suffix);
    if (count == 1) return letter;
  }
  return '\0';
}

char CanInferText(std::string_view answer, const Choices& choices) {
  std::string lower_answer = py::Lower(answer);
  char found = '\0';
  int count = 0;
  for (const auto& [letter, text] : choices) {
    if (lower_answer.find(py::Lower(text)) != std::string::npos) {
      if (count++ == 0) found = letter;
    }
  }
  return count == 1 ? found : '\0';
}

char CanInfer(std::string_view answer, const Choices& choices) {
  char letter = CanInferOption(answer);
  return letter ? letter : CanInferText(answer, choices);
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHit: return "hit";
    case Outcome::kMiss: return "miss";
    case Outcome::kUnresolved: return "unresolved";
  }
  return "unresolved";
}

Outcome EvaluateCircular(const std::vector<CopyAnswer>& copies) {
  bool undecided = false;
  for (const CopyAnswer& copy : copies) {
    if (!copy.extracted) {
      undecided = true;
    } else if (copy.extracted != copy.truth) {
      return Outcome::kMiss;
    }
  }
  return undecided ? Outcome::kUnresolved : Outcome::kHit;
}

}  // namespace svit::mmbench

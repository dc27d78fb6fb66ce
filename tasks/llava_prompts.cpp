#include "tasks/llava_prompts.h"

namespace svit::llava {

std::string OptionLetter(size_t index) { return std::string(1, static_cast<char>('A' + index)); }

std::string AppendLines(std::string_view text, std::initializer_list<std::string_view> lines) {
  std::string out(text);
  for (std::string_view line : lines) {
    out += '\n';
    out += line;
  }
  return out;
}

std::string MultipleChoicePrompt(std::string_view question, const std::vector<std::string>& choices) {
  std::string out(question);
  for (size_t i = 0; i < choices.size(); ++i) {
    out += '\n';
    out += static_cast<char>('A' + i);
    out += ". ";
    out += choices[i];
  }
  out += '\n';
  out += kOptionLetter;
  return out;
}

}  // namespace svit::llava

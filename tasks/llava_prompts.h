// The prompts LLaVA-1.5 evaluates with (haotian-liu/LLaVA docs/Evaluation.md;
// the suffixes are baked into the question files of its eval.zip): the line a
// benchmark appends to its question, and the multiple-choice layout of
// model_vqa_science.py / model_vqa_mmbench.py. Tasks render Sample::prompt
// with these so runs ask what LLaVA-1.5 asked.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace svit::llava {

// VQAv2, GQA, VizWiz, TextVQA, POPE, MME.
inline constexpr std::string_view kShortAnswer = "Answer the question using a single word or phrase.";
// VizWiz (and lmms-eval's OK-VQA), on the line before kShortAnswer.
inline constexpr std::string_view kUnanswerable =
    "When the provided information is insufficient, respond with 'Unanswerable'.";
// ScienceQA (--single-pred-prompt), MMBench, SEED-Bench.
inline constexpr std::string_view kOptionLetter =
    "Answer with the option's letter from the given choices directly.";

// "A", "B", ... for choice 0, 1, ...
std::string OptionLetter(size_t index);

// `text` + "\n" + `line` for each line, in order.
std::string AppendLines(std::string_view text, std::initializer_list<std::string_view> lines);

// "<question>\nA. <choice 0>\nB. <choice 1>...\n" + kOptionLetter.
std::string MultipleChoicePrompt(std::string_view question, const std::vector<std::string>& choices);

}  // namespace svit::llava

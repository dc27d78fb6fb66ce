// MMBench answer matching and CircularEval, as lmms-eval's
// lmms_eval/tasks/mmbench/mmbench_evals.py (MMBench_Evaluator, same rules as
// VLMEvalKit) applies them before any GPT call:
//  - CanInferOption: a single bare letter A-E among the whitespace-separated
//    words (unless 'A' is a word of a >3-word answer: an article), else a
//    single letter in one of the forms "X." "X," "X:" "X)" "X)." "(X)" "(X)."
//    ":X" ":X," ":X." ":X)" ":X).".
//  - CanInferText: exactly one option text (lower-cased) occurs in the
//    lower-cased answer.
//  - Circular: a question counts 1 only if every rotated copy is answered
//    right; a rule-inferred wrong copy decides 0 before anything else.
// A letter of '\0' means "cannot infer". Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace svit::mmbench {

// (letter, option text) in letter order, only the options the question has.
using Choices = std::vector<std::pair<char, std::string>>;

char CanInferOption(std::string_view answer);
char CanInferText(std::string_view answer, const Choices& choices);
// CanInferOption, then CanInferText.
char CanInfer(std::string_view answer, const Choices& choices);

enum class Outcome { kHit, kMiss, kUnresolved };
const char* OutcomeName(Outcome outcome);  // "hit", "miss", "unresolved"

struct CopyAnswer {
  char extracted = '\0';  // rule-inferred letter, '\0' when the rules cannot decide
  char truth = 'A';
};

// eval_sub_data over the copies of one question in index order. kUnresolved
// means the rules leave some copy undecided and no decided copy is wrong (the
// official evaluator would ask GPT).
Outcome EvaluateCircular(const std::vector<CopyAnswer>& copies);

}  // namespace svit::mmbench

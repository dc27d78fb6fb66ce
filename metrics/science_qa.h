// ScienceQA answer extraction exactly as LLaVA's llava/eval/eval_science_qa.py
// does it: a reply is read as an option letter by three rules, else it is
// "FAILED"; a letter counts only if the problem has that many choices.
// Pure functions on UTF-8 text.
#pragma once

#include <string>
#include <string_view>

namespace svit::sqa {

// The parsed answer of one reply, in the order the script tries the rules:
//  (a) the reply is exactly one of A..E;
//  (b) it is at least 3 characters, starts with one of A..E and then ". ";
//  (c) re.findall(r'The answer is ([A-Z]).') finds exactly one match (the '.'
//      is any character but a newline, so "The answer is AB" gives "A");
// otherwise "FAILED".
std::string ParseAnswer(std::string_view reply);

// get_pred_idx: the position of `parsed` among the first `num_choices` of
// A..E, or -1.
int ChoiceIndex(std::string_view parsed, size_t num_choices);

}  // namespace svit::sqa

// Exact-match answer normalisations of GQA as LLaVA-1.5 and lmms-eval score
// it. Pure functions on UTF-8 text.
//
// LLaVA (scripts/convert_gqa_for_eval.py) turns a reply into the prediction
// the official GQA eval.py compares with `==` to the ground-truth answer.
// lmms-eval's gqa task instead uses exact_match with ignore_case and
// ignore_punctuation (HF evaluate's semantics) on the raw reply.
#pragma once

#include <string>
#include <string_view>

namespace svit::em {

// reply.rstrip('.').lower()
std::string GqaPrediction(std::string_view reply);

// exact_match(predictions=[reply], references=[target], ignore_case=True,
// ignore_punctuation=True): both lower-cased, every string.punctuation
// character deleted, then compared.
bool LmmsEvalExactMatch(std::string_view reply, std::string_view target);

}  // namespace svit::em

// Character classes of the JFlex scanner behind CoreNLP 3.4.1's
// PTBTokenizer: [:letter:], [:digit:] and [:uppercase:] over UTF-16 code units
// (Java's Character.isLetter / isDigit / isUpperCase). Data only.
#pragma once

#include "metrics/longest_match_lexer.h"

namespace svit::ptb {

const lexer::CharSet& JavaLetters();
const lexer::CharSet& JavaDigits();
const lexer::CharSet& JavaUppercase();

}  // namespace svit::ptb

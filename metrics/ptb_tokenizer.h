// The caption tokenizer of the official COCO caption evaluation
// (pycocoevalcap's PTBTokenizer wrapper around Stanford CoreNLP 3.4.1's
// PTBTokenizer run with `-preserveLines -lowerCase`), reimplemented natively.
//
// Contract, per batch (pycocoevalcap tokenizes all references in one call and
// all candidates in another):
//  * captions are joined by '\n' into one text and lexed by the PTB3 rules of
//    CoreNLP 3.4.1 (default options: PTB3 escaping, `untokenizable` chars
//    deleted); a token may depend on the text that follows it, including the
//    start of the next caption, exactly as in the Java run;
//  * every token is lower-cased as Java's toLowerCase(Locale.ENGLISH);
//  * each caption's line is rstrip()ed, split on ' ', and tokens that are
//    exactly one of pycocoevalcap's PUNCTUATIONS are dropped; the rest is
//    joined by single spaces.
// Deliberate difference: '\n' (which pycocoevalcap already replaces) and also
// '\r', '\v', '\f', U+2028 and U+2029 inside a caption are treated as spaces.
// The Java lexer treats the latter as line ends and silently shifts every
// later caption onto the wrong image. U+0085 is kept: CoreNLP lexes it as an
// ellipsis, which is dropped as punctuation, so it never shifts lines.
//
// Input must be valid UTF-8 (callers validate and report bad input).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace svit::ptb {

// Tokenizes one batch; returns one tokenized caption per input caption.
// `threads` > 1 lexes slices of the batch in parallel; the result is
// identical to the serial one.
std::vector<std::string> TokenizeCaptions(const std::vector<std::string_view>& captions,
                                          int threads = 1);

// The lower-cased CoreNLP tokens of `text` (as one line, before punctuation
// removal). Exposed for tests of individual lexer rules.
std::vector<std::string> LexTokens(std::string_view text);

}  // namespace svit::ptb

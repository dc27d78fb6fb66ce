// A small scanner generator with JFlex semantics, used to reproduce the
// Stanford PTB tokenizer exactly. Patterns are regular expressions over
// UTF-16 code units (as JFlex 1.5 %unicode scanners see text), built with the
// combinators below. At each position the scanner takes the longest match of
// any rule, counting a rule's trailing context (`body/trailing`) in its
// length; ties go to the earlier rule. For a rule with trailing context the
// token is the longest prefix of the match that `body` matches while
// `trailing` matches the rest (JFlex's general lookahead).
//
// A LexerSpec is immutable and may be shared across threads; each thread
// scans with its own LexerScanner, which builds DFA states lazily.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace svit::lexer {

// A set of UTF-16 code units as sorted, disjoint, inclusive ranges.
class CharSet {
 public:
  struct Range {
    char32_t lo, hi;
  };
  CharSet() = default;
  static CharSet Of(std::u16string_view chars);     // each listed unit
  static CharSet Span(char32_t lo, char32_t hi);    // lo..hi inclusive
  static CharSet FromRanges(std::vector<Range> ranges);
  static CharSet Any();                             // U+0000..U+FFFF

  CharSet Union(const CharSet& other) const;
  CharSet Complement() const;  // relative to U+0000..U+FFFF
  bool Contains(char32_t unit) const;
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;
};

// A regular expression (immutable, cheap to copy).
class Pattern {
 public:
  struct Node;
  Pattern() = default;
  explicit Pattern(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  const Node* node() const { return node_.get(); }

 private:
  std::shared_ptr<const Node> node_;
};

Pattern Chars(CharSet set);
// A literal string matched case-insensitively in ASCII letters, as JFlex's
// %caseless matches literals (character classes stay case-sensitive).
Pattern Caseless(std::u16string_view text);
Pattern Seq(std::vector<Pattern> parts);
Pattern Alt(std::vector<Pattern> options);
Pattern Star(Pattern p);
Pattern Plus(Pattern p);
Pattern Opt(Pattern p);
Pattern Repeat(Pattern p, int min, int max);  // p{min,max}

struct Rule {
  Pattern body;
  Pattern trailing;  // empty Pattern() when the rule has no trailing context
};

class LexerSpec {
 public:
  explicit LexerSpec(const std::vector<Rule>& rules);
  ~LexerSpec();
  LexerSpec(const LexerSpec&) = delete;
  LexerSpec& operator=(const LexerSpec&) = delete;

  struct Compiled;
  const Compiled& compiled() const { return *compiled_; }

 private:
  std::unique_ptr<Compiled> compiled_;
};

struct Match {
  int rule = -1;        // index into the rules given to LexerSpec
  size_t length = 0;    // token length (trailing context excluded)
};

class LexerScanner {
 public:
  explicit LexerScanner(const LexerSpec& spec);
  ~LexerScanner();

  // Matches at text[pos...]. Returns false only at the end of the text or
  // where no rule matches.
  bool Next(std::u16string_view text, size_t pos, Match* match);

 private:
  struct Dfa;
  size_t SplitLength(std::u16string_view text, size_t pos, size_t end, int rule);

  const LexerSpec::Compiled& spec_;
  std::unique_ptr<Dfa> dfa_;
};

}  // namespace svit::lexer

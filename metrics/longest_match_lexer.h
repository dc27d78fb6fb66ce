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
  // where no rule matches. Inline: it runs once per token.
  bool Next(std::u16string_view text, size_t pos, Match* match) {
    int rule;
    size_t end;
    for (;;) {
      // The scanning loop calls nothing, so that it keeps everything in
      // registers; a transition not determinized yet ends it, and the scan
      // starts over once it is (a few thousand times per run).
      ptrdiff_t row = start_row_;
      rule = -1;
      end = pos;
      size_t i = pos;
      int32_t next = kDead;
      for (; i < text.size(); ++i) {
        next = table_[row + class_of_[text[i]]];
        if (next < 0) break;
        row = next;
        if (table_[row + accept_column_] >= 0) {
          rule = table_[row + accept_column_];
          end = i + 1;
        }
      }
      if (i == text.size() || next == kDead) break;
      Determinize(static_cast<int32_t>(row), class_of_[text[i]]);
    }
    if (rule < 0) return false;
    match->rule = rule;
    match->length = has_trailing_context_[rule] ? SplitLength(text, pos, end, rule) : end - pos;
    return true;
  }

 private:
  // DFA states are rows of a table, built on first use: num_classes
  // transitions (the target's row offset, kDead, or kUnknown until
  // determinized), then the rule the state accepts (or -1). Row offsets
  // rather than state numbers keep the scanning loop free of
  // multiplications.
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kDead = -1;

  struct Dfa;
  void Determinize(int32_t row, int cls);  // fills in a kUnknown transition
  // The token length of a match of a rule with trailing context.
  size_t SplitLength(std::u16string_view text, size_t pos, size_t end, int rule);

  const LexerSpec::Compiled& spec_;
  std::unique_ptr<Dfa> dfa_;
  // What Next() reads: the table (owned by dfa_, refreshed when it grows)
  // and the spec's character classes and rules.
  const int32_t* table_ = nullptr;
  int32_t start_row_ = 0;
  const uint16_t* class_of_ = nullptr;
  ptrdiff_t accept_column_ = 0;
  std::vector<char> has_trailing_context_;  // by rule
};

}  // namespace svit::lexer

#include "metrics/longest_match_lexer.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace svit::lexer {

// ---------------------------------------------------------------- CharSet

CharSet CharSet::FromRanges(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  CharSet out;
  for (const Range& r : ranges) {
    if (r.lo > r.hi) continue;
    if (!out.ranges_.empty() && r.lo <= out.ranges_.back().hi + 1) {
      out.ranges_.back().hi = std::max(out.ranges_.back().hi, r.hi);
    } else {
      out.ranges_.push_back(r);
    }
  }
  return out;
}

CharSet CharSet::Of(std::u16string_view chars) {
  std::vector<Range> ranges;
  for (char16_t c : chars) ranges.push_back({c, c});
  return FromRanges(std::move(ranges));
}

CharSet CharSet::Span(char32_t lo, char32_t hi) { return FromRanges({{lo, hi}}); }

CharSet CharSet::Any() { return Span(0, 0xFFFF); }

CharSet CharSet::Union(const CharSet& other) const {
  std::vector<Range> ranges = ranges_;
  ranges.insert(ranges.end(), other.ranges_.begin(), other.ranges_.end());
  return FromRanges(std::move(ranges));
}

CharSet CharSet::Complement() const {
  std::vector<Range> out;
  char32_t next = 0;
  for (const Range& r : ranges_) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= 0xFFFF) out.push_back({next, 0xFFFF});
  return FromRanges(std::move(out));
}

bool CharSet::Contains(char32_t unit) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), unit,
                             [](char32_t u, const Range& r) { return u < r.lo; });
  return it != ranges_.begin() && unit <= (it - 1)->hi;
}

// ---------------------------------------------------------------- Pattern

struct Pattern::Node {
  enum class Kind { kChars, kSeq, kAlt, kRepeat };
  Kind kind;
  CharSet set;                 // kChars
  std::vector<Pattern> parts;  // kSeq, kAlt; kRepeat has one
  int min = 0, max = 0;        // kRepeat; max < 0 means unbounded
};

namespace {

Pattern Make(Pattern::Node node) {
  return Pattern(std::make_shared<const Pattern::Node>(std::move(node)));
}

char16_t ToUpperAscii(char16_t c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
char16_t ToLowerAscii(char16_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

}  // namespace

Pattern Chars(CharSet set) {
  Pattern::Node n{Pattern::Node::Kind::kChars};
  n.set = std::move(set);
  return Make(std::move(n));
}

Pattern Caseless(std::u16string_view text) {
  std::vector<Pattern> parts;
  for (char16_t c : text) {
    char16_t both[2] = {ToLowerAscii(c), ToUpperAscii(c)};
    parts.push_back(Chars(CharSet::Of(std::u16string_view(both, 2))));
  }
  return Seq(std::move(parts));
}

Pattern Seq(std::vector<Pattern> parts) {
  if (parts.size() == 1) return parts[0];
  Pattern::Node n{Pattern::Node::Kind::kSeq};
  n.parts = std::move(parts);
  return Make(std::move(n));
}

Pattern Alt(std::vector<Pattern> options) {
  if (options.size() == 1) return options[0];
  Pattern::Node n{Pattern::Node::Kind::kAlt};
  n.parts = std::move(options);
  return Make(std::move(n));
}

Pattern Repeat(Pattern p, int min, int max) {
  Pattern::Node n{Pattern::Node::Kind::kRepeat};
  n.parts = {std::move(p)};
  n.min = min;
  n.max = max;
  return Make(std::move(n));
}

Pattern Star(Pattern p) { return Repeat(std::move(p), 0, -1); }
Pattern Plus(Pattern p) { return Repeat(std::move(p), 1, -1); }
Pattern Opt(Pattern p) { return Repeat(std::move(p), 0, 1); }

// ---------------------------------------------------------------- NFA

struct LexerSpec::Compiled {
  struct State {
    std::vector<int> epsilon;
    int next = -1;        // target of the character edge, -1 if none
    int edge_set = -1;    // index into edge_classes
    int accept_rule = -1; // rule whose full pattern ends here
  };
  std::vector<State> states;
  std::vector<CharSet> edge_sets;                 // distinct sets, during construction
  std::map<std::vector<std::pair<char32_t, char32_t>>, int> edge_set_ids;
  std::vector<std::vector<uint64_t>> edge_classes; // class bitset per edge set
  std::vector<uint16_t> class_of;                 // UTF-16 unit -> class
  int num_classes = 0;
  int start = -1;
  struct Split {
    int body_start = -1, body_end = -1, trailing_start = -1, trailing_end = -1;
  };
  std::vector<Split> splits;  // per rule; body_start < 0 without trailing context

  int NewState() {
    states.emplace_back();
    return static_cast<int>(states.size()) - 1;
  }

  // Thompson construction: returns {entry, exit}.
  std::pair<int, int> Build(const Pattern::Node* n) {
    using Kind = Pattern::Node::Kind;
    switch (n->kind) {
      case Kind::kChars: {
        int s = NewState(), e = NewState();
        states[s].next = e;
        std::vector<std::pair<char32_t, char32_t>> key;
        for (const auto& r : n->set.ranges()) key.emplace_back(r.lo, r.hi);
        auto [it, inserted] = edge_set_ids.emplace(std::move(key), static_cast<int>(edge_sets.size()));
        if (inserted) edge_sets.push_back(n->set);
        states[s].edge_set = it->second;
        return {s, e};
      }
      case Kind::kSeq: {
        auto [s, e] = Build(n->parts[0].node());
        for (size_t i = 1; i < n->parts.size(); ++i) {
          auto [s2, e2] = Build(n->parts[i].node());
          states[e].epsilon.push_back(s2);
          e = e2;
        }
        return {s, e};
      }
      case Kind::kAlt: {
        int s = NewState(), e = NewState();
        for (const Pattern& p : n->parts) {
          auto [s2, e2] = Build(p.node());
          states[s].epsilon.push_back(s2);
          states[e2].epsilon.push_back(e);
        }
        return {s, e};
      }
      case Kind::kRepeat: {
        const Pattern::Node* inner = n->parts[0].node();
        int s = NewState(), e = s;
        for (int i = 0; i < n->min; ++i) {
          auto [s2, e2] = Build(inner);
          states[e].epsilon.push_back(s2);
          e = e2;
        }
        if (n->max < 0) {
          auto [s2, e2] = Build(inner);
          int exit = NewState();
          states[e].epsilon.push_back(s2);
          states[e].epsilon.push_back(exit);
          states[e2].epsilon.push_back(s2);
          states[e2].epsilon.push_back(exit);
          return {s, exit};
        }
        int exit = NewState();
        states[e].epsilon.push_back(exit);
        for (int i = n->min; i < n->max; ++i) {
          auto [s2, e2] = Build(inner);
          states[e].epsilon.push_back(s2);
          states[e2].epsilon.push_back(exit);
          e = e2;
        }
        return {s, exit};
      }
    }
    return {-1, -1};
  }

  // Partitions U+0000..U+FFFF into classes no edge set distinguishes.
  void ComputeClasses() {
    std::vector<char32_t> cuts = {0, 0x10000};
    for (const CharSet& set : edge_sets) {
      for (const auto& r : set.ranges()) {
        cuts.push_back(r.lo);
        cuts.push_back(r.hi + 1);
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    size_t intervals = cuts.size() - 1;
    // Signature of each interval: which edge sets contain it.
    std::vector<std::vector<bool>> signature(intervals, std::vector<bool>(edge_sets.size()));
    for (size_t k = 0; k < edge_sets.size(); ++k) {
      for (const auto& r : edge_sets[k].ranges()) {
        size_t i = std::lower_bound(cuts.begin(), cuts.end(), r.lo) - cuts.begin();
        for (; i < intervals && cuts[i] <= r.hi; ++i) signature[i][k] = true;
      }
    }
    std::map<std::vector<bool>, int> ids;
    std::vector<int> interval_class(intervals);
    for (size_t i = 0; i < intervals; ++i) {
      auto [it, inserted] = ids.emplace(signature[i], static_cast<int>(ids.size()));
      interval_class[i] = it->second;
    }
    num_classes = static_cast<int>(ids.size());
    class_of.assign(0x10000, 0);
    for (size_t i = 0; i < intervals; ++i) {
      for (char32_t u = cuts[i]; u < cuts[i + 1]; ++u) {
        class_of[u] = static_cast<uint16_t>(interval_class[i]);
      }
    }
    size_t words = (num_classes + 63) / 64;
    edge_classes.assign(edge_sets.size(), std::vector<uint64_t>(words, 0));
    for (size_t i = 0; i < intervals; ++i) {
      int c = interval_class[i];
      for (size_t k = 0; k < edge_sets.size(); ++k) {
        if (signature[i][k]) edge_classes[k][c / 64] |= uint64_t{1} << (c % 64);
      }
    }
    edge_sets.clear();
    edge_set_ids.clear();
  }

  bool EdgeHas(int state, int cls) const {
    int set = states[state].edge_set;
    return set >= 0 && (edge_classes[set][cls / 64] >> (cls % 64) & 1);
  }

  // Marks of visited states; a new stamp clears all marks at once.
  struct Marks {
    explicit Marks(size_t n) : stamp_of(n, 0) {}
    void Clear() { ++stamp; }
    bool Visit(int s) {
      if (stamp_of[s] == stamp) return false;
      stamp_of[s] = stamp;
      return true;
    }
    std::vector<uint32_t> stamp_of;
    uint32_t stamp = 1;
    std::vector<int> stack;
  };

  // Adds the epsilon closure of `s` to `out`, skipping states already marked.
  void Close(int s, Marks* marks, std::vector<int>* out) const {
    marks->stack.assign(1, s);
    while (!marks->stack.empty()) {
      int t = marks->stack.back();
      marks->stack.pop_back();
      if (!marks->Visit(t)) continue;
      out->push_back(t);
      for (int u : states[t].epsilon) marks->stack.push_back(u);
    }
  }

  // Positions p in [from, to] at which the NFA entered at `start` has
  // matched text[from, p) exactly when it reaches `end`.
  std::vector<bool> Accepts(int start, int end, std::u16string_view text, size_t from,
                            size_t to, Marks* marks) const {
    std::vector<bool> accepts(to - from + 1, false);
    std::vector<int> current;
    marks->Clear();
    Close(start, marks, &current);
    for (size_t p = from;; ++p) {
      for (int s : current) {
        if (s == end) accepts[p - from] = true;
      }
      if (p == to || current.empty()) break;
      int cls = class_of[text[p]];
      std::vector<int> next;
      marks->Clear();
      for (int s : current) {
        if (EdgeHas(s, cls)) Close(states[s].next, marks, &next);
      }
      current.swap(next);
    }
    return accepts;
  }
};

LexerSpec::LexerSpec(const std::vector<Rule>& rules) : compiled_(std::make_unique<Compiled>()) {
  Compiled& c = *compiled_;
  c.start = c.NewState();
  c.splits.resize(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    Pattern whole = rule.trailing.node() ? Seq({rule.body, rule.trailing}) : rule.body;
    auto [s, e] = c.Build(whole.node());
    c.states[c.start].epsilon.push_back(s);
    c.states[e].accept_rule = static_cast<int>(i);
    if (rule.trailing.node()) {
      Compiled::Split& split = c.splits[i];
      std::tie(split.body_start, split.body_end) = c.Build(rule.body.node());
      std::tie(split.trailing_start, split.trailing_end) = c.Build(rule.trailing.node());
    }
  }
  c.ComputeClasses();
}

LexerSpec::~LexerSpec() = default;

// ---------------------------------------------------------------- DFA

// Lexing interleaves two caches, both filled on first use: the DFA (subset
// construction on demand) and the token lengths of trailing-context matches.
struct LexerScanner::Dfa {
  explicit Dfa(const LexerSpec::Compiled& nfa)
      : nfa(nfa), row_size(nfa.num_classes + 1), marks(nfa.states.size()) {
    std::vector<int> closure;
    nfa.Close(nfa.start, &marks, &closure);
    start_row = Intern(std::move(closure));
  }

  // The row of the state for NFA state set `set`.
  int32_t Intern(std::vector<int> set) {
    std::sort(set.begin(), set.end());
    auto it = index.find(set);
    if (it != index.end()) return it->second;
    const auto row = static_cast<int32_t>(table.size());
    int rule = -1;
    for (int s : set) {
      int r = nfa.states[s].accept_rule;
      if (r >= 0 && (rule < 0 || r < rule)) rule = r;
    }
    table.resize(table.size() + row_size, kUnknown);
    table[row + nfa.num_classes] = rule;
    sets.push_back(set);
    index.emplace(std::move(set), row);
    return row;
  }

  // The transition from the state at `row` on class `cls`, the first time it
  // is needed.
  void Determinize(int32_t row, int cls) {
    std::vector<int> next;
    marks.Clear();
    for (int s : sets[row / row_size]) {
      if (nfa.EdgeHas(s, cls)) nfa.Close(nfa.states[s].next, &marks, &next);
    }
    int32_t target = next.empty() ? kDead : Intern(std::move(next));
    table[row + cls] = target;  // after Intern, which may have grown `table`
  }

  struct VectorHash {
    size_t operator()(const std::vector<int>& v) const {
      size_t h = v.size();
      for (int x : v) h = h * 1000003u ^ static_cast<size_t>(x);
      return h;
    }
  };

  // Token lengths of trailing-context matches by rule and matched text,
  // which repeat endlessly in real text ("a ", "dog's"): an open-addressing
  // table over a pool of the texts.
  class SplitCache {
   public:
    SplitCache() : slots_(1 << 10) {}

    static uint64_t Hash(int rule, std::u16string_view text) {
      uint64_t h = 0xcbf29ce484222325ULL ^ static_cast<uint64_t>(rule);
      for (char16_t c : text) h = (h ^ c) * 0x100000001b3ULL;
      return h ^ (h >> 32);
    }

    // The cached token length, or -1.
    int64_t Find(int rule, std::u16string_view text, uint64_t hash) const {
      for (size_t i = hash & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
        const Entry& e = slots_[i];
        if (e.rule < 0) return -1;
        if (e.hash == hash && e.rule == rule && Text(e) == text) return e.length;
      }
    }

    void Insert(int rule, std::u16string_view text, uint64_t hash, size_t length) {
      if ((used_ + 1) * 2 > slots_.size()) Grow();
      Place({hash, static_cast<uint32_t>(pool_.size()), static_cast<uint32_t>(text.size()), rule,
             static_cast<uint32_t>(length)});
      pool_.append(text);
      ++used_;
    }

   private:
    struct Entry {
      uint64_t hash = 0;
      uint32_t offset = 0, size = 0;  // text in pool_
      int32_t rule = -1;              // -1: empty slot
      uint32_t length = 0;
    };
    std::u16string_view Text(const Entry& e) const {
      return std::u16string_view(pool_).substr(e.offset, e.size);
    }
    void Place(const Entry& entry) {
      size_t i = entry.hash & (slots_.size() - 1);
      while (slots_[i].rule >= 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = entry;
    }
    void Grow() {
      std::vector<Entry> old(slots_.size() * 2);
      old.swap(slots_);
      for (const Entry& e : old) {
        if (e.rule >= 0) Place(e);
      }
    }
    std::vector<Entry> slots_;
    std::u16string pool_;
    size_t used_ = 0;
  };

  const LexerSpec::Compiled& nfa;
  const int32_t row_size;
  LexerSpec::Compiled::Marks marks;
  std::vector<int32_t> table;
  std::vector<std::vector<int>> sets;  // NFA states of each DFA state (row / row_size)
  std::unordered_map<std::vector<int>, int32_t, VectorHash> index;  // -> row
  int32_t start_row = 0;
  SplitCache splits;
};

LexerScanner::LexerScanner(const LexerSpec& spec)
    : spec_(spec.compiled()), dfa_(std::make_unique<Dfa>(spec.compiled())) {
  table_ = dfa_->table.data();
  start_row_ = dfa_->start_row;
  class_of_ = spec_.class_of.data();
  accept_column_ = spec_.num_classes;
  for (const auto& split : spec_.splits) has_trailing_context_.push_back(split.body_start >= 0);
}

LexerScanner::~LexerScanner() = default;

void LexerScanner::Determinize(int32_t row, int cls) {
  dfa_->Determinize(row, cls);
  table_ = dfa_->table.data();
}

// For a rule with trailing context: the longest body whose remainder the
// trailing context matches. It depends only on the rule and the matched
// text, so it is computed once per such pair.
size_t LexerScanner::SplitLength(std::u16string_view text, size_t pos, size_t end, int rule) {
  const std::u16string_view matched = text.substr(pos, end - pos);
  const uint64_t hash = Dfa::SplitCache::Hash(rule, matched);
  const int64_t cached = dfa_->splits.Find(rule, matched, hash);
  if (cached >= 0) return static_cast<size_t>(cached);
  const LexerSpec::Compiled::Split& split = spec_.splits[rule];
  auto& marks = dfa_->marks;
  std::vector<bool> body = spec_.Accepts(split.body_start, split.body_end, text, pos, end, &marks);
  size_t length = end - pos;
  for (size_t p = end + 1; p-- > pos;) {
    if (!body[p - pos]) continue;
    if (spec_.Accepts(split.trailing_start, split.trailing_end, text, p, end, &marks)[end - p]) {
      length = p - pos;
      break;
    }
  }
  dfa_->splits.Insert(rule, matched, hash, length);
  return length;
}

}  // namespace svit::lexer

// The scorers work on integer ids rather than strings, in three passes:
//  1. words: every caption's str.split() words become word ids (each thread
//     splits a range of images with its own vocabulary; the vocabularies are
//     then merged, so equal words get equal ids whatever the thread count);
//  2. n-grams: the references' n-grams get ids, and their document
//     frequencies are counted (one serial pass; see NgramIndex);
//  3. per image, in parallel: each caption's n-grams are counted once and
//     shared by BLEU and CIDEr-D; ROUGE-L runs on the same word ids.
// Ids only decide which n-grams are equal; every sum runs in the order the
// Python scorers use (a caption's n-grams in first-occurrence order), so the
// values do not depend on the ids or on the thread count.
#include "metrics/caption_metrics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <thread>

#include "metrics/python_number.h"
#include "metrics/python_text.h"

namespace svit::caption {
namespace {

constexpr int kMaxN = 4;

// Runs fn(part, begin, end) for `parts` contiguous ranges of [0, n), one
// thread per part; the ranges depend only on n and parts.
template <typename Fn>
void ForEachPart(size_t n, size_t parts, Fn fn) {
  std::vector<std::thread> workers;
  for (size_t k = 1; k < parts; ++k) workers.emplace_back(fn, k, n * k / parts, n * (k + 1) / parts);
  fn(size_t{0}, size_t{0}, n / parts);
  for (auto& w : workers) w.join();
}

uint64_t MixBits(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// ---- pass 1: word ids ----

// Words with ids (equal strings, equal ids) in an open-addressing table. The
// strings are views into the captions, which outlive the vocabulary. Word
// hashes (HashWord) are one-to-one on words of up to eight bytes of a given
// length, so those compare by hash and length alone.
class Vocabulary {
 public:
  Vocabulary() : slots_(1 << 12), mask_((1 << 12) - 1) {}

  uint32_t Add(std::string_view word, uint64_t hash) {
    size_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id_plus_one == 0) break;
      if (slot.hash == hash && slot.size == word.size() &&
          (word.size() <= 8 || words_[slot.id_plus_one - 1] == word)) {
        return slot.id_plus_one - 1;
      }
    }
    words_.push_back(word);
    hashes_.push_back(hash);
    slots_[i] = {hash, static_cast<uint32_t>(word.size()), static_cast<uint32_t>(words_.size())};
    if (words_.size() * 2 > slots_.size()) Grow();
    return static_cast<uint32_t>(words_.size() - 1);
  }

  size_t size() const { return words_.size(); }
  std::string_view word(uint32_t id) const { return words_[id]; }
  uint64_t hash(uint32_t id) const { return hashes_[id]; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t size = 0;
    uint32_t id_plus_one = 0;  // 0: empty
  };
  void Grow() {
    slots_.assign(slots_.size() * 2, Slot());
    mask_ = slots_.size() - 1;
    for (uint32_t id = 0; id < words_.size(); ++id) {
      size_t i = hashes_[id] & mask_;
      while (slots_[i].id_plus_one != 0) i = (i + 1) & mask_;
      slots_[i] = {hashes_[id], static_cast<uint32_t>(words_[id].size()), id + 1};
    }
  }
  std::vector<Slot> slots_;
  size_t mask_;
  std::vector<std::string_view> words_;  // by id
  std::vector<uint64_t> hashes_;         // by id
};

struct CaptionWords {
  size_t offset = 0;  // into WordCorpus::ids
  uint32_t size = 0;
  // str.split(" ") gives the same tokens as str.split(): the only white
  // space is single ' ' between words (ROUGE-L can then use the word ids).
  bool single_spaced = false;
};

// Every caption as word ids; captions in image order, each image's candidate
// first, then its references.
struct WordCorpus {
  std::vector<uint32_t> ids;
  std::vector<CaptionWords> captions;
  uint32_t vocabulary_size = 0;

  std::span<const uint32_t> Words(size_t caption) const {
    return {ids.data() + captions[caption].offset, captions[caption].size};
  }
};

// What a byte means to str.split(): part of an ASCII word, ' ', other ASCII
// white space, or part of a multi-byte character (decoded to decide).
enum ByteClass : uint8_t { kWordByte, kSpaceByte, kOtherSpaceByte, kMultiByte };

constexpr std::array<ByteClass, 256> kByteClass = [] {
  std::array<ByteClass, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = c >= 0x80                                              ? kMultiByte
               : c == ' '                                             ? kSpaceByte
               : (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) ? kOtherSpaceByte
                                                                      : kWordByte;
  }
  return table;
}();

// Whether the (multi-byte) character at text[*i] is white space; advances *i
// past it.
bool MultiByteSpace(std::string_view text, size_t* i) { return py::IsSpace(py::NextCodePoint(text, i)); }

// Hash of the word text[start, end), read eight bytes at a time (the last
// chunk may extend past the word within `text`, and is masked). For words
// of up to eight bytes every step is invertible, so two such words of one
// length have equal hashes only if they are equal.
uint64_t HashWord(std::string_view text, size_t start, size_t end) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;
  uint64_t h = end - start;
  size_t i = start;
  for (; i + 8 <= end; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, text.data() + i, 8);
    h = MixBits((h ^ chunk) * kMultiplier);
  }
  if (i == end) return h;
  uint64_t tail = 0;
  if (i + 8 <= text.size()) {  // one load, the bytes past the word masked off
    std::memcpy(&tail, text.data() + i, 8);
    tail &= ~uint64_t{0} >> (64 - 8 * (end - i));
  } else {
    for (size_t k = 0; i + k < end; ++k) tail |= uint64_t{static_cast<unsigned char>(text[i + k])} << (8 * k);
  }
  return MixBits((h ^ tail) * kMultiplier);
}

// Appends the ids of text.split()'s words to `ids` and describes them.
CaptionWords SplitWords(std::string_view text, Vocabulary* vocabulary, std::vector<uint32_t>* ids) {
  static_assert(std::endian::native == std::endian::little, "masking keeps the first bytes");
  CaptionWords out;
  out.offset = ids->size();
  size_t spaces = 0;
  bool other_space = false;
  size_t i = 0;
  const size_t n = text.size();
  auto byte_class = [&](size_t k) { return kByteClass[static_cast<unsigned char>(text[k])]; };
  while (true) {
    while (i < n) {  // white space
      ByteClass c = byte_class(i);
      if (c == kWordByte) break;
      if (c == kMultiByte) {
        size_t next = i;
        if (!MultiByteSpace(text, &next)) break;
        other_space = true;
        i = next;
        continue;
      }
      spaces += c == kSpaceByte;
      other_space |= c == kOtherSpaceByte;
      ++i;
    }
    if (i == n) break;
    const size_t start = i;
    while (i < n) {  // a word
      while (i < n && byte_class(i) == kWordByte) ++i;
      if (i == n || byte_class(i) != kMultiByte) break;
      size_t next = i;
      if (MultiByteSpace(text, &next)) break;
      i = next;
    }
    ids->push_back(vocabulary->Add(text.substr(start, i - start), HashWord(text, start, i)));
  }
  out.size = static_cast<uint32_t>(ids->size() - out.offset);
  out.single_spaced = !other_space && out.size > 0 && spaces + 1 == out.size;
  return out;
}

WordCorpus SplitAllWords(const std::vector<CaptionPair>& images, const std::vector<size_t>& first_caption,
                         size_t parts) {
  WordCorpus corpus;
  corpus.captions.resize(first_caption.back());
  struct Part {
    Vocabulary vocabulary;
    std::vector<uint32_t> ids;  // part-local word ids
  };
  std::vector<Part> part(parts);
  ForEachPart(images.size(), parts, [&](size_t p, size_t begin, size_t end) {
    size_t bytes = 0;  // a word takes at least two bytes with its separator
    for (size_t i = begin; i < end; ++i) {
      bytes += images[i].candidate.size() + 1;
      for (const std::string& r : images[i].references) bytes += r.size() + 1;
    }
    part[p].ids.reserve(bytes / 2);
    size_t c = first_caption[begin];
    for (size_t i = begin; i < end; ++i) {
      corpus.captions[c++] = SplitWords(images[i].candidate, &part[p].vocabulary, &part[p].ids);
      for (const std::string& r : images[i].references) {
        corpus.captions[c++] = SplitWords(r, &part[p].vocabulary, &part[p].ids);
      }
    }
  });

  // Part 0's ids stay; each later part's words join in its id order.
  Vocabulary& global = part[0].vocabulary;
  std::vector<std::vector<uint32_t>> global_id(parts);
  std::vector<size_t> base(parts + 1, 0);
  for (size_t p = 0; p < parts; ++p) {
    if (p > 0) {
      const Vocabulary& local = part[p].vocabulary;
      for (uint32_t id = 0; id < local.size(); ++id) {
        global_id[p].push_back(global.Add(local.word(id), local.hash(id)));
      }
    }
    base[p + 1] = base[p] + part[p].ids.size();
  }
  corpus.vocabulary_size = static_cast<uint32_t>(global.size());
  corpus.ids.resize(base[parts]);
  ForEachPart(images.size(), parts, [&](size_t p, size_t begin, size_t end) {
    uint32_t* out = corpus.ids.data() + base[p];
    if (p == 0) {
      std::copy(part[p].ids.begin(), part[p].ids.end(), out);
    } else {
      for (uint32_t id : part[p].ids) *out++ = global_id[p][id];
    }
    for (size_t c = first_caption[begin]; c < first_caption[end]; ++c) corpus.captions[c].offset += base[p];
    std::vector<uint32_t>().swap(part[p].ids);
  });
  return corpus;
}

// ---- pass 2: n-gram ids and document frequency ----

// An n-gram (n >= 2) is identified by the id of its first n-1 words and the
// id of its last word, both < 2^31, so one 64-bit key names it exactly.
// Unigram ids are word ids; longer n-grams get ids from the vocabulary size
// on. The index holds every n-gram of the references, with the number of
// images whose references contain it (CIDEr-D's document frequency).
class NgramIndex {
 public:
  static constexpr uint32_t kAbsent = 0xFFFFFFFF;

  NgramIndex(const WordCorpus& corpus, const std::vector<CaptionPair>& images,
             const std::vector<size_t>& first_caption)
      : slots_(1 << 16), mask_((1 << 16) - 1), shift_(64 - 16), df_(corpus.vocabulary_size, 0),
        last_image_(corpus.vocabulary_size, 0) {
    std::vector<uint32_t> grams;  // ids of the n-grams starting at each position
    for (size_t i = 0; i < images.size(); ++i) {
      const auto image = static_cast<uint32_t>(i + 1);
      for (size_t c = first_caption[i] + 1; c < first_caption[i + 1]; ++c) {
        std::span<const uint32_t> w = corpus.Words(c);
        grams.assign(w.begin(), w.end());
        for (uint32_t id : grams) CountIn(id, image);
        for (size_t n = 2; n <= kMaxN && n <= w.size(); ++n) {
          const size_t count = w.size() - n + 1;
          for (size_t p = 0; p < count; ++p) Prefetch(grams[p], w[p + n - 1]);
          for (size_t p = 0; p < count; ++p) {
            grams[p] = Add(grams[p], w[p + n - 1]);
            CountIn(grams[p], image);
          }
        }
      }
    }
    std::vector<uint32_t>().swap(last_image_);
  }

  // On real sets the table outgrows the caches: the n-grams of one order of
  // a caption are looked up after asking for all their slots, so that the
  // memory accesses overlap.
  void Prefetch(uint32_t prefix, uint32_t word) const { __builtin_prefetch(&slots_[Slot(Key(prefix, word))]); }

  uint32_t Find(uint32_t prefix, uint32_t word) const {
    const uint64_t key = Key(prefix, word);
    for (size_t i = Slot(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].id;
      if (slots_[i].key == kEmpty) return kAbsent;
    }
  }

  // Document frequency of n-gram `id`; 0 for words only candidates use.
  uint32_t df(uint32_t id) const { return df_[id]; }
  size_t size() const { return df_.size(); }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct SlotEntry {
    uint64_t key = kEmpty;
    uint32_t id = 0;
  };

  static uint64_t Key(uint32_t prefix, uint32_t word) { return uint64_t{prefix} << 32 | word; }
  // Fibonacci hashing: the top bits of key * 2^64/phi.
  size_t Slot(uint64_t key) const { return (key * 0x9e3779b97f4a7c15ULL) >> shift_; }

  uint32_t Add(uint32_t prefix, uint32_t word) {
    const uint64_t key = Key(prefix, word);
    size_t i = Slot(key);
    for (; slots_[i].key != kEmpty; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].id;
    }
    const auto id = static_cast<uint32_t>(df_.size());
    slots_[i] = {key, id};
    df_.push_back(0);
    last_image_.push_back(0);
    if (++used_ * 2 > slots_.size()) Grow();
    return id;
  }

  void CountIn(uint32_t id, uint32_t image) {
    if (last_image_[id] == image) return;  // once per image
    last_image_[id] = image;
    ++df_[id];
  }

  void Grow() {
    std::vector<SlotEntry> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    --shift_;
    for (const SlotEntry& s : old) {
      if (s.key == kEmpty) continue;
      size_t i = Slot(s.key);
      while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<SlotEntry> slots_;
  size_t mask_;
  int shift_;  // 64 - log2(slots_.size())
  size_t used_ = 0;
  std::vector<uint32_t> df_;          // by n-gram id
  std::vector<uint32_t> last_image_;  // by n-gram id, while counting
};

// ---- pass 3: per image ----

// A caption as precook() sees it: its n-gram counts for n = 1..4 in
// first-occurrence order (Python dict order), grouped by n, with CIDEr-D's
// tf-idf weights.
struct Cooked {
  size_t length = 0;                        // words
  std::array<size_t, kMaxN + 1> begin{};    // n-grams of order n: [begin[n-1], begin[n])
  // Grow-only buffers; entries [0, begin[kMaxN]) are this caption's.
  std::vector<uint32_t> ids;
  std::vector<uint32_t> counts;
  std::vector<double> weights;              // CIDEr-D tf-idf
  std::array<double, kMaxN> norm{};
  std::array<uint64_t, kMaxN> filter{};     // by order: FilterBit() of each n-gram
};

// A one-bit-per-id summary of a small set of ids: an id whose bit is clear
// is not in the set, which spares most linear searches.
uint64_t FilterBit(uint32_t id) { return uint64_t{1} << ((id * 0x9e3779b1u) >> 26); }

// Per-thread buffers, reused from image to image.
struct Scratch {
  std::vector<uint32_t> grams;            // ids of the n-grams starting at each position
  std::vector<uint64_t> candidate_only;   // keys of n-grams absent from the index
  std::vector<Cooked> cooked;             // candidate, then references
  std::vector<uint32_t> max_ref_count;    // BLEU: per candidate n-gram
  // ROUGE-L
  std::vector<size_t> lcs_row;
  std::vector<size_t> ref_tokens;         // per reference
  std::vector<uint64_t> word_positions;   // by word id: bits of candidate positions; zero between images
};

// Candidate n-grams that no reference has get ids of their own (high bit
// set), distinct within the caption; they never match a reference n-gram.
constexpr uint32_t kCandidateOnly = 0x80000000;

// Counts the n-grams of `words` (df.size() < 2^31, so ids stay below
// kCandidateOnly) and computes their weights: term frequency x (log(number
// of images) - log(max(1, df))), as counts_to_vec(); the second factor is
// looked up in `idf_term`, or is ref_len itself for df 0.
void Cook(std::span<const uint32_t> words, const NgramIndex& index, const std::vector<double>& idf_term,
          double ref_len, Scratch* scratch, Cooked* c) {
  const size_t length = words.size();
  c->length = length;
  if (c->ids.size() < kMaxN * length) {  // at most `length` n-grams of each order
    c->ids.resize(kMaxN * length);
    c->counts.resize(kMaxN * length);
    c->weights.resize(kMaxN * length);
  }
  if (scratch->grams.size() < length) scratch->grams.resize(length);
  // Raw pointers: the compiler keeps them in registers across the stores.
  uint32_t* ids = c->ids.data();
  uint32_t* counts = c->counts.data();
  uint32_t* grams = scratch->grams.data();  // ids of the n-grams starting at each position
  std::copy(words.begin(), words.end(), grams);
  scratch->candidate_only.clear();
  size_t distinct = 0;
  for (size_t n = 1; n <= kMaxN; ++n) {
    const size_t first = distinct, count = length >= n ? length - n + 1 : 0;
    c->begin[n - 1] = first;
    for (size_t p = 0; n > 1 && p < count; ++p) {
      if (!(grams[p] & kCandidateOnly)) index.Prefetch(grams[p], words[p + n - 1]);
    }
    for (size_t p = 0; n > 1 && p < count; ++p) {
      uint32_t prefix = grams[p], word = words[p + n - 1];
      uint32_t id = prefix & kCandidateOnly ? NgramIndex::kAbsent : index.Find(prefix, word);
      if (id == NgramIndex::kAbsent) {
        const uint64_t key = uint64_t{prefix} << 32 | word;
        auto& seen = scratch->candidate_only;
        size_t k = std::find(seen.begin(), seen.end(), key) - seen.begin();
        if (k == seen.size()) seen.push_back(key);
        id = kCandidateOnly | static_cast<uint32_t>(k);
      }
      grams[p] = id;
    }
    uint64_t filter = 0;
    for (size_t p = 0; p < count; ++p) {
      const uint32_t id = grams[p];
      const uint64_t bit = FilterBit(id);
      size_t k = filter & bit ? std::find(ids + first, ids + distinct, id) - ids : distinct;
      filter |= bit;
      if (k == distinct) {
        ids[distinct] = id;
        counts[distinct++] = 1;
      } else {
        ++counts[k];
      }
    }
    c->filter[n - 1] = filter;
  }
  c->begin[kMaxN] = distinct;

  double* weights = c->weights.data();
  for (size_t n = 1; n <= kMaxN; ++n) {
    double sum = 0.0;
    for (size_t j = c->begin[n - 1]; j < c->begin[n]; ++j) {
      double term = ids[j] & kCandidateOnly ? ref_len : idf_term[ids[j]];
      weights[j] = static_cast<double>(counts[j]) * term;
      sum += std::pow(weights[j], 2);
    }
    c->norm[n - 1] = std::sqrt(sum);
  }
}

// ---- BLEU (bleu_scorer.py) ----

constexpr double kTiny = 1e-15;
constexpr double kSmall = 1e-9;

struct BleuImage {
  long long testlen = 0, reflen = 0;
  std::array<long long, kMaxN> guess{}, correct{};
};

// Closest reference length; min over (|l - testlen|, l) prefers the shorter.
long long ClosestRefLength(long long testlen, std::span<const Cooked> refs) {
  long long best = -1;
  for (const Cooked& r : refs) {
    auto l = static_cast<long long>(r.length);
    if (best < 0 || std::llabs(l - testlen) < std::llabs(best - testlen) ||
        (std::llabs(l - testlen) == std::llabs(best - testlen) && l < best)) {
      best = l;
    }
  }
  return best;
}

// The per-image and corpus formula of BleuScorer.compute_score.
std::array<double, kMaxN> BleuFromCounts(double testlen, double reflen,
                                         const std::array<long long, kMaxN>& guess,
                                         const std::array<long long, kMaxN>& correct,
                                         double* ratio_out) {
  std::array<double, kMaxN> bleus{};
  double bleu = 1.0;
  for (int k = 0; k < kMaxN; ++k) {
    bleu *= (static_cast<double>(correct[k]) + kTiny) / (static_cast<double>(guess[k]) + kSmall);
    bleus[k] = std::pow(bleu, 1.0 / (k + 1));
  }
  double ratio = (testlen + kTiny) / (reflen + kSmall);
  if (ratio < 1) {
    for (int k = 0; k < kMaxN; ++k) bleus[k] *= std::exp(1 - 1 / ratio);
  }
  if (ratio_out) *ratio_out = ratio;
  return bleus;
}

// ---- ROUGE-L (rouge.py) ----

std::vector<std::string_view> SplitOnSpace(std::string_view s) {  // str.split(" ")
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t sp = s.find(' ', start);
    if (sp == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, sp - start));
    start = sp + 1;
  }
}

// my_lcs(): the classic dynamic programme, one row at a time; `diagonal`
// carries the previous row's [j-1].
size_t Lcs(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
           std::vector<size_t>* row) {
  row->assign(b.size() + 1, 0);
  size_t* r = row->data();
  for (std::string_view x : a) {
    size_t diagonal = 0;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = r[j];
      r[j] = x == b[j - 1] ? diagonal + 1 : std::max(above, r[j - 1]);
      diagonal = above;
    }
  }
  return r[b.size()];
}

// The same LCS length, bit-parallel (Hyyro 2004) for a candidate of at most
// 64 words: bit p of positions[w] marks candidate word p == w; bit p of v
// ends up 0 exactly when candidate prefixes through p gain a match.
size_t LcsWithCandidate(std::span<const uint32_t> reference, size_t candidate_words,
                        const std::vector<uint64_t>& positions) {
  uint64_t v = ~uint64_t{0};
  for (uint32_t w : reference) {
    uint64_t u = v & positions[w];
    v = (v + u) | (v - u);
  }
  const uint64_t used = candidate_words == 64 ? ~uint64_t{0} : (uint64_t{1} << candidate_words) - 1;
  return static_cast<size_t>(std::popcount(~v & used));
}

// Score from the LCS with each reference, given as a function of the reference index.
template <typename LcsFn>
double RougeFromLcs(size_t candidate_tokens, const std::vector<size_t>& ref_tokens, LcsFn lcs_of) {
  const double beta2 = std::pow(1.2, 2);
  double prec_max = 0, rec_max = 0;
  for (size_t k = 0; k < ref_tokens.size(); ++k) {
    auto lcs = static_cast<double>(lcs_of(k));
    double prec = lcs / static_cast<double>(candidate_tokens);
    double rec = lcs / static_cast<double>(ref_tokens[k]);
    prec_max = k == 0 ? prec : std::max(prec_max, prec);
    rec_max = k == 0 ? rec : std::max(rec_max, rec);
  }
  if (prec_max != 0 && rec_max != 0) {
    return ((1 + beta2) * prec_max * rec_max) / (rec_max + beta2 * prec_max);
  }
  return 0.0;
}

// ROUGE-L of image `image`, whose captions start at corpus caption `first`.
// When every caption is single-spaced, split(" ") tokens are the words, so
// the LCS runs on word ids (bit-parallel up to 64 candidate words);
// otherwise on the split(" ") strings.
double RougeL(const CaptionPair& image, const WordCorpus& corpus, size_t first, Scratch* scratch) {
  const size_t refs = image.references.size();
  std::span<const uint32_t> c = corpus.Words(first);
  bool ids = c.size() <= 64;
  for (size_t k = 0; k <= refs; ++k) ids = ids && corpus.captions[first + k].single_spaced;
  std::vector<size_t>& ref_tokens = scratch->ref_tokens;
  ref_tokens.resize(refs);
  if (ids) {
    std::vector<uint64_t>& positions = scratch->word_positions;
    for (size_t p = 0; p < c.size(); ++p) positions[c[p]] |= uint64_t{1} << p;
    for (size_t k = 0; k < refs; ++k) ref_tokens[k] = corpus.captions[first + 1 + k].size;
    double score = RougeFromLcs(c.size(), ref_tokens, [&](size_t k) {
      return LcsWithCandidate(corpus.Words(first + 1 + k), c.size(), positions);
    });
    for (uint32_t w : c) positions[w] = 0;
    return score;
  }
  std::vector<std::string_view> candidate = SplitOnSpace(image.candidate);
  std::vector<std::vector<std::string_view>> r;
  for (const std::string& ref : image.references) {
    r.push_back(SplitOnSpace(ref));
    ref_tokens[r.size() - 1] = r.back().size();
  }
  return RougeFromLcs(candidate.size(), ref_tokens,
                      [&](size_t k) { return Lcs(r[k], candidate, &scratch->lcs_row); });
}

// ---- CIDEr-D (cider_scorer.py) and BLEU counts of one image ----

// BLEU's clipped counts and CIDEr-D from the cooked candidate and references.
double CiderAndBleu(const Cooked& hyp, std::span<const Cooked> refs, Scratch* scratch, BleuImage* bleu) {
  constexpr double kSigma = 6.0;
  bleu->testlen = static_cast<long long>(hyp.length);
  bleu->reflen = ClosestRefLength(bleu->testlen, refs);
  for (int k = 0; k < kMaxN; ++k) bleu->guess[k] = std::max<long long>(0, bleu->testlen - k);

  scratch->max_ref_count.assign(hyp.begin[kMaxN], 0);
  uint32_t* max_ref_count = scratch->max_ref_count.data();
  const uint32_t* hyp_ids = hyp.ids.data();
  const double* hyp_weights = hyp.weights.data();
  std::array<double, kMaxN> score{};
  // The number of bigrams is the vector "length" CIDEr-D's penalty compares.
  auto bigrams = [](const Cooked& c) { return c.length >= 2 ? static_cast<long long>(c.length) - 1 : 0LL; };
  for (const Cooked& ref : refs) {
    double delta = static_cast<double>(bigrams(hyp) - bigrams(ref));
    double penalty = std::pow(2.718281828459045, -(std::pow(delta, 2)) / (2 * std::pow(kSigma, 2)));
    const uint32_t* ref_ids = ref.ids.data();
    const uint32_t* ref_counts = ref.counts.data();
    const double* ref_weights = ref.weights.data();
    for (size_t n = 1; n <= kMaxN; ++n) {
      double val = 0.0;
      const uint32_t* ref_begin = ref_ids + ref.begin[n - 1];
      const uint32_t* ref_end = ref_ids + ref.begin[n];
      for (size_t j = hyp.begin[n - 1]; j < hyp.begin[n]; ++j) {
        if (hyp_ids[j] & kCandidateOnly || !(ref.filter[n - 1] & FilterBit(hyp_ids[j]))) continue;
        const uint32_t* found = std::find(ref_begin, ref_end, hyp_ids[j]);
        if (found == ref_end) continue;  // adds min(w, 0) * 0 = 0
        size_t k = found - ref_ids;
        max_ref_count[j] = std::max(max_ref_count[j], ref_counts[k]);
        val += std::min(hyp_weights[j], ref_weights[k]) * ref_weights[k];
      }
      if (hyp.norm[n - 1] != 0 && ref.norm[n - 1] != 0) val /= (hyp.norm[n - 1] * ref.norm[n - 1]);
      val *= penalty;
      score[n - 1] += val;
    }
  }
  for (size_t n = 1; n <= kMaxN; ++n) {
    for (size_t j = hyp.begin[n - 1]; j < hyp.begin[n]; ++j) {
      bleu->correct[n - 1] += std::min(max_ref_count[j], hyp.counts[j]);
    }
  }
  // np.mean of the 4-vector, / number of refs, x 10.
  double avg = (0.0 + (((0.0 + score[0]) + score[1]) + score[2]) + score[3]) / kMaxN;
  avg /= static_cast<double>(refs.size());
  avg *= 10.0;
  return avg;
}

}  // namespace

CaptionScores ScoreCaptions(const std::vector<CaptionPair>& images, int threads) {
  const size_t n_images = images.size();
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, n_images / 64));
  CaptionScores out;

  std::vector<size_t> first_caption(n_images + 1, 0);
  for (size_t i = 0; i < n_images; ++i) {
    first_caption[i + 1] = first_caption[i] + 1 + images[i].references.size();
  }
  const WordCorpus corpus = SplitAllWords(images, first_caption, parts);
  const NgramIndex index(corpus, images, first_caption);

  // log(max(1, df)) depends only on df: one log per distinct value.
  const double ref_len = std::log(static_cast<double>(n_images));
  std::vector<double> idf_term(index.size());
  {
    std::vector<double> by_df(n_images + 1, -1.0);
    for (uint32_t id = 0; id < index.size(); ++id) {
      double& term = by_df[index.df(id)];
      if (term < 0) term = ref_len - std::log(std::max(1.0, static_cast<double>(index.df(id))));
      idf_term[id] = term;
    }
  }

  std::vector<BleuImage> bleu_counts(n_images);
  out.bleu_per_image.resize(n_images);
  out.rouge_l_per_image.resize(n_images);
  out.cider_per_image.resize(n_images);
  ForEachPart(n_images, parts, [&](size_t, size_t begin, size_t end) {
    Scratch scratch;
    scratch.word_positions.assign(corpus.vocabulary_size, 0);
    for (size_t i = begin; i < end; ++i) {
      const size_t first = first_caption[i], captions = first_caption[i + 1] - first;
      if (scratch.cooked.size() < captions) scratch.cooked.resize(captions);
      for (size_t k = 0; k < captions; ++k) {
        Cook(corpus.Words(first + k), index, idf_term, ref_len, &scratch, &scratch.cooked[k]);
      }
      std::span<const Cooked> refs(scratch.cooked.data() + 1, captions - 1);
      BleuImage& b = bleu_counts[i];
      out.cider_per_image[i] = CiderAndBleu(scratch.cooked[0], refs, &scratch, &b);
      out.bleu_per_image[i] = BleuFromCounts(static_cast<double>(b.testlen),
                                             static_cast<double>(b.reflen), b.guess, b.correct, nullptr);
      out.rouge_l_per_image[i] = RougeL(images[i], corpus, first, &scratch);
    }
  });

  BleuStats& stats = out.bleu_stats;
  for (const BleuImage& b : bleu_counts) {  // image order, as the scorer sums
    stats.testlen += b.testlen;
    stats.reflen += b.reflen;
    for (int k = 0; k < kMaxN; ++k) {
      stats.guess[k] += b.guess[k];
      stats.correct[k] += b.correct[k];
    }
  }
  out.bleu = BleuFromCounts(static_cast<double>(stats.testlen), static_cast<double>(stats.reflen),
                            stats.guess, stats.correct, &stats.ratio);
  out.rouge_l = numpy::Mean(out.rouge_l_per_image);
  out.cider = numpy::Mean(out.cider_per_image);
  return out;
}

}  // namespace svit::caption

#include "metrics/caption_metrics.h"

#include "metrics/python_number.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "metrics/python_text.h"

namespace svit::caption {
namespace {

constexpr int kMaxN = 4;
constexpr uint32_t kNoWord = 0xFFFFFFFF;

// An n-gram of word ids (unused slots kNoWord), with its hash.
struct NGram {
  std::array<uint32_t, kMaxN> words;
  uint64_t hash;
  int n() const {
    int k = 0;
    while (k < kMaxN && words[k] != kNoWord) ++k;
    return k;
  }
  bool operator==(const NGram& other) const { return words == other.words; }
};

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

// A caption as precook() sees it: its length and its n-gram counts for
// n = 1..4 in first-occurrence order (Python dict order), grouped by n.
struct Cooked {
  size_t length = 0;
  std::vector<NGram> grams;
  std::vector<int> counts;
  std::array<size_t, kMaxN + 1> begin{};  // grams of order n are [begin[n-1], begin[n])
};

Cooked Cook(const std::vector<uint32_t>& words) {
  Cooked c;
  c.length = words.size();
  for (int n = 1; n <= kMaxN; ++n) {
    c.begin[n - 1] = c.grams.size();
    for (size_t i = 0; i + n <= words.size(); ++i) {
      NGram g;
      g.words.fill(kNoWord);
      uint64_t h = n;
      for (int k = 0; k < n; ++k) {
        g.words[k] = words[i + k];
        h = Mix(h ^ (uint64_t{words[i + k]} + 0x9e3779b97f4a7c15ULL * (k + 1)));
      }
      g.hash = h;
      bool found = false;
      for (size_t j = c.begin[n - 1]; j < c.grams.size(); ++j) {
        if (c.grams[j].hash == h && c.grams[j] == g) {
          ++c.counts[j];
          found = true;
          break;
        }
      }
      if (!found) {
        c.grams.push_back(g);
        c.counts.push_back(1);
      }
    }
  }
  c.begin[kMaxN] = c.grams.size();
  return c;
}

// Count of `g` in `c` (0 if absent).
int CountOf(const Cooked& c, const NGram& g, int n) {
  for (size_t j = c.begin[n - 1]; j < c.begin[n]; ++j) {
    if (c.grams[j].hash == g.hash && c.grams[j] == g) return c.counts[j];
  }
  return 0;
}

// Open-addressing map from n-gram to document frequency.
class DocumentFrequency {
 public:
  explicit DocumentFrequency(size_t expected) {
    size_t capacity = 16;
    while (capacity < expected * 2) capacity <<= 1;
    slots_.resize(capacity);
    mask_ = capacity - 1;
  }
  // Counts `g` once per image (`image` = 1, 2, ... in order).
  void Add(const NGram& g, uint32_t image) {
    size_t i = g.hash & mask_;
    while (slots_[i].df != 0 && !(slots_[i].gram == g)) i = (i + 1) & mask_;
    if (slots_[i].last_image == image) return;
    slots_[i].last_image = image;
    if (slots_[i].df++ == 0) {
      slots_[i].gram = g;
      if (++size_ * 2 > slots_.size()) Grow();
    }
  }
  double Get(const NGram& g) const {
    size_t i = g.hash & mask_;
    while (slots_[i].df != 0) {
      if (slots_[i].gram == g) return slots_[i].df;
      i = (i + 1) & mask_;
    }
    return 0.0;
  }

 private:
  struct Slot {
    NGram gram;
    uint32_t df = 0;
    uint32_t last_image = 0;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.size() * 2);
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.df == 0) continue;
      size_t i = s.gram.hash & mask_;
      while (slots_[i].df != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// Runs fn(begin, end) over [0, n) split into `threads` contiguous parts.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  size_t parts = std::max<size_t>(1, std::min<size_t>(threads, n / 64));
  std::vector<std::thread> workers;
  for (size_t k = 1; k < parts; ++k) workers.emplace_back(fn, n * k / parts, n * (k + 1) / parts);
  fn(0, n / parts);
  for (auto& w : workers) w.join();
}

// ---- BLEU (bleu_scorer.py) ----

constexpr double kTiny = 1e-15;
constexpr double kSmall = 1e-9;

struct BleuImage {
  long long testlen = 0, reflen = 0;
  std::array<long long, kMaxN> guess{}, correct{};
};

BleuImage BleuCounts(const Cooked& test, const std::vector<Cooked>& refs) {
  BleuImage b;
  b.testlen = static_cast<long long>(test.length);
  // Closest reference length; min over (|l - testlen|, l) prefers the shorter.
  long long best = -1;
  for (const Cooked& r : refs) {
    long long l = static_cast<long long>(r.length);
    if (best < 0 || std::llabs(l - b.testlen) < std::llabs(best - b.testlen) ||
        (std::llabs(l - b.testlen) == std::llabs(best - b.testlen) && l < best)) {
      best = l;
    }
  }
  b.reflen = best;
  for (int k = 0; k < kMaxN; ++k) b.guess[k] = std::max<long long>(0, b.testlen - k);
  for (int n = 1; n <= kMaxN; ++n) {
    for (size_t j = test.begin[n - 1]; j < test.begin[n]; ++j) {
      int max_ref = 0;
      for (const Cooked& r : refs) max_ref = std::max(max_ref, CountOf(r, test.grams[j], n));
      b.correct[n - 1] += std::min(max_ref, test.counts[j]);
    }
  }
  return b;
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

size_t Lcs(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    prev.swap(cur);
  }
  return prev[b.size()];
}

double RougeL(const std::string& candidate, const std::vector<std::string>& refs) {
  const double beta2 = std::pow(1.2, 2);
  std::vector<std::string_view> c = SplitOnSpace(candidate);
  double prec_max = 0, rec_max = 0;
  bool first = true;
  for (const std::string& ref : refs) {
    std::vector<std::string_view> r = SplitOnSpace(ref);
    double lcs = static_cast<double>(Lcs(r, c));
    double prec = lcs / static_cast<double>(c.size());
    double rec = lcs / static_cast<double>(r.size());
    prec_max = first ? prec : std::max(prec_max, prec);
    rec_max = first ? rec : std::max(rec_max, rec);
    first = false;
  }
  if (prec_max != 0 && rec_max != 0) {
    return ((1 + beta2) * prec_max * rec_max) / (rec_max + beta2 * prec_max);
  }
  return 0.0;
}

// ---- CIDEr-D (cider_scorer.py) ----

struct TfIdf {
  std::vector<double> weights;  // parallel to Cooked::grams
  std::array<double, kMaxN> norm{};
  long long length = 0;  // number of bigrams
};

TfIdf CountsToVec(const Cooked& c, const DocumentFrequency& df, double ref_len) {
  TfIdf v;
  v.weights.resize(c.grams.size());
  for (int n = 1; n <= kMaxN; ++n) {
    double sum = 0.0;
    for (size_t j = c.begin[n - 1]; j < c.begin[n]; ++j) {
      double idf = std::log(std::max(1.0, df.Get(c.grams[j])));
      v.weights[j] = static_cast<double>(c.counts[j]) * (ref_len - idf);
      sum += std::pow(v.weights[j], 2);
      if (n == 2) v.length += c.counts[j];
    }
    v.norm[n - 1] = std::sqrt(sum);
  }
  return v;
}

std::array<double, kMaxN> Sim(const Cooked& hyp, const TfIdf& vh, const Cooked& ref, const TfIdf& vr) {
  constexpr double kSigma = 6.0;
  double delta = static_cast<double>(vh.length - vr.length);
  double penalty = std::pow(2.718281828459045, -(std::pow(delta, 2)) / (2 * std::pow(kSigma, 2)));
  std::array<double, kMaxN> val{};
  for (int n = 1; n <= kMaxN; ++n) {
    for (size_t j = hyp.begin[n - 1]; j < hyp.begin[n]; ++j) {
      double ref_weight = 0.0;
      for (size_t k = ref.begin[n - 1]; k < ref.begin[n]; ++k) {
        if (ref.grams[k].hash == hyp.grams[j].hash && ref.grams[k] == hyp.grams[j]) {
          ref_weight = vr.weights[k];
          break;
        }
      }
      val[n - 1] += std::min(vh.weights[j], ref_weight) * ref_weight;
    }
    if (vh.norm[n - 1] != 0 && vr.norm[n - 1] != 0) val[n - 1] /= (vh.norm[n - 1] * vr.norm[n - 1]);
    val[n - 1] *= penalty;
  }
  return val;
}

// Word ids of str.split() words, shared by BLEU and CIDEr.
class Vocabulary {
 public:
  std::vector<uint32_t> Words(const std::string& text) {
    std::vector<uint32_t> ids;
    for (std::string_view w : py::Split(text)) {
      auto [it, inserted] = ids_.emplace(w, static_cast<uint32_t>(ids_.size()));
      ids.push_back(it->second);
    }
    return ids;
  }

 private:
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace

CaptionScores ScoreCaptions(const std::vector<CaptionPair>& images, int threads) {
  const size_t n_images = images.size();
  CaptionScores out;

  // Word ids (serial: the vocabulary is shared).
  std::vector<std::vector<uint32_t>> test_words(n_images);
  std::vector<std::vector<std::vector<uint32_t>>> ref_words(n_images);
  {
    Vocabulary vocabulary;
    for (size_t i = 0; i < n_images; ++i) {
      test_words[i] = vocabulary.Words(images[i].candidate);
      for (const std::string& r : images[i].references) ref_words[i].push_back(vocabulary.Words(r));
    }
  }
  // CIDEr-D's document frequency: each image's set of reference n-grams.
  DocumentFrequency df(1 << 16);
  for (size_t i = 0; i < n_images; ++i) {
    for (const auto& w : ref_words[i]) {
      for (const NGram& g : Cook(w).grams) df.Add(g, static_cast<uint32_t>(i + 1));
    }
  }
  const double ref_len = std::log(static_cast<double>(n_images));

  // Per image, in parallel: BLEU counts, ROUGE-L, CIDEr-D.
  std::vector<BleuImage> bleu_counts(n_images);
  out.bleu_per_image.resize(n_images);
  out.rouge_l_per_image.resize(n_images);
  out.cider_per_image.resize(n_images);
  ParallelFor(n_images, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      Cooked test = Cook(test_words[i]);
      std::vector<Cooked> refs;
      for (const auto& w : ref_words[i]) refs.push_back(Cook(w));

      bleu_counts[i] = BleuCounts(test, refs);
      const BleuImage& b = bleu_counts[i];
      out.bleu_per_image[i] = BleuFromCounts(static_cast<double>(b.testlen),
                                             static_cast<double>(b.reflen), b.guess, b.correct, nullptr);

      out.rouge_l_per_image[i] = RougeL(images[i].candidate, images[i].references);

      TfIdf vh = CountsToVec(test, df, ref_len);
      std::array<double, kMaxN> score{};
      for (const Cooked& r : refs) {
        TfIdf vr = CountsToVec(r, df, ref_len);
        std::array<double, kMaxN> sim = Sim(test, vh, r, vr);
        for (int k = 0; k < kMaxN; ++k) score[k] += sim[k];
      }
      // np.mean of the 4-vector, / number of refs, x 10.
      double avg = (0.0 + (((0.0 + score[0]) + score[1]) + score[2]) + score[3]) / kMaxN;
      avg /= static_cast<double>(refs.size());
      avg *= 10.0;
      out.cider_per_image[i] = avg;
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

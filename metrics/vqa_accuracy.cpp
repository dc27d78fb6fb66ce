#include "metrics/vqa_accuracy.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "metrics/python_text.h"

namespace svit::vqa {
namespace {

constexpr std::string_view kPunctuation = ";/[]\"{}()=+\\_-><@`,?!";

bool IsPunct(char c) { return kPunctuation.find(c) != std::string_view::npos; }

// True if a decimal digit (any script, as Python's \d) starts at `pos`.
bool DigitAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  return py::IsDecimalDigit(py::NextCodePoint(text, &pos));
}

// True if a decimal digit ends right before `pos`.
bool DigitBefore(std::string_view text, size_t pos) {
  if (pos == 0) return false;
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return DigitAt(text, start);
}

bool HasCommaBetweenDigits(std::string_view text, bool evalai_rule) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ',' || !DigitBefore(text, i)) continue;
    size_t after = i + 1;
    if (evalai_rule) {
      while (after < text.size() && text[after] == ',') ++after;
    }
    if (DigitAt(text, after)) return true;
  }
  return false;
}

const std::unordered_map<std::string_view, std::string_view>& Contractions() {
  static const std::unordered_map<std::string_view, std::string_view> kContractions = {
      {"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"}, {"couldve", "could've"},
      {"couldnt", "couldn't"}, {"couldn'tve", "couldn't've"}, {"couldnt've", "couldn't've"},
      {"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"}, {"hadnt", "hadn't"},
      {"hadnt've", "hadn't've"}, {"hadn'tve", "hadn't've"}, {"hasnt", "hasn't"},
      {"havent", "haven't"}, {"hed", "he'd"}, {"hed've", "he'd've"}, {"he'dve", "he'd've"},
      {"hes", "he's"}, {"howd", "how'd"}, {"howll", "how'll"}, {"hows", "how's"},
      {"Id've", "I'd've"}, {"I'dve", "I'd've"}, {"Im", "I'm"}, {"Ive", "I've"}, {"isnt", "isn't"},
      {"itd", "it'd"}, {"itd've", "it'd've"}, {"it'dve", "it'd've"}, {"itll", "it'll"},
      {"let's", "let's"}, {"maam", "ma'am"}, {"mightnt", "mightn't"}, {"mightnt've", "mightn't've"},
      {"mightn'tve", "mightn't've"}, {"mightve", "might've"}, {"mustnt", "mustn't"},
      {"mustve", "must've"}, {"neednt", "needn't"}, {"notve", "not've"}, {"oclock", "o'clock"},
      {"oughtnt", "oughtn't"}, {"ow's'at", "'ow's'at"}, {"'ows'at", "'ow's'at"},
      {"'ow'sat", "'ow's'at"}, {"shant", "shan't"}, {"shed've", "she'd've"}, {"she'dve", "she'd've"},
      {"she's", "she's"}, {"shouldve", "should've"}, {"shouldnt", "shouldn't"},
      {"shouldnt've", "shouldn't've"}, {"shouldn'tve", "shouldn't've"}, {"somebody'd", "somebodyd"},
      {"somebodyd've", "somebody'd've"}, {"somebody'dve", "somebody'd've"},
      {"somebodyll", "somebody'll"}, {"somebodys", "somebody's"}, {"someoned", "someone'd"},
      {"someoned've", "someone'd've"}, {"someone'dve", "someone'd've"}, {"someonell", "someone'll"},
      {"someones", "someone's"}, {"somethingd", "something'd"}, {"somethingd've", "something'd've"},
      {"something'dve", "something'd've"}, {"somethingll", "something'll"}, {"thats", "that's"},
      {"thered", "there'd"}, {"thered've", "there'd've"}, {"there'dve", "there'd've"},
      {"therere", "there're"}, {"theres", "there's"}, {"theyd", "they'd"}, {"theyd've", "they'd've"},
      {"they'dve", "they'd've"}, {"theyll", "they'll"}, {"theyre", "they're"}, {"theyve", "they've"},
      {"twas", "'twas"}, {"wasnt", "wasn't"}, {"wed've", "we'd've"}, {"we'dve", "we'd've"},
      {"weve", "we've"}, {"werent", "weren't"}, {"whatll", "what'll"}, {"whatre", "what're"},
      {"whats", "what's"}, {"whatve", "what've"}, {"whens", "when's"}, {"whered", "where'd"},
      {"wheres", "where's"}, {"whereve", "where've"}, {"whod", "who'd"}, {"whod've", "who'd've"},
      {"who'dve", "who'd've"}, {"wholl", "who'll"}, {"whos", "who's"}, {"whove", "who've"},
      {"whyll", "why'll"}, {"whyre", "why're"}, {"whys", "why's"}, {"wont", "won't"},
      {"wouldve", "would've"}, {"wouldnt", "wouldn't"}, {"wouldnt've", "wouldn't've"},
      {"wouldn'tve", "wouldn't've"}, {"yall", "y'all"}, {"yall'll", "y'all'll"},
      {"y'allll", "y'all'll"}, {"yall'd've", "y'all'd've"}, {"y'alld've", "y'all'd've"},
      {"y'all'dve", "y'all'd've"}, {"youd", "you'd"}, {"youd've", "you'd've"},
      {"you'dve", "you'd've"}, {"youll", "you'll"}, {"youre", "you're"}, {"youve", "you've"},
  };
  return kContractions;
}

std::string_view NumberWord(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kNumbers = {{
      {"none", "0"}, {"zero", "0"}, {"one", "1"}, {"two", "2"}, {"three", "3"}, {"four", "4"},
      {"five", "5"}, {"six", "6"}, {"seven", "7"}, {"eight", "8"}, {"nine", "9"}, {"ten", "10"}}};
  for (const auto& [from, to] : kNumbers) {
    if (word == from) return to;
  }
  return word;
}

// numerator / denominator rounded to the nearest double, ties to even (what
// Python's int true division and float(Fraction) return). numerator < 2^70.
double DivideRounded(unsigned __int128 numerator, uint64_t denominator) {
  if (numerator == 0) return 0.0;
  auto bit_length = [](unsigned __int128 v) {
    int n = 0;
    while (v) {
      v >>= 1;
      ++n;
    }
    return n;
  };
  // Scale so the integer quotient has at least 56 bits: 53 kept, a rounding
  // bit, and room for a sticky bit standing for a non-zero remainder.
  int shift = std::max(0, 56 + bit_length(denominator) - bit_length(numerator));
  unsigned __int128 scaled = numerator << shift;
  unsigned __int128 quotient = scaled / denominator;
  if (scaled % denominator != 0) quotient |= 1;
  int drop = bit_length(quotient) - 53;
  unsigned __int128 kept = quotient >> drop;
  unsigned __int128 rest = quotient & ((static_cast<unsigned __int128>(1) << drop) - 1);
  unsigned __int128 half = static_cast<unsigned __int128>(1) << (drop - 1);
  if (rest > half || (rest == half && (kept & 1))) ++kept;
  return std::ldexp(static_cast<double>(static_cast<uint64_t>(kept)), drop - shift);
}

}  // namespace

std::string ProcessPunctuation(std::string_view text, bool evalai_comma_rule) {
  // Each mark is deleted when it touches a space anywhere in the original
  // text (or when the text has a comma between digits), else replaced by a
  // space. The decision depends only on the original text, so one pass does.
  std::array<bool, 128> remove{};
  bool remove_all = HasCommaBetweenDigits(text, evalai_comma_rule);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!IsPunct(c)) continue;
    if (remove_all || (i + 1 < text.size() && text[i + 1] == ' ') || (i > 0 && text[i - 1] == ' ')) {
      remove[static_cast<unsigned char>(c)] = true;
    }
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsPunct(c)) {
      if (!remove[static_cast<unsigned char>(c)]) out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  // periodStrip: delete '.' not followed by a digit; re.sub's third
  // positional argument is a count, and re.UNICODE == 32 caps the deletions.
  std::string stripped;
  stripped.reserve(out.size());
  int deletions = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '.' && deletions < 32 && !DigitAt(out, i + 1)) {
      ++deletions;
      continue;
    }
    stripped.push_back(out[i]);
  }
  return stripped;
}

std::string ProcessDigitArticle(std::string_view text) {
  std::string lower = py::Lower(text);
  std::string out;
  out.reserve(lower.size());
  const auto& contractions = Contractions();
  for (std::string_view word : py::Split(lower)) {
    word = NumberWord(word);
    if (word == "a" || word == "an" || word == "the") continue;
    auto it = contractions.find(word);
    if (it != contractions.end()) word = it->second;
    if (!out.empty()) out.push_back(' ');
    out.append(word);
  }
  return out;
}

std::string CleanWhitespace(std::string_view text) {
  std::string replaced(text);
  std::replace(replaced.begin(), replaced.end(), '\n', ' ');
  std::replace(replaced.begin(), replaced.end(), '\t', ' ');
  return std::string(py::Strip(replaced));
}

std::string EvalAiProcess(std::string_view text) {
  // word_tokenize: lower, drop ',' and '?', "'s" -> " 's", strip.
  std::string lower = py::Lower(text);
  std::string tokenized;
  tokenized.reserve(lower.size() + 8);
  for (size_t i = 0; i < lower.size(); ++i) {
    char c = lower[i];
    if (c == ',' || c == '?') continue;
    tokenized.push_back(c);
  }
  std::string spaced;
  spaced.reserve(tokenized.size() + 8);
  for (size_t i = 0; i < tokenized.size(); ++i) {
    if (tokenized[i] == '\'' && i + 1 < tokenized.size() && tokenized[i + 1] == 's') {
      spaced += " 's";
      ++i;
    } else {
      spaced.push_back(tokenized[i]);
    }
  }
  std::string item = CleanWhitespace(py::Strip(spaced));
  item = ProcessPunctuation(item, /*evalai_comma_rule=*/true);
  return ProcessDigitArticle(item);
}

double LeaveOneOutAccuracy(std::string_view answer, const std::vector<std::string>& gt) {
  if (gt.empty()) return 0.0;
  size_t matches = 0;
  for (const auto& g : gt) matches += (g == answer);
  double sum = 0.0;
  for (const auto& g : gt) {
    size_t others = matches - (g == answer ? 1 : 0);
    sum += std::min(1.0, static_cast<double>(others) / 3.0);
  }
  return sum / static_cast<double>(gt.size());
}

double LeaveOneOutAccuracyExactMean(std::string_view answer, const std::vector<std::string>& gt) {
  if (gt.empty()) return 0.0;
  size_t matches = 0;
  for (const auto& g : gt) matches += (g == answer);
  // Each term is min(1, k / 3.0) for k other matches: 0, 1/3, 2/3 or 1 as
  // doubles. All are integer multiples of 2^-54, so the exact sum is an integer
  // count of those units.
  const unsigned __int128 kUnitsPerTerm[4] = {
      0, static_cast<uint64_t>(std::ldexp(1.0 / 3.0, 54)),
      static_cast<uint64_t>(std::ldexp(2.0 / 3.0, 54)), static_cast<uint64_t>(1) << 54};
  unsigned __int128 units = 0;
  for (const auto& g : gt) {
    size_t others = matches - (g == answer ? 1 : 0);
    units += kUnitsPerTerm[std::min<size_t>(others, 3)];
  }
  return std::ldexp(DivideRounded(units, gt.size()), -54);
}

VqaEvalAnswers PrepareVqaEvalAnswers(const std::vector<std::string>& raw_answers) {
  VqaEvalAnswers prepared;
  prepared.answers.reserve(raw_answers.size());
  for (const auto& answer : raw_answers) prepared.answers.push_back(CleanWhitespace(answer));
  const auto& answers = prepared.answers;
  prepared.normalize = std::any_of(answers.begin(), answers.end(),
                                   [&](const std::string& a) { return a != answers.front(); });
  if (prepared.normalize) {
    for (auto& answer : prepared.answers) answer = ProcessDigitArticle(ProcessPunctuation(answer));
  }
  return prepared;
}

std::string VqaEvalProcessPrediction(std::string_view raw_prediction, const VqaEvalAnswers& gt) {
  std::string cleaned = CleanWhitespace(raw_prediction);
  if (!gt.normalize) return cleaned;
  return ProcessDigitArticle(ProcessPunctuation(cleaned));
}

double VqaEvalAccuracy(std::string_view raw_prediction, const VqaEvalAnswers& gt) {
  return LeaveOneOutAccuracy(VqaEvalProcessPrediction(raw_prediction, gt), gt.answers);
}

}  // namespace svit::vqa

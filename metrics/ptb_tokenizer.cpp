// The PTB3 lexical rules of CoreNLP 3.4.1 (PTBLexer), restated as patterns
// for the longest-match scanner, in the same priority order, with the token
// rewriting each rule applies under the default options. Rules that only
// matter with non-default options (strict Treebank 3, invertible output,
// americanize) are left out; they never fire in the official run.
#include "metrics/ptb_tokenizer.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <thread>

#include "metrics/longest_match_lexer.h"
#include "metrics/ptb_char_tables.h"
#include "metrics/python_text.h"

namespace svit::ptb {
namespace {

using lexer::CharSet;
using lexer::Pattern;

// What a rule does with its text.
enum class Action {
  kKeep,               // the text as is
  kPushback3,          // "cannot" -> "can" + "not": keep all but the last 3 units
  kPushback2,          // "gonna" -> "gon" + "na"
  kTwoUnits,           // "'twas"/"'tis" -> "'t" + rest
  kRemoveSoftHyphens,  // drop U+00AD (a token of only soft hyphens becomes "-")
  kSpacesToNbsp,       // ' ' -> U+00A0 (SGML, fractions)
  kPhone,              // ' ' -> U+00A0 and parentheses -> -LRB-/-RRB-
  kMdash,              // -> "--"
  kAmpersand,          // "&amp;" -> "&"
  kQuotesRight,        // quote characters -> '' or '
  kQuotesLeft,         // quote characters -> `` or `
  kFraction,           // ¼ ½ ¾ ⅓ ⅔ -> 1/4 ...
  kCurrency,           // ¢ £ € ... -> cents # $
  kAcronym,            // see ActOnAcronym
  kAbbrevPeriodAgain,  // keep "etc." and lex its period again
  kParens,             // ( ) inside smileys -> -LRB- -RRB-
  kLess,               // "<" / "&lt;" -> "<"
  kGreater,            // ">" / "&gt;" -> ">"
  kOpenBrace,
  kCloseBrace,
  kOpenBracket,
  kCloseBracket,
  kOpenParen,
  kCloseParen,
  kHyphens,  // 3 or 4 hyphens -> "--"
  kEllipsis, // -> "..."
  kSkip,     // whitespace, deleted characters
  kNewline,
};

struct ActionRule {
  lexer::Rule rule;
  Action action;
};

// ---- pattern helpers (the scanner is caseless for literals only) ----

Pattern Lit(std::u16string_view text) { return lexer::Caseless(text); }
Pattern Units(std::u16string_view chars) { return lexer::Chars(CharSet::Of(chars)); }
Pattern Span(char32_t lo, char32_t hi) { return lexer::Chars(CharSet::Span(lo, hi)); }
Pattern Set(std::vector<CharSet::Range> ranges) {
  return lexer::Chars(CharSet::FromRanges(std::move(ranges)));
}
Pattern Not(std::u16string_view chars) { return lexer::Chars(CharSet::Of(chars).Complement()); }
Pattern AnyLit(std::initializer_list<std::u16string_view> words) {
  std::vector<Pattern> options;
  for (auto w : words) options.push_back(Lit(w));
  return lexer::Alt(std::move(options));
}
using lexer::Alt;
using lexer::Opt;
using lexer::Plus;
using lexer::Repeat;
using lexer::Seq;
using lexer::Star;

CharSet AsciiLetters() { return CharSet::FromRanges({{'A', 'Z'}, {'a', 'z'}}); }
CharSet AsciiAlnum() { return CharSet::FromRanges({{'A', 'Z'}, {'a', 'z'}, {'0', '9'}}); }

std::vector<ActionRule> BuildRules() {
  const CharSet letter = JavaLetters();
  const CharSet digit_class = JavaDigits();
  const Pattern L = lexer::Chars(letter);                     // [:letter:]
  const Pattern Ld = lexer::Chars(letter.Union(digit_class)); // [:letter:]|[:digit:]
  const Pattern AsciiL = lexer::Chars(AsciiLetters());
  const Pattern AsciiLd = lexer::Chars(AsciiAlnum());
  const Pattern Digit09 = Span('0', '9');
  const Pattern Dot = Units(u".");

  // Markup and entities.
  const Pattern sgml_name =
      Seq({AsciiL, Star(lexer::Chars(AsciiAlnum().Union(CharSet::Of(u"_:.-"))))});
  const Pattern spaces0 = Star(Units(u" "));
  const Pattern sgml_attr =
      Alt({sgml_name, Seq({sgml_name, spaces0, Units(u"="), spaces0,
                           Alt({Seq({Units(u"'"), Star(Not(u"'")), Units(u"'")}),
                                Seq({Units(u"\""), Star(Not(u"\"")), Units(u"\"")})})})});
  const Pattern sgml = Seq(
      {Units(u"<"),
       Alt({Seq({Units(u"!?"), lexer::Chars(AsciiLetters().Union(CharSet::Of(u"-"))),
                 Star(Not(u">\r\n"))}),
            Seq({sgml_name, Star(Seq({Plus(Units(u" ")), sgml_attr})), spaces0, Opt(Units(u"/"))}),
            Seq({Units(u"/"), sgml_name})}),
       spaces0, Units(u">")});
  const Pattern spmdash =
      Alt({Seq({Lit(u"&"), AnyLit({u"MD", u"mdash", u"ndash"}), Lit(u";")}),
           Units(u"\u0096\u0097\u2013\u2014\u2015")});
  const Pattern spamp = Lit(u"&amp;");
  const Pattern sppunc =
      Seq({Lit(u"&"),
           Alt({AnyLit({u"HT", u"TL", u"UR", u"LR", u"QC", u"QL", u"QR", u"odq", u"cdq"}),
                Seq({Lit(u"#"), Plus(Digit09)})}),
           Lit(u";")});
  const Pattern splet =
      Seq({Lit(u"&"), Units(u"aeiouAEIOU"), AnyLit({u"acute", u"grave", u"uml"}), Lit(u";")});

  // White space and line ends.
  const CharSet space_set =
      CharSet::FromRanges({{' ', ' '}, {'\t', '\t'}, {0xA0, 0xA0}, {0x2000, 0x200A}, {0x3000, 0x3000}});
  const Pattern space = lexer::Chars(space_set);
  const Pattern newline =
      Alt({Units(u"\r"), Seq({Opt(Units(u"\r")), Units(u"\n")}), Units(u"\u2028\u2029\u000B\u000C\u0085")});
  const Pattern spacenl = Alt({space, newline});
  const Pattern spacenls = Plus(spacenl);
  const Pattern sentend = Seq({spacenl, Alt({spacenl, lexer::Chars(JavaUppercase()), sgml})});

  // Numbers.
  const CharSet digit_set = digit_class.Union(CharSet::Span(0x07C0, 0x07C9));
  const Pattern digit = lexer::Chars(digit_set);
  const Pattern date = Seq({Repeat(digit, 1, 2), Units(u"-/"), Repeat(digit, 1, 2), Units(u"-/"),
                            Repeat(digit, 2, 4)});
  const Pattern num =
      Alt({Plus(digit), Seq({Star(digit), Plus(Seq({Units(u".:,\u00AD\u066B\u066C"), Plus(digit)}))})});
  const Pattern number = Seq({Opt(Units(u"-+")), num});
  const Pattern subsupnum =
      Seq({Opt(Units(u"\u207A\u207B\u208A\u208B")),
           Alt({Plus(Set({{0x2070, 0x2070}, {0xB9, 0xB9}, {0xB2, 0xB3}, {0x2074, 0x2079}})),
                Plus(Span(0x2080, 0x2089))})});
  const Pattern frac = Seq({Opt(Seq({Repeat(digit, 1, 4), Units(u"- \u00A0")})), Repeat(digit, 1, 4),
                            Alt({Seq({Opt(Units(u"\\")), Units(u"/")}), Units(u"\u2044")}),
                            Repeat(digit, 1, 4)});
  const Pattern frac2 = Set({{0xBC, 0xBE}, {0x2153, 0x215E}});
  const Pattern dolsign = Alt({Seq({Star(Span('A', 'Z')), Units(u"$")}), Units(u"#")});
  const Pattern dolsign2 = Units(
      u"\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6");

  // Words. LETTER adds marks and modifiers that Java does not call letters.
  const CharSet letter_extra = CharSet::FromRanges({
      {0x00AD, 0x00AD}, {0x0237, 0x024F}, {0x02C2, 0x02C5}, {0x02D2, 0x02DF}, {0x02E5, 0x02FF},
      {0x0300, 0x036F}, {0x0370, 0x037D}, {0x0384, 0x0385}, {0x03CF, 0x03CF}, {0x03F6, 0x03F6},
      {0x03FC, 0x03FF}, {0x0483, 0x0487}, {0x04CF, 0x04CF}, {0x04F6, 0x04FF}, {0x0510, 0x0525},
      {0x055A, 0x055F}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2}, {0x05C4, 0x05C5},
      {0x05C7, 0x05C7}, {0x0615, 0x061A}, {0x063B, 0x063F}, {0x064B, 0x065E}, {0x0670, 0x0670},
      {0x06D6, 0x06EF}, {0x06FA, 0x06FF}, {0x070F, 0x070F}, {0x0711, 0x0711}, {0x0730, 0x074F},
      {0x0750, 0x077F}, {0x07A6, 0x07B1}, {0x07CA, 0x07F5}, {0x07FA, 0x07FA}, {0x0900, 0x0903},
      {0x093C, 0x093C}, {0x093E, 0x094E}, {0x0951, 0x0955}, {0x0962, 0x0963}, {0x0981, 0x0983},
      {0x09BC, 0x09C4}, {0x09C7, 0x09C8}, {0x09CB, 0x09CD}, {0x09D7, 0x09D7}, {0x09E2, 0x09E3},
      {0x0A01, 0x0A03}, {0x0A3C, 0x0A3C}, {0x0A3E, 0x0A4F}, {0x0A81, 0x0A83}, {0x0ABC, 0x0ACF},
      {0x0B82, 0x0B82}, {0x0BBE, 0x0BC2}, {0x0BC6, 0x0BC8}, {0x0BCA, 0x0BCD}, {0x0C01, 0x0C03},
      {0x0C3E, 0x0C56}, {0x0D3E, 0x0D44}, {0x0D46, 0x0D48}, {0x0E30, 0x0E3A}, {0x0E47, 0x0E4E},
      {0x0EB1, 0x0EBC}, {0x0EC8, 0x0ECD}});
  const Pattern word_letter = Alt({lexer::Chars(letter.Union(letter_extra)), splet});
  const Pattern word_letter_or_digit = Alt({lexer::Chars(letter.Union(letter_extra).Union(digit_set)), splet});
  const Pattern word_part = Seq({word_letter, Star(word_letter_or_digit)});
  const Pattern word = Seq({word_part, Star(Seq({Units(u".!?"), word_part}))});
  const Pattern filename_ext =
      AnyLit({u"bat", u"bmp", u"c", u"class", u"cgi", u"cpp", u"dll", u"doc", u"docx", u"exe",
              u"gif", u"gz", u"h", u"htm", u"html", u"jar", u"java", u"jpeg", u"jpg", u"mov",
              u"mp3", u"pdf", u"php", u"pl", u"png", u"ppt", u"ps", u"py", u"sql", u"tar", u"txt",
              u"wav", u"x", u"xml", u"zip"});
  const Pattern filename = Seq({Plus(word_letter_or_digit), Star(Seq({Dot, Plus(word_letter_or_digit)})),
                                Dot, filename_ext});

  const Pattern apos = Alt({Units(u"'\u0092\u2019"), Lit(u"&apos;")});
  const Pattern apos_etc = Alt({apos, Units(u"`\u0091\u2018\u201B")});
  const Pattern hyphen = Units(u"-_\u058A\u2010\u2011");
  const Pattern elided = Opt(Seq({Units(u"dDoOlL"), apos_etc, Ld}));  // d'..., o'..., l'...
  const Pattern thing =
      Seq({elided, Plus(Ld), Star(Seq({hyphen, elided, Plus(Ld)}))});
  const Pattern upper_run = Plus(Span('A', 'Z'));
  const Pattern thinga = Seq({upper_run, Plus(Seq({Alt({Units(u"+&"), spamp}), upper_run}))});
  const Pattern alnum_hyphenated =
      Seq({Plus(AsciiLd), Repeat(Seq({Units(u"-"), Plus(AsciiL)}), 0, 2)});
  const Pattern thing3 = Seq({alnum_hyphenated,
                              Repeat(Seq({Opt(Units(u"\\")), Units(u"/"), alnum_hyphenated}), 1, 2)});

  const Pattern acro_tail =
      Alt({Seq({AnyLit({u"Canada", u"Sino", u"Korean", u"EU", u"Japan", u"non"}), Lit(u"-U.S")}),
           Seq({Lit(u"U.S.-"), AnyLit({u"U.K", u"U.S.S.R"})})});
  const Pattern acro = Alt({Seq({AsciiL, Star(Seq({Dot, AsciiL}))}), acro_tail});
  const Pattern acro2 = Alt({Seq({AsciiL, Plus(Seq({Dot, AsciiL}))}), acro_tail});
  const Pattern hthing =
      Seq({AsciiLd, Star(lexer::Chars(AsciiAlnum().Union(CharSet::Of(u".,\u00AD")))),
           Plus(Seq({Units(u"-"), Alt({Plus(lexer::Chars(AsciiAlnum().Union(CharSet::Of(u"\u00AD")))),
                                       Seq({acro2, Dot})})}))});
  const Pattern redaux = Seq({apos, Alt({Units(u"msdMSD"), AnyLit({u"re", u"ve", u"ll"})})});
  const Pattern sword = Seq({Star(lexer::Chars(AsciiLetters().Union(CharSet::Of(u"\u00AD")))),
                             Set({{'A', 'M'}, {'O', 'Z'}, {'a', 'm'}, {'o', 'z'}}),
                             Star(Units(u"\u00AD"))});
  const Pattern sredaux = Seq({Lit(u"n"), apos_etc, Lit(u"t")});
  const Pattern apoword = Alt({
      Seq({apos, Lit(u"n"), Opt(apos)}),
      Seq({Units(u"lLdDjJ"), apos}),
      Seq({Lit(u"Dunkin"), apos}),
      Seq({Lit(u"somethin"), apos}),
      Seq({Lit(u"ol"), apos}),
      Seq({apos, Lit(u"em")}),
      Seq({Set({{'A', 'H'}, {'J', 'X'}, {'Z', 'Z'}, {'n', 'n'}}), apos_etc, L, L, Star(L)}),
      Seq({apos, Span('2', '9'), Lit(u"0s")}),
      Seq({apos, Lit(u"til"), Opt(Lit(u"l"))}),
      Seq({L, Star(L), Units(u"aeiouyAEIOUY"), apos_etc, Set({{'a', 'a'}, {'e', 'e'}, {'i', 'i'},
                                                               {'o', 'o'}, {'u', 'u'}, {'A', 'Z'}}),
           Star(L)}),
      Seq({apos, Lit(u"cause")}),
      Seq({Lit(u"cont'd"), Opt(Dot)}),
      AnyLit({u"'twas", u"nor'easter", u"c'mon", u"e'er", u"s'mores", u"ev'ry", u"li'l", u"nat'l"}),
      Seq({Lit(u"O"), apos_etc, Lit(u"o")}),
  });
  const Pattern apoword2 = Seq({Lit(u"y"), apos});

  // URLs, e-mail, Twitter.
  const Pattern fullurl = Seq({Lit(u"http"), Opt(Lit(u"s")), Lit(u"://"),
                               Plus(Not(u" \t\n\f\r\"<>|(){}")), Not(u" \t\n\f\r\"<>|.!?(){},-")});
  // The second host class excludes the whole range ',' .. '_' (it is written
  // ",-_" in the original), so that form never has digits or capitals.
  const Pattern host_label =
      lexer::Chars(CharSet::Of(u" \t\n\f\r\"`'<>|.!?(){}$").Union(CharSet::Span(',', '_')).Complement());
  const Pattern likelyurl = Seq(
      {Alt({Seq({Lit(u"www."), Plus(Seq({Plus(Not(u" \t\n\f\r\"<>|.!?(){},")), Dot})),
                 Repeat(AsciiL, 2, 4)}),
            Seq({Plus(Seq({Plus(host_label), Dot})), AnyLit({u"com", u"net", u"org", u"edu"})})}),
       Opt(Seq({Units(u"/"), Plus(Not(u" \t\n\f\r\"<>|()")), Not(u" \t\n\f\r\"<>|.!?(){},-")}))});
  const Pattern email_part = Plus(Not(u" \t\n\f\r\"<>|(){}.\u00A0"));
  const Pattern email =
      Seq({Opt(Alt({Lit(u"&lt;"), Units(u"<")})), AsciiLd, Star(Not(u" \t\n\f\r\"<>|()\u00A0{}")),
           Units(u"@"), Star(Seq({email_part, Dot})), email_part, Opt(Alt({Lit(u"&gt;"), Units(u">")}))});
  const Pattern twitter =
      Alt({Seq({Units(u"@"), lexer::Chars(AsciiLetters().Union(CharSet::Of(u"_"))),
                Star(lexer::Chars(AsciiAlnum().Union(CharSet::Of(u"_"))))}),
           Seq({Units(u"#"), Plus(word_letter)})});

  // Abbreviations. Capitals in single-letter classes ([A]z) are case-sensitive.
  auto Cap = [](char16_t c, std::u16string_view rest) {
    return Seq({Units(std::u16string_view(&c, 1)), Lit(rest)});
  };
  const Pattern abbrev1 = Seq({Alt({
      AnyLit({u"Jan", u"Feb", u"Mar", u"Apr", u"Jun", u"Jul", u"Aug", u"Sep", u"Sept", u"Oct", u"Nov",
              u"Dec"}),
      AnyLit({u"Mon", u"Tue", u"Tues", u"Wed", u"Thu", u"Thurs", u"Fri"}),
      AnyLit({u"Ala", u"Ariz"}), Cap('A', u"z"), Cap('A', u"rk"),
      AnyLit({u"Calif", u"Colo", u"Conn", u"Ct", u"Dak"}), Cap('D', u"el"), AnyLit({u"Fla", u"Ga"}),
      Cap('I', u"ll"), AnyLit({u"Ind", u"Kan", u"Kans", u"Ky"}), Cap('L', u"a"), Cap('M', u"ass"),
      AnyLit({u"Md", u"Mich", u"Minn"}), Cap('M', u"iss"),
      AnyLit({u"Mo", u"Mont", u"Neb", u"Nev", u"Okla"}), Cap('O', u"re"), Cap('P', u"a"),
      AnyLit({u"Penn", u"Tenn"}), Cap('T', u"ex"), AnyLit({u"Va", u"Vt"}), Cap('W', u"ash"),
      AnyLit({u"Wis", u"Wisc", u"Wyo"}),
      AnyLit({u"Inc", u"Co", u"Cos", u"Corp"}),
      Seq({Lit(u"p"), Opt(Lit(u"p")), Lit(u"t"), Units(u"ye"), Opt(Lit(u"s"))}),
      AnyLit({u"Ltd", u"Plc", u"Rt", u"Bancorp", u"Bhd", u"Assn", u"Univ", u"Intl", u"Sys"}),
      AnyLit({u"tel", u"est", u"ext", u"sq"}),
      AnyLit({u"Jr", u"Sr", u"Bros", u"Ed.D", u"Ph.D", u"Blvd", u"Rd", u"Esq"}),
      AnyLit({u"etc", u"al", u"seq", u"Bldg"})}), Dot});
  const Pattern abbrev4 = Alt({
      AnyLit({u"Mr", u"Mrs", u"Ms"}), Cap('M', u"iss"),
      AnyLit({u"Dr", u"Drs", u"Prof", u"Profs", u"Sen", u"Sens", u"Rep", u"Reps", u"Atty", u"Attys",
              u"Lt", u"Col", u"Gen", u"Messrs", u"Gov", u"Govs", u"Adm", u"Rev", u"Maj", u"Sgt",
              u"Cpl", u"Pvt", u"Capt", u"St", u"Ste", u"Ave", u"Pres", u"Lieut", u"Hon", u"Brig",
              u"Cmdr", u"Comdr", u"Pfc", u"Spc", u"Supt", u"Supts", u"Det", u"Mt", u"Ft", u"Adj",
              u"Adv", u"Asst", u"Assoc", u"Ens", u"Insp", u"Mlle", u"Mme", u"Msgr", u"Sfc"}),
      AnyLit({u"vs", u"Alex", u"Wm", u"Jos", u"Cie", u"a.k.a", u"cf", u"TREAS", u"Ph"}),
      acro,
      AnyLit({u"Invt", u"Elec", u"Natl"}), Seq({Lit(u"M"), Units(u"ft"), Lit(u"g")}), Lit(u"Dept")});
  const Pattern abbrev2 = Seq({abbrev4, Dot});
  const Pattern acronym = Seq({acro, Dot});
  const Pattern abbrev3 =
      Seq({AnyLit({u"ca", u"fig", u"figs", u"prop", u"no", u"nos", u"art", u"bldg", u"pp", u"op"}), Dot});
  // Words after which an acronym's period also ends the sentence.
  const Pattern sentence_starters = Alt({
      Cap('A', u"bout"), Cap('A', u"ccording"), Cap('A', u"dditionally"), Cap('A', u"fter"),
      Cap('A', u"n"), Units(u"A"), Cap('A', u"s"), Cap('A', u"t"), Cap('B', u"ut"),
      Cap('E', u"arlier"), Cap('H', u"e"), Cap('H', u"er"), Cap('H', u"ere"), Cap('H', u"owever"),
      Cap('I', u"f"), Cap('I', u"n"), Cap('I', u"t"), Cap('L', u"ast"), Cap('M', u"any"),
      Cap('M', u"ore"), Cap('M', u"r."), Cap('M', u"s."), Cap('N', u"ow"), Cap('O', u"nce"),
      Cap('O', u"ne"), Cap('O', u"ther"), Cap('O', u"ur"), Cap('S', u"he"), Cap('S', u"ince"),
      Cap('S', u"o"), Cap('S', u"ome"), Cap('S', u"uch"), Cap('T', u"hat"), Cap('T', u"he"),
      Cap('T', u"heir"), Cap('T', u"hen"), Cap('T', u"here"), Cap('T', u"hese"), Cap('T', u"hey"),
      Cap('T', u"his"), Cap('W', u"e"), Cap('W', u"hen"), Cap('W', u"hile"), Cap('W', u"hat"),
      Cap('Y', u"et"), Cap('Y', u"ou"), sgml});

  const Pattern phone_sep = Units(u"- \u00A0");
  const Pattern plus12 = Opt(Seq({Units(u"+"), Opt(Units(u"+"))}));
  const Pattern phone = Alt({
      Seq({Alt({Seq({Units(u"("), Repeat(Digit09, 2, 3), Units(u")"), Opt(Units(u" \u00A0"))}),
                Seq({plus12, Opt(Seq({Repeat(Digit09, 2, 4), phone_sep})), Repeat(Digit09, 2, 4),
                     phone_sep})}),
           Repeat(Digit09, 3, 4), Opt(phone_sep), Repeat(Digit09, 3, 5)}),
      Seq({Opt(Seq({plus12, Repeat(Digit09, 2, 4), Dot})), Repeat(Digit09, 2, 4), Dot,
           Repeat(Digit09, 3, 4), Dot, Repeat(Digit09, 3, 5)})});

  // Punctuation and symbols.
  const Pattern ldots = Alt({Repeat(Dot, 3, 5), Seq({Repeat(Seq({Dot, Units(u" \u00A0")}), 2, 4), Dot}),
                             Units(u"\u0085\u2026")});
  const Pattern fnmarks = Alt({Plus(Units(u"@")), Plus(Units(u"#")), Plus(Units(u"_"))});
  const Pattern asts = Alt({Plus(Units(u"*")), Repeat(Seq({Units(u"\\"), Units(u"*")}), 1, 3)});
  const Pattern insentp = Units(u",;:\u3001");
  const Pattern quotes =
      Alt({apos, Lit(u"''"),
           Repeat(Units(u"`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F"
                        u"\u2039\u203A\u00AB\u00BB"),
                  1, 2)});
  const Pattern dblquot = Alt({Units(u"\""), Lit(u"&quot;")});
  const Pattern tbspec =
      Alt({Seq({Lit(u"-"), AnyLit({u"RRB", u"LRB", u"RCB", u"LCB", u"RSB", u"LSB"}), Lit(u"-")}),
           AnyLit({u"C.D.s", u"pro-", u"anti-"}),
           Seq({Lit(u"S"), Alt({Units(u"&"), spamp}), AnyLit({u"P-500", u"Ls"})}),
           Seq({Lit(u"Cap"), apos, Lit(u"n")}), Seq({Lit(u"c"), apos, Lit(u"est")})});
  const Pattern tbspec2 = Seq({apos, Digit09, Digit09});
  const Pattern smiley = Seq({Opt(Units(u"<>")), Units(u":;="), Opt(Units(u"-o*'")),
                              Units(u"()DPdpO\\{@|[]")});
  const Pattern asian_face = Units(u"^x=~<>");
  const Pattern asian_face2 = Units(u"-^x=~<>'");
  const Pattern asian_smiley = Alt({
      // Written "[\^x=~<>]\.\[\^x=~<>]" in the original: a bracket is escaped,
      // so this form needs the literal text "[^x=~<>]" after the dot.
      Seq({asian_face, Dot, Lit(u"[^x=~<>]")}),
      Seq({asian_face2, Units(u"_"), asian_face2}),
      Seq({Units(u"("), asian_face2, Opt(Units(u"_.")), asian_face2, Units(u")")}),
      Seq({Units(u"("), Units(u"^x=~<>'"), Units(u"-"), Units(u"^x=~<>'`"), Units(u")")})});
  const Pattern miscsymbol = Set({
      {'+', '+'}, {'%', '%'}, {'&', '&'}, {'~', '~'}, {'^', '^'}, {'|', '|'}, {'\\', '\\'},
      {0xA6, 0xA6}, {0xA7, 0xA7}, {0xA8, 0xA8}, {0xA9, 0xA9}, {0xAC, 0xAC}, {0xAE, 0xAE},
      {0xAF, 0xAF}, {0xB0, 0xBA}, {0xD7, 0xD7}, {0xF7, 0xF7}, {0x0387, 0x0387}, {0x05BE, 0x05BE},
      {0x05C0, 0x05C0}, {0x05C3, 0x05C3}, {0x05C6, 0x05C6}, {0x05F3, 0x05F4}, {0x0600, 0x0603},
      {0x0606, 0x060A}, {0x060C, 0x060C}, {0x0614, 0x0614}, {0x061B, 0x061B}, {0x061E, 0x061E},
      {0x066A, 0x066A}, {0x066D, 0x066D}, {0x0703, 0x070D}, {0x07F6, 0x07F8}, {0x0964, 0x0965},
      {0x0E4F, 0x0E4F}, {0x1FBD, 0x1FBD}, {0x2016, 0x2017}, {0x2020, 0x2023}, {0x2030, 0x2038},
      {0x203B, 0x203B}, {0x203E, 0x2042}, {0x2044, 0x2044}, {0x207A, 0x207F}, {0x208A, 0x208E},
      {0x2100, 0x214F}, {0x2190, 0x21FF}, {0x2200, 0x2BFF}, {0x3012, 0x3012}, {0x30FB, 0x30FB},
      {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}});

  const Pattern none;
  auto R = [](Pattern body, Pattern trailing, Action action) {
    return ActionRule{lexer::Rule{std::move(body), std::move(trailing)}, action};
  };
  return {
      R(Lit(u"c++"), none, Action::kKeep),
      R(Seq({Units(u"cCfF"), Units(u"#")}), none, Action::kKeep),
      R(Lit(u"cannot"), none, Action::kPushback3),
      R(Lit(u"'twas"), none, Action::kTwoUnits),
      R(Lit(u"'tis"), none, Action::kTwoUnits),
      R(AnyLit({u"gonna", u"gotta", u"lemme", u"gimme", u"wanna"}), none, Action::kPushback2),
      R(sgml, none, Action::kSpacesToNbsp),
      R(spmdash, none, Action::kMdash),
      R(spamp, none, Action::kAmpersand),
      R(sppunc, none, Action::kKeep),
      R(word, redaux, Action::kRemoveSoftHyphens),
      R(sword, sredaux, Action::kRemoveSoftHyphens),
      R(word, none, Action::kRemoveSoftHyphens),
      R(apoword, none, Action::kKeep),
      R(apoword2, L, Action::kKeep),
      R(fullurl, none, Action::kKeep),
      R(likelyurl, none, Action::kKeep),
      R(email, none, Action::kKeep),
      R(twitter, none, Action::kKeep),
      R(redaux, lexer::Chars(AsciiLetters().Complement()), Action::kQuotesRight),
      R(sredaux, lexer::Chars(AsciiLetters().Complement()), Action::kQuotesRight),
      R(date, none, Action::kKeep),
      R(number, none, Action::kRemoveSoftHyphens),
      R(subsupnum, none, Action::kKeep),
      R(frac, none, Action::kSpacesToNbsp),
      R(frac2, none, Action::kFraction),
      R(tbspec, none, Action::kAmpersand),
      R(thing3, none, Action::kKeep),
      R(dolsign, none, Action::kKeep),
      R(dolsign2, none, Action::kCurrency),
      R(acronym, Seq({spacenls, sentence_starters, spacenl}), Action::kAcronym),
      R(abbrev3, Seq({Opt(spacenl), lexer::Chars(digit_class)}), Action::kKeep),
      R(Seq({Alt({Seq({Lit(u"pt"), Units(u"eyEY")}), Lit(u"co")}), Dot}),
        Seq({space, AnyLit({u"ltd", u"lim"})}), Action::kKeep),
      R(abbrev1, sentend, Action::kAbbrevPeriodAgain),
      R(abbrev1, Seq({lexer::Chars(CharSet::Any()), lexer::Chars(CharSet::Any())}), Action::kKeep),
      R(abbrev1, none, Action::kAbbrevPeriodAgain),
      R(abbrev2, none, Action::kKeep),
      R(abbrev4, space, Action::kKeep),
      R(acro, spacenl, Action::kKeep),
      R(tbspec2, spacenl, Action::kKeep),
      R(filename, Alt({spacenl, Units(u".?!,")}), Action::kKeep),
      R(Seq({word, Dot}), insentp, Action::kRemoveSoftHyphens),
      R(phone, none, Action::kPhone),
      R(dblquot, lexer::Chars(AsciiAlnum().Union(CharSet::Of(u"$"))), Action::kQuotesLeft),
      R(dblquot, none, Action::kQuotesRight),
      R(Units(u"\x7f"), none, Action::kSkip),
      R(Alt({Units(u"<"), Lit(u"&lt;")}), none, Action::kLess),
      R(Alt({Units(u">"), Lit(u"&gt;")}), none, Action::kGreater),
      R(smiley, lexer::Chars(AsciiAlnum().Complement()), Action::kParens),
      R(asian_smiley, none, Action::kParens),
      R(Units(u"{"), none, Action::kOpenBrace),
      R(Units(u"}"), none, Action::kCloseBrace),
      R(Units(u"["), none, Action::kOpenBracket),
      R(Units(u"]"), none, Action::kCloseBracket),
      R(Units(u"("), none, Action::kOpenParen),
      R(Units(u")"), none, Action::kCloseParen),
      R(Plus(Units(u"-")), none, Action::kHyphens),
      R(ldots, none, Action::kEllipsis),
      R(fnmarks, none, Action::kKeep),
      R(asts, none, Action::kKeep),
      R(insentp, none, Action::kKeep),
      R(Plus(Units(u"?!")), none, Action::kKeep),
      R(Set({{'.', '.'}, {0xA1, 0xA1}, {0xBF, 0xBF}, {0x037E, 0x037E}, {0x0589, 0x0589},
             {0x061F, 0x061F}, {0x06D4, 0x06D4}, {0x0700, 0x0702}, {0x07FA, 0x07FA}, {0x3002, 0x3002}}),
        none, Action::kKeep),
      R(Units(u"="), none, Action::kKeep),
      R(Units(u"/"), none, Action::kKeep),
      R(Seq({hthing, Dot}), insentp, Action::kRemoveSoftHyphens),
      R(hthing, none, Action::kRemoveSoftHyphens),
      R(Seq({thing, Dot}), insentp, Action::kKeep),
      R(thing, none, Action::kKeep),
      R(Seq({thinga, Dot}), insentp, Action::kAmpersand),
      R(thinga, none, Action::kAmpersand),
      R(Units(u"'"), Seq({AsciiL, Not(u" \t\n\r\u00A0")}), Action::kQuotesLeft),
      R(redaux, none, Action::kQuotesRight),
      R(sredaux, none, Action::kQuotesRight),
      R(quotes, none, Action::kQuotesRight),
      R(Alt({Lit(u"<<"), Lit(u">>")}), none, Action::kKeep),
      R(miscsymbol, none, Action::kKeep),
      R(Alt({Units(std::u16string_view(u"\0", 1)), Plus(space), Units(u"\u200B\u200E\u200F\uFEFF")}),
        none, Action::kSkip),
      R(newline, none, Action::kNewline),
      R(Lit(u"&nbsp;"), none, Action::kSkip),
      R(Not(u"\n"), none, Action::kSkip),  // untokenizable: deleted
  };
}

// The compiled rules, shared by every thread.
struct Rules {
  Rules() {
    std::vector<ActionRule> rules = BuildRules();
    std::vector<lexer::Rule> patterns;
    for (auto& r : rules) {
      patterns.push_back(r.rule);
      actions.push_back(r.action);
    }
    spec = std::make_unique<lexer::LexerSpec>(patterns);
  }
  std::vector<Action> actions;
  std::unique_ptr<lexer::LexerSpec> spec;
};

const Rules& SharedRules() {
  static const Rules rules;
  return rules;
}

// ---- token rewriting ----

void ReplaceAll(std::u16string* s, std::u16string_view from, std::u16string_view to,
                bool ascii_caseless = false) {
  std::u16string out;
  size_t i = 0;
  while (i < s->size()) {
    bool hit = i + from.size() <= s->size();
    for (size_t k = 0; hit && k < from.size(); ++k) {
      char16_t a = (*s)[i + k], b = from[k];
      if (ascii_caseless) {
        if (a >= 'A' && a <= 'Z') a += 32;
        if (b >= 'A' && b <= 'Z') b += 32;
      }
      hit = a == b;
    }
    if (hit) {
      out += to;
      i += from.size();
    } else {
      out.push_back((*s)[i++]);
    }
  }
  s->swap(out);
}

void MapUnits(std::u16string* s, std::u16string_view units, std::u16string_view to) {
  std::u16string out;
  for (char16_t c : *s) {
    if (units.find(c) != std::u16string_view::npos) {
      out += to;
    } else {
      out.push_back(c);
    }
  }
  s->swap(out);
}

// CoreNLP's LaTeX quote normalization: ASCII quotes by the guessed side, then
// curly and CP1252 quotes by their own side.
void LatexQuotes(std::u16string* s, bool probably_left) {
  ReplaceAll(s, u"&apos;", probably_left ? u"`" : u"'");
  MapUnits(s, u"'", probably_left ? u"`" : u"'");
  MapUnits(s, u"\"", probably_left ? u"``" : u"''");
  ReplaceAll(s, u"&quot;", probably_left ? u"``" : u"''");
  MapUnits(s, u"\u0091\u2018\u201B\u2039", u"`");
  MapUnits(s, u"\u0092\u2019\u203A", u"'");
  MapUnits(s, u"\u0093\u201C\u00AB", u"``");
  MapUnits(s, u"\u0094\u201D\u00BB", u"''");
}

std::u16string RemoveSoftHyphens(std::u16string_view text) {
  std::u16string out;
  for (char16_t c : text) {
    if (c != 0xAD) out.push_back(c);
  }
  if (out.empty()) out = u"-";
  return out;
}

// ---- lower-casing as Java's String.toLowerCase(Locale.ENGLISH) ----

locale_t Utf8Locale() {
  static locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return locale;
}

char32_t LowerCodePoint(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  locale_t locale = Utf8Locale();
  return locale ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), locale)) : cp;
}

bool IsCased(char32_t cp) {
  locale_t locale = Utf8Locale();
  return locale && (iswupper_l(static_cast<wint_t>(cp), locale) ||
                    iswlower_l(static_cast<wint_t>(cp), locale));
}

std::vector<char32_t> CodePoints(std::u16string_view text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size(); ++i) {
    char16_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      out.push_back(0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00));
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Java decides the final sigma within a word of its (pre-ICU) word
// BreakIterator: letters joined by dashes, apostrophes, quotes or periods;
// numbers joined by commas or periods; a word and a number may alternate.
// This is that segmentation, enough for the characters tokens contain.
bool IsLetterLike(char32_t cp) {
  return cp < 0x10000 && (JavaLetters().Contains(cp) || (cp >= 0x300 && cp <= 0x36F));
}
bool IsDigitLike(char32_t cp) { return cp < 0x10000 && JavaDigits().Contains(cp); }
bool IsMidWord(char32_t cp) {
  return cp == '-' || cp == '_' || cp == 0xAD || cp == 0x2027 || cp == '"' || cp == '\'' || cp == '.' ||
         (cp >= 0x2010 && cp <= 0x2015);
}
bool IsMidNumber(char32_t cp) { return cp == '"' || cp == '\'' || cp == ',' || cp == '.' || cp == 0x66B; }

// End of the word segment that starts at `start`.
size_t SegmentEnd(const std::vector<char32_t>& cps, size_t start) {
  size_t i = start, n = cps.size();
  bool consumed = false;
  while (i < n) {
    if (IsLetterLike(cps[i])) {
      while (i < n && IsLetterLike(cps[i])) ++i;
      while (i + 1 < n && IsMidWord(cps[i]) && IsLetterLike(cps[i + 1])) {
        for (++i; i < n && IsLetterLike(cps[i]);) ++i;
      }
    } else if (IsDigitLike(cps[i])) {
      while (i < n && IsDigitLike(cps[i])) ++i;
      while (i + 1 < n && IsMidNumber(cps[i]) && IsDigitLike(cps[i + 1])) {
        for (++i; i < n && IsDigitLike(cps[i]);) ++i;
      }
    } else {
      break;
    }
    consumed = true;
  }
  return consumed ? i : start + 1;
}

// Java's final-sigma rule: Σ lower-cases to ς when a cased letter precedes
// it in its word and none follows it there.
bool IsFinalSigma(const std::vector<char32_t>& cps, size_t i) {
  size_t start = 0, end = SegmentEnd(cps, 0);
  while (end <= i) {
    start = end;
    end = SegmentEnd(cps, start);
  }
  bool cased_before = std::any_of(cps.begin() + start, cps.begin() + i, IsCased);
  bool cased_after = std::any_of(cps.begin() + i + 1, cps.begin() + end, IsCased);
  return cased_before && !cased_after;
}

// Whether a token has a unit outside ASCII; four units at a time.
bool HasNonAscii(std::u16string_view token) {
  size_t i = 0;
  for (; i + 4 <= token.size(); i += 4) {
    uint64_t units;
    std::memcpy(&units, token.data() + i, 8);
    if (units & 0xFF80FF80FF80FF80ULL) return true;
  }
  for (; i < token.size(); ++i) {
    if (token[i] >= 0x80) return true;
  }
  return false;
}

// Appends `separator` (if not 0) and the lower-cased token.
void AppendLowerUtf8(char separator, std::u16string_view token, std::string* out) {
  // ASCII tokens (nearly all) lower-case unit by unit, into one append.
  char ascii[65];
  if (token.size() < sizeof ascii) {
    char16_t seen = 0;
    for (size_t i = 0; i < token.size(); ++i) {
      char16_t c = token[i];
      seen |= c;
      ascii[i + 1] = static_cast<char>(c + (static_cast<char16_t>(c - 'A') < 26 ? 32 : 0));
    }
    if (seen < 0x80) {
      ascii[0] = separator;
      out->append(separator ? ascii : ascii + 1, token.size() + (separator ? 1 : 0));
      return;
    }
  }
  if (separator) out->push_back(separator);
  std::vector<char32_t> cps = CodePoints(token);
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t cp = cps[i];
    if (cp == 0x130) {
      out->append("i\xCC\x87");
    } else if (cp == 0x3A3) {
      py::AppendUtf8(IsFinalSigma(cps, i) ? 0x3C2 : 0x3C3, out);
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      out->push_back('?');  // an unpaired surrogate, as Java's UTF-8 encoder writes it
    } else {
      py::AppendUtf8(LowerCodePoint(cp), out);
    }
  }
}

// ---- the scanner loop ----

// Writes the tokens of text[from, ...) to `out` as the Java tool prints them
// with -preserveLines -lowerCase (tokens joined by ' ', a line end per
// newline token), stopping at the first token boundary at or after `stop`.
// Returns where it stopped.
size_t LexRange(std::u16string_view text, size_t from, size_t stop, lexer::LexerScanner* scanner,
                std::string* out) {
  const std::vector<Action>& actions = SharedRules().actions;
  bool begin_line = out->empty() || out->back() == '\n';
  size_t pos = from;
  std::u16string rewritten;  // for rules that change their text
  while (pos < text.size() && pos < stop) {
    lexer::Match m;
    if (!scanner->Next(text, pos, &m)) break;  // cannot happen: '.' matches all but '\n'
    const std::u16string_view matched = text.substr(pos, m.length);
    size_t next = pos + m.length;
    std::u16string_view token = matched;
    auto rewrite = [&](auto edit) {
      rewritten.assign(matched);
      edit(&rewritten);
      token = rewritten;
    };
    switch (actions[m.rule]) {
      case Action::kKeep: break;
      case Action::kPushback3:
        token.remove_suffix(3);
        next -= 3;
        break;
      case Action::kPushback2:
        token.remove_suffix(2);
        next -= 2;
        break;
      case Action::kTwoUnits:
        next -= token.size() - 2;
        token = token.substr(0, 2);
        break;
      case Action::kRemoveSoftHyphens:
        if (HasNonAscii(matched) && matched.find(u'\u00AD') != std::u16string_view::npos) {
          rewritten = RemoveSoftHyphens(matched);
          token = rewritten;
        }
        break;
      case Action::kSpacesToNbsp: rewrite([](std::u16string* t) { MapUnits(t, u" ", u"\u00A0"); }); break;
      case Action::kPhone:
        rewrite([](std::u16string* t) {
          MapUnits(t, u" ", u"\u00A0");
          MapUnits(t, u"(", u"-LRB-");
          MapUnits(t, u")", u"-RRB-");
        });
        break;
      case Action::kMdash: token = u"--"; break;
      case Action::kAmpersand:
        rewrite([](std::u16string* t) { ReplaceAll(t, u"&amp;", u"&", /*ascii_caseless=*/true); });
        break;
      case Action::kQuotesRight: rewrite([](std::u16string* t) { LatexQuotes(t, false); }); break;
      case Action::kQuotesLeft: rewrite([](std::u16string* t) { LatexQuotes(t, true); }); break;
      case Action::kFraction:
        rewrite([](std::u16string* t) {
          MapUnits(t, u"\u00BC", u"1/4");
          MapUnits(t, u"\u00BD", u"1/2");
          MapUnits(t, u"\u00BE", u"3/4");
          MapUnits(t, u"\u2153", u"1/3");
          MapUnits(t, u"\u2154", u"2/3");
        });
        break;
      case Action::kCurrency:
        rewrite([](std::u16string* t) {
          MapUnits(t, u"\u00A2", u"cents");
          MapUnits(t, u"\u00A3", u"#");
          MapUnits(t, u"\u0080\u00A4\u20A0\u20AC", u"$");
        });
        break;
      case Action::kAcronym:
        // "I." becomes "I" then "."; a longer acronym is kept with its
        // period and the period is lexed again as a sentence end.
        if (token.size() == 2) token = token.substr(0, 1);
        next = pos + m.length - 1;
        break;
      case Action::kAbbrevPeriodAgain: next -= 1; break;
      case Action::kParens:
        rewrite([](std::u16string* t) {
          MapUnits(t, u"(", u"-LRB-");
          MapUnits(t, u")", u"-RRB-");
        });
        break;
      case Action::kLess: token = u"<"; break;
      case Action::kGreater: token = u">"; break;
      case Action::kOpenBrace: token = u"-LCB-"; break;
      case Action::kCloseBrace: token = u"-RCB-"; break;
      case Action::kOpenBracket: token = u"-LSB-"; break;
      case Action::kCloseBracket: token = u"-RSB-"; break;
      case Action::kOpenParen: token = u"-LRB-"; break;
      case Action::kCloseParen: token = u"-RRB-"; break;
      case Action::kHyphens:
        if (token.size() >= 3 && token.size() <= 4) token = u"--";
        break;
      case Action::kEllipsis: token = u"..."; break;
      case Action::kSkip: token = {}; break;
      case Action::kNewline:
        out->push_back('\n');
        begin_line = true;
        token = {};
        break;
    }
    pos = next;
    if (token.empty()) continue;
    AppendLowerUtf8(begin_line ? 0 : ' ', token, out);
    begin_line = false;
  }
  return pos;
}

// pycocoevalcap's PUNCTUATIONS (the upper-case bracket names never match
// lower-cased tokens, so brackets survive as -lrb- etc.).
bool IsDroppedPunctuation(std::string_view w) {
  static constexpr std::array<std::string_view, 17> kPunctuations = {
      "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
      "--", "...", ";"};
  // Every entry starts with one of these; words rarely do.
  if (w.empty() || std::string_view("'`-.?!,:;").find(w[0]) == std::string_view::npos) return false;
  return std::find(kPunctuations.begin(), kPunctuations.end(), w) != kPunctuations.end();
}

// ' '.join(w for w in line.rstrip().split(' ') if w not in PUNCTUATIONS)
std::string FilterLine(std::string_view line) {
  // rstrip() with Python's notion of white space; a line that ends in a
  // printable ASCII character (nearly all) has none to strip.
  const auto last = line.empty() ? 0 : static_cast<unsigned char>(line.back());
  if (last >= 0x80 || last <= ' ') {
    size_t pos = 0, kept = 0;
    while (pos < line.size()) {
      char32_t cp = py::NextCodePoint(line, &pos);
      if (!py::IsSpace(cp)) kept = pos;
    }
    line = line.substr(0, kept);
  }
  // The kept tokens come in runs separated by dropped ones; each run is
  // copied as it stands (its tokens are already joined by single spaces).
  std::string out;
  out.reserve(line.size());
  bool in_run = false, first_run = true;
  size_t run_begin = 0, run_end = 0;
  auto end_run = [&] {
    if (!first_run) out.push_back(' ');
    out.append(line.substr(run_begin, run_end - run_begin));
    first_run = in_run = false;
  };
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] != ' ') continue;
    if (IsDroppedPunctuation(line.substr(start, i - start))) {
      if (in_run) end_run();
    } else {
      if (!in_run) run_begin = start;
      in_run = true;
      run_end = i;
    }
    start = i + 1;
  }
  if (in_run) end_run();
  return out;
}

bool IsAsciiLineBreak(unsigned char c) { return c >= '\n' && c <= '\r'; }  // \n \v \f \r

// Appends `utf8` as UTF-16 code units (at most one unit per byte).
void AppendUtf16(std::string_view utf8, bool line_breaks_to_spaces, std::u16string* out) {
  const size_t old_size = out->size();
  out->resize(old_size + utf8.size());
  char16_t* o = out->data() + old_size;
  size_t pos = 0;
  while (pos < utf8.size()) {
    // Eight bytes at a time while they are printable ASCII (no line break to
    // replace, nothing to decode).
    while (pos + 8 <= utf8.size()) {
      uint64_t v;
      std::memcpy(&v, utf8.data() + pos, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      if (((v - kOnes * 0x20) | v) & kHigh) break;
      for (int k = 0; k < 8; ++k) o[k] = static_cast<unsigned char>(utf8[pos + k]);
      o += 8;
      pos += 8;
    }
    if (pos == utf8.size()) break;
    auto c = static_cast<unsigned char>(utf8[pos]);
    if (c < 0x80) {
      *o++ = line_breaks_to_spaces && IsAsciiLineBreak(c) ? u' ' : c;
      ++pos;
      continue;
    }
    char32_t cp = py::NextCodePoint(utf8, &pos);
    if (line_breaks_to_spaces && (cp == 0x2028 || cp == 0x2029)) cp = ' ';
    if (cp >= 0x10000) {
      *o++ = static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      *o++ = static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      *o++ = static_cast<char16_t>(cp);
    }
  }
  out->resize(o - out->data());
}

// Lexes captions [first, last) of a batch (`text`: the captions joined by
// '\n'; starts[i]: where caption i begins, one entry past the last caption)
// and stores their filtered lines in result[first, last). Returns false when
// the slice does not line up with the serial run: the lexer ran past the
// next caption's start or the lines do not match the captions one to one (a
// token spanning a caption boundary). The slice that ends the batch always
// lines up, as output.split('\n') would: extra lines are ignored, missing
// ones are empty.
bool LexSlice(std::u16string_view text, const std::vector<size_t>& starts, size_t first, size_t last,
              std::vector<std::string>* result) {
  const bool ends_batch = last + 1 == starts.size();
  const size_t stop = ends_batch ? text.size() : starts[last];
  lexer::LexerScanner scanner(*SharedRules().spec);
  std::string lines;
  lines.reserve(stop - starts[first] + 64);  // about as long as the text; spares regrowing it
  const size_t stopped = LexRange(text, starts[first], stop, &scanner, &lines);
  std::string_view rest = lines;
  bool every_line_ended = true;
  for (size_t caption = first; caption < last; ++caption) {
    size_t nl = rest.find('\n');
    every_line_ended &= nl != std::string_view::npos;
    if (nl == std::string_view::npos) nl = rest.size();
    (*result)[caption] = FilterLine(rest.substr(0, nl));
    rest.remove_prefix(std::min(nl + 1, rest.size()));
  }
  return ends_batch || (stopped == stop && every_line_ended && rest.empty());
}

}  // namespace

std::vector<std::string> TokenizeCaptions(const std::vector<std::string_view>& captions,
                                          int threads) {
  if (captions.empty()) return {};
  std::u16string text;
  size_t bytes = 0;
  for (std::string_view c : captions) bytes += c.size() + 1;
  text.reserve(bytes);
  std::vector<size_t> starts;
  starts.reserve(captions.size() + 1);
  for (size_t i = 0; i < captions.size(); ++i) {
    if (i > 0) text.push_back(u'\n');
    starts.push_back(text.size());
    AppendUtf16(captions[i], /*line_breaks_to_spaces=*/true, &text);
  }
  starts.push_back(text.size() + 1);

  // Slices of whole captions are lexed in parallel. Each lines up with the
  // serial run unless a token spans the boundary before the next slice
  // (never in ordinary captions); then the batch is lexed serially.
  std::vector<std::string> result(captions.size());
  const size_t slices = std::max<size_t>(1, std::min<size_t>(threads, captions.size() / 256));
  std::vector<char> lined_up(slices);
  auto lex_slice = [&](size_t k) {
    lined_up[k] = LexSlice(text, starts, captions.size() * k / slices, captions.size() * (k + 1) / slices,
                           &result);
  };
  std::vector<std::thread> workers;
  for (size_t k = 1; k < slices; ++k) workers.emplace_back(lex_slice, k);
  lex_slice(0);
  for (auto& w : workers) w.join();
  if (std::find(lined_up.begin(), lined_up.end(), false) != lined_up.end()) {
    LexSlice(text, starts, 0, captions.size(), &result);
  }
  return result;
}

std::vector<std::string> LexTokens(std::string_view text) {
  std::u16string units;
  AppendUtf16(text, /*line_breaks_to_spaces=*/false, &units);
  lexer::LexerScanner scanner(*SharedRules().spec);
  std::string joined;
  LexRange(units, 0, units.size(), &scanner, &joined);
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < joined.size()) {
    size_t end = joined.find_first_of(" \n", start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) tokens.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

}  // namespace svit::ptb

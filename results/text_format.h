// Escaping and number formatting shared by the writers of tables and reports
// (Markdown, LaTeX, CSV, HTML, XML, JSON inside <script>). Model and dataset
// text is untrusted: every writer passes it through the escaper of its
// output language.
#pragma once

#include <string>
#include <string_view>

namespace svit {

std::string EscapeHtml(std::string_view text);      // & < > " ' (also right for XML)
std::string EscapeMarkdownCell(std::string_view text);  // | and newlines, plus HTML specials
std::string EscapeLatex(std::string_view text);     // \ { } $ & # ^ _ % ~
std::string EscapeCsv(std::string_view text, char separator = ',');  // RFC 4180 quoting
// JSON text that is safe inside <script type="application/json">: '<', '>'
// and '&' become \u003c \u003e \u0026, U+2028/2029 become \u2028/\u2029.
std::string EscapeJsonForScript(std::string_view json);
// Cuts `text` to at most `max_chars` code points, adding "..." when cut.
std::string Truncate(std::string_view text, size_t max_chars);

// Numbers for tables: two decimals from 1 up, four below (fractions),
// "n/a" for NaN.
std::string FormatNumber(double value);
std::string FormatSigned(double value);  // with an explicit '+'
std::string FormatPValue(double p);      // "<0.001" or three significant digits

}  // namespace svit

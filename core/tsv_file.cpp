#include "core/tsv_file.h"

#include <array>

#include "core/json_file.h"

namespace svit {

bool IsPandasNa(std::string_view cell) {
  static constexpr std::array<std::string_view, 19> kNa = {
      "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
      "<NA>", "N/A",  "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null"};
  for (std::string_view na : kNa) {
    if (cell == na) return true;
  }
  return false;
}

size_t TsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return kNoColumn;
}

Status TsvTable::ParseRow(size_t* pos, size_t* line, std::vector<std::string_view>* cells) {
  cells->clear();
  const size_t n = text_.size();
  size_t i = *pos;
  while (true) {
    if (i < n && text_[i] == '"') {
      // Quoted field: runs to the closing quote; '""' is a literal quote.
      size_t start_line = *line;
      size_t begin = ++i;
      std::string unescaped;
      bool has_escape = false;
      while (true) {
        if (i >= n) {
          return Status::InvalidInput(path_ + ":" + std::to_string(start_line) +
                                      ": quoted field is never closed");
        }
        char c = text_[i];
        if (c == '"') {
          if (i + 1 < n && text_[i + 1] == '"') {
            if (!has_escape) unescaped.assign(text_, begin, i - begin);
            has_escape = true;
            unescaped.push_back('"');
            i += 2;
            continue;
          }
          break;
        }
        if (c == '\n' || (c == '\r' && !(i + 1 < n && text_[i + 1] == '\n'))) ++*line;
        if (has_escape) unescaped.push_back(c);
        ++i;
      }
      std::string_view cell(text_.data() + begin, i - begin);
      ++i;  // closing quote
      // Text after the closing quote, up to the delimiter, is appended (as pandas does).
      size_t tail = i;
      while (i < n && text_[i] != '\t' && text_[i] != '\n' && text_[i] != '\r') ++i;
      if (has_escape || i > tail) {
        if (!has_escape) unescaped.assign(cell);
        unescaped.append(text_, tail, i - tail);
        unescaped_.push_back(std::move(unescaped));
        cell = unescaped_.back();
      }
      cells->push_back(cell);
    } else {
      size_t begin = i;
      while (i < n && text_[i] != '\t' && text_[i] != '\n' && text_[i] != '\r') ++i;
      cells->emplace_back(text_.data() + begin, i - begin);
    }
    if (i < n && text_[i] == '\t') {
      ++i;
      continue;
    }
    // End of row.
    if (i < n) {  // at '\r' or '\n'
      if (text_[i] == '\r' && i + 1 < n && text_[i + 1] == '\n') ++i;
      ++i;
    }
    ++*line;
    *pos = i;
    return Status::OK();
  }
}

Status TsvTable::Load(const std::string& path) {
  path_ = path;
  SVIT_RETURN_IF_ERROR(ReadFileToString(path, &text_));
  unescaped_.clear();
  header_.clear();
  rows_.clear();
  size_t pos = text_.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // pandas drops a UTF-8 BOM
  size_t line = 1;
  std::vector<std::string_view> cells;
  while (pos < text_.size()) {
    size_t row_line = line;
    // Blank lines are skipped, as pandas does by default.
    if (text_[pos] == '\n' || text_[pos] == '\r') {
      if (text_[pos] == '\r' && pos + 1 < text_.size() && text_[pos + 1] == '\n') ++pos;
      ++pos;
      ++line;
      continue;
    }
    SVIT_RETURN_IF_ERROR(ParseRow(&pos, &line, &cells));
    if (header_.empty()) {
      header_ = cells;
      continue;
    }
    if (cells.size() != header_.size()) {
      return Status::InvalidInput(path_ + ":" + std::to_string(row_line) + ": expected " +
                                  std::to_string(header_.size()) +
                                  " tab-separated fields (as in the "
                                  "header), found " +
                                  std::to_string(cells.size()));
    }
    rows_.push_back(Row{row_line, cells});
  }
  if (header_.empty()) return Status::InvalidInput(path_ + ": empty TSV file (no header row)");
  return Status::OK();
}

}  // namespace svit

// Reading tab-separated tables the way pandas.read_table (C parser, default
// settings) reads the benchmark TSVs: the first row names the columns; a
// field that starts with '"' is quoted and may hold tabs and line breaks
// ('""' inside is one quote); '\n', '\r\n' and '\r' end rows; blank lines
// are skipped; a leading UTF-8 BOM is dropped. Unlike pandas, a row with a
// different number of fields than the header is an error (pandas pads short
// rows with NaN).
// Cells are views into the loaded text and live as long as the table.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace svit {

class TsvTable {
 public:
  static constexpr size_t kNoColumn = static_cast<size_t>(-1);

  Status Load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<std::string_view>& header() const { return header_; }
  size_t rows() const { return rows_.size(); }
  // Index of the column named `name`, or kNoColumn.
  size_t Column(std::string_view name) const;
  std::string_view Cell(size_t row, size_t column) const { return rows_[row].cells[column]; }
  // 1-based line of the file where `row` starts (for error messages).
  size_t Line(size_t row) const { return rows_[row].line; }

 private:
  struct Row {
    size_t line;
    std::vector<std::string_view> cells;
  };

  Status ParseRow(size_t* pos, size_t* line, std::vector<std::string_view>* cells);

  std::string path_;
  std::string text_;
  std::deque<std::string> unescaped_;  // quoted cells whose text differs from the file's
  std::vector<std::string_view> header_;
  std::vector<Row> rows_;
};

// True for the strings pandas reads as NaN by default ('', 'nan', 'NaN',
// 'None', 'NA', 'N/A', 'null', '#N/A', '<NA>', ...).
bool IsPandasNa(std::string_view cell);

}  // namespace svit

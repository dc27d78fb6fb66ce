#include "results/submission.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>

#include "metrics/vqa_accuracy.h"
#include "results/score_json.h"
#include "results/text_format.h"

namespace svit {
namespace {

bool IsInteger(const std::string& text) {
  if (text.empty() || text.size() > 18) return false;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size()) return false;
  return std::all_of(text.begin() + start, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void CountUnused(const AnswerMap& answers, const std::set<std::string>& used, SubmissionSummary* s) {
  for (const auto& [id, text] : answers) s->unused_answers += !used.count(id);
}

// --- a stored (uncompressed) ZIP archive, enough for an .xlsx package ---

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) crc = kTable[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

class ZipWriter {
 public:
  void Add(const std::string& name, const std::string& data) {
    const uint32_t crc = Crc32(data);
    const uint32_t offset = static_cast<uint32_t>(out_.size());
    Put32(&out_, 0x04034b50);
    Common(&out_, name, data, crc);
    out_ += name;
    out_ += data;
    Put32(&directory_, 0x02014b50);
    Put16(&directory_, 20);  // version made by
    Common(&directory_, name, data, crc);
    Put16(&directory_, 0);  // comment length
    Put16(&directory_, 0);  // disk
    Put16(&directory_, 0);  // internal attributes
    Put32(&directory_, 0);  // external attributes
    Put32(&directory_, offset);
    directory_ += name;
    ++entries_;
  }
  std::string Finish() {
    const uint32_t offset = static_cast<uint32_t>(out_.size());
    std::string result = out_ + directory_;
    Put32(&result, 0x06054b50);
    Put16(&result, 0);
    Put16(&result, 0);
    Put16(&result, entries_);
    Put16(&result, entries_);
    Put32(&result, static_cast<uint32_t>(directory_.size()));
    Put32(&result, offset);
    Put16(&result, 0);
    return result;
  }

 private:
  static void Put16(std::string* s, uint16_t v) {
    s->push_back(static_cast<char>(v & 0xFF));
    s->push_back(static_cast<char>(v >> 8));
  }
  static void Put32(std::string* s, uint32_t v) {
    Put16(s, static_cast<uint16_t>(v & 0xFFFF));
    Put16(s, static_cast<uint16_t>(v >> 16));
  }
  // The fields local and central headers share, from "version needed" on.
  static void Common(std::string* s, const std::string& name, const std::string& data, uint32_t crc) {
    Put16(s, 20);    // version needed
    Put16(s, 0);     // flags
    Put16(s, 0);     // method: stored
    Put16(s, 0);     // time
    Put16(s, 0x21);  // date: 1980-01-01
    Put32(s, crc);
    Put32(s, static_cast<uint32_t>(data.size()));
    Put32(s, static_cast<uint32_t>(data.size()));
    Put16(s, static_cast<uint16_t>(name.size()));
    Put16(s, 0);  // extra length
  }

  std::string out_, directory_;
  uint16_t entries_ = 0;
};

std::string ColumnName(size_t index) {
  std::string name;
  for (size_t n = index + 1; n > 0; n = (n - 1) / 26) name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
  return name;
}

// XML text: escaped, without the control characters XML 1.0 forbids.
std::string XmlText(const std::string& text) {
  std::string clean;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 || c == '\t' || c == '\n' || c == '\r') clean.push_back(c);
  }
  return EscapeHtml(clean);
}

}  // namespace

Status MakeVqav2Submission(const std::vector<std::string>& question_ids, const AnswerMap& answers,
                           std::string* json, SubmissionSummary* summary) {
  *summary = SubmissionSummary();
  std::set<std::string> used;
  json->assign("[");
  for (size_t i = 0; i < question_ids.size(); ++i) {
    const std::string& id = question_ids[i];
    if (!IsInteger(id)) {
      return Status::InvalidInput("VQAv2 question id '" + id + "' is not an integer");
    }
    auto it = answers.find(id);
    const std::string answer = it == answers.end() ? "" : vqa::EvalAiProcess(it->second);
    if (it == answers.end()) {
      ++summary->missing;
    } else {
      ++summary->answered;
      used.insert(id);
    }
    *json += i ? ", {\"question_id\": " : "{\"question_id\": ";
    *json += id;
    *json += ", \"answer\": ";
    AppendJsonString(answer, json);
    *json += "}";
  }
  *json += "]\n";
  summary->questions = question_ids.size();
  CountUnused(answers, used, summary);
  return Status::OK();
}

Status MakeVizWizSubmission(const std::vector<VizWizQuestion>& questions, const AnswerMap& answers,
                            std::string* json, SubmissionSummary* summary) {
  *summary = SubmissionSummary();
  std::vector<std::string> missing;
  for (const auto& q : questions) {
    if (!answers.count(q.id)) missing.push_back(q.id);
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 5) list += " (and " + std::to_string(missing.size() - 5) + " more)";
    return Status::InvalidInput(std::to_string(missing.size()) + " of " + std::to_string(questions.size()) +
                                " VizWiz questions have no answer (the upload needs every one): " + list);
  }
  std::set<std::string> used;
  json->assign("[");
  for (size_t i = 0; i < questions.size(); ++i) {
    used.insert(questions[i].id);
    *json += i ? ", {\"image\": " : "{\"image\": ";
    AppendJsonString(questions[i].image, json);
    *json += ", \"answer\": ";
    AppendJsonString(vqa::EvalAiProcess(answers.at(questions[i].id)), json);
    *json += "}";
  }
  *json += "]\n";
  summary->questions = summary->answered = questions.size();
  CountUnused(answers, used, summary);
  return Status::OK();
}

Status ReadTsv(const std::string& path, Table* out) {
  *out = Table();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput(path + ": cannot read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  size_t i = 0, line = 1;
  bool row_started = false;
  while (i < text.size()) {
    row_started = true;
    if (text[i] == '"' && field.empty()) {  // quoted field
      const size_t start_line = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          return Status::InvalidInput(path + ":" + std::to_string(start_line) + ": unterminated quoted field");
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      continue;
    }
    const char c = text[i++];
    if (c == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i < text.size() && text[i] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      row_started = false;
      ++line;
    } else {
      field += c;
    }
  }
  if (row_started) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  while (!rows.empty() && rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  if (rows.empty()) return Status::InvalidInput(path + ": empty table");
  out->header = std::move(rows[0]);
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != out->header.size()) {
      return Status::InvalidInput(path + ": row " + std::to_string(r + 1) + " has " +
                                  std::to_string(rows[r].size()) + " fields, the header " +
                                  std::to_string(out->header.size()));
    }
    out->rows.push_back(std::move(rows[r]));
  }
  return Status::OK();
}

Status MakeMmbenchUploadTable(const Table& annotations, const AnswerMap& answers, Table* out,
                              SubmissionSummary* summary) {
  *out = Table();
  *summary = SubmissionSummary();
  static const std::set<std::string> kDropped = {"hint", "category", "source", "image", "comment",
                                                 "l2-category"};
  auto index_column = std::find(annotations.header.begin(), annotations.header.end(), "index");
  if (index_column == annotations.header.end()) {
    return Status::InvalidInput("MMBench annotation table has no 'index' column");
  }
  const size_t index_at = static_cast<size_t>(index_column - annotations.header.begin());
  std::vector<size_t> kept;
  for (size_t c = 0; c < annotations.header.size(); ++c) {
    if (!kDropped.count(annotations.header[c])) kept.push_back(c);
  }
  const size_t insert_at = std::min<size_t>(6, kept.size());
  for (size_t k = 0; k < kept.size(); ++k) {
    if (k == insert_at) out->header.push_back("prediction");
    out->header.push_back(annotations.header[kept[k]]);
  }
  if (insert_at == kept.size()) out->header.push_back("prediction");
  std::set<std::string> used;
  for (const auto& row : annotations.rows) {
    const std::string& index = row[index_at];
    auto it = answers.find(index);
    if (it == answers.end()) {
      ++summary->missing;
    } else {
      ++summary->answered;
      used.insert(index);
    }
    std::vector<std::string> upload;
    for (size_t k = 0; k < kept.size(); ++k) {
      if (k == insert_at) upload.push_back(it == answers.end() ? "" : it->second);
      upload.push_back(row[kept[k]]);
    }
    if (insert_at == kept.size()) upload.push_back(it == answers.end() ? "" : it->second);
    out->rows.push_back(std::move(upload));
  }
  summary->questions = annotations.rows.size();
  CountUnused(answers, used, summary);
  return Status::OK();
}

std::string TableToDelimited(const Table& table, char separator) {
  std::string out;
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += separator;
      out += EscapeCsv(fields[i], separator);
    }
    out += "\n";
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
  return out;
}

std::string TableToXlsx(const Table& table, const std::vector<std::string>& numeric_columns) {
  std::vector<bool> numeric(table.header.size(), false);
  for (size_t c = 0; c < table.header.size(); ++c) {
    numeric[c] = std::count(numeric_columns.begin(), numeric_columns.end(), table.header[c]) > 0;
  }
  std::string sheet =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
  auto add_row = [&](size_t r, const std::vector<std::string>& fields, bool header) {
    sheet += "<row r=\"" + std::to_string(r) + "\">";
    for (size_t c = 0; c < fields.size(); ++c) {
      if (fields[c].empty()) continue;  // an empty cell, as pandas writes NaN
      const std::string ref = ColumnName(c) + std::to_string(r);
      if (!header && numeric[c] && IsInteger(fields[c])) {
        sheet += "<c r=\"" + ref + "\"><v>" + fields[c] + "</v></c>";
      } else {
        sheet += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" + XmlText(fields[c]) +
                 "</t></is></c>";
      }
    }
    sheet += "</row>";
  };
  add_row(1, table.header, true);
  for (size_t r = 0; r < table.rows.size(); ++r) add_row(r + 2, table.rows[r], false);
  sheet += "</sheetData></worksheet>\n";

  const std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
  const std::string rels = "http://schemas.openxmlformats.org/package/2006/relationships";
  const std::string office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  ZipWriter zip;
  zip.Add("[Content_Types].xml",
          xml + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
                "</Types>");
  zip.Add("_rels/.rels", xml + "<Relationships xmlns=\"" + rels + "\"><Relationship Id=\"rId1\" Type=\"" +
                             office + "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
  zip.Add("xl/workbook.xml",
          xml + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"" +
              office + "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
  zip.Add("xl/_rels/workbook.xml.rels",
          xml + "<Relationships xmlns=\"" + rels + "\"><Relationship Id=\"rId1\" Type=\"" + office +
              "/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>");
  zip.Add("xl/worksheets/sheet1.xml", sheet);
  return zip.Finish();
}

}  // namespace svit

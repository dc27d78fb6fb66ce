// Files for benchmarks scored by a server, made as LLaVA's converters make
// them (scripts/convert_{vqav2,vizwiz,mmbench}_for_submission.py):
//   VQAv2 (EvalAI): [{"question_id": int, "answer": EvalAIAnswerProcessor(text)}] for every
//     question of the test split, "" for a question without an answer;
//   VizWiz (EvalAI): [{"image": file name, "answer": EvalAIAnswerProcessor(text)}]; every
//     question must have an answer;
//   MMBench (OpenCompass): the annotation table without hint, category, source, image, comment
//     and l2-category, with the raw answer text in a "prediction" column inserted as the 7th
//     column; the last answer for an index wins (as with --all-rounds). Written as .xlsx
//     (what the server takes) or as TSV/CSV.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace svit {

using AnswerMap = std::map<std::string, std::string>;  // sample id -> raw model answer

struct SubmissionSummary {
  size_t questions = 0, answered = 0, missing = 0, unused_answers = 0;
};

// `question_ids` in the split's order; ids must be integers.
Status MakeVqav2Submission(const std::vector<std::string>& question_ids, const AnswerMap& answers,
                           std::string* json, SubmissionSummary* summary);

struct VizWizQuestion {
  std::string id;
  std::string image;
};
Status MakeVizWizSubmission(const std::vector<VizWizQuestion>& questions, const AnswerMap& answers,
                            std::string* json, SubmissionSummary* summary);

// A table read from a TSV file (first row = header), as pandas.read_table
// reads MMBench's: tab-separated, fields may be "quoted" with "" escapes.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
Status ReadTsv(const std::string& path, Table* out);

Status MakeMmbenchUploadTable(const Table& annotations, const AnswerMap& answers, Table* out,
                              SubmissionSummary* summary);

// Writers for the upload table.
std::string TableToDelimited(const Table& table, char separator);
// A one-sheet .xlsx workbook (stored ZIP, inline strings); `numeric_columns`
// are written as numbers where their text is an integer.
std::string TableToXlsx(const Table& table, const std::vector<std::string>& numeric_columns);

}  // namespace svit

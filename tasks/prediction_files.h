// Readers for the answer files models produce, shared by the tasks:
// LLaVA's answer JSON-lines ({question_id, prompt, text, ...}, written by
// llava/eval/model_vqa*.py) and official result lists ([{id_key, answer_key}],
// e.g. VQA's [{question_id, answer}]). Duplicate ids are InvalidInput naming
// both lines.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace svit {

struct AnswerFileFormat {
  std::string id_key = "question_id";
  std::string text_key = "text";   // LLaVA jsonl answer field
  std::string list_id_key;         // official results list id field ("" = not accepted)
  std::string list_text_key;       // official results list answer field
  // False when the file's ids are not the benchmark's (TextVQA answers carry
  // the image id): the task maps them and checks duplicates itself.
  bool unique_ids = true;
};

// Reads `path`: a JSON array is read as an official results list, anything
// else as LLaVA JSON-lines. Each prediction keeps its line (jsonl) or index.
Status ReadAnswerFile(const std::string& path, const AnswerFileFormat& format,
                      std::vector<Prediction>* out);

// InvalidInput naming both lines (JSON-lines) or records (a results list)
// when two predictions share an id.
Status CheckDuplicatePredictions(const std::vector<Prediction>& predictions, const std::string& path,
                                 bool line_numbers);

// Returns InvalidInput when a prediction's id is not in `known_ids`, naming
// the first few such ids and the file.
Status CheckPredictionIds(const std::vector<Prediction>& predictions,
                          const std::unordered_set<std::string>& known_ids,
                          const std::string& path);

// Places each prediction at its sample's position (`positions`: sample id ->
// index < `count`). InvalidInput for an unknown id or two predictions for one
// sample; samples without a prediction stay null.
Status AlignPredictions(const std::vector<Prediction>& predictions,
                        const std::unordered_map<std::string, size_t>& positions, size_t count,
                        std::vector<const Prediction*>* aligned);

// Joins up to `limit` ids as "a, b, c (and N more)".
std::string FormatIdList(const std::vector<std::string>& ids, size_t limit = 5);

}  // namespace svit

// Streaming loaders for the official VQA file formats (VQAv2, OK-VQA):
// questions {"questions": [{question_id, image_id, question}], data_subtype}
// and annotations {"annotations": [{question_id, question_type, answer_type,
// answers: [{answer, ...}]}]}. The files reach ~160 MB, so they are read
// with JsonStream into compact string tables rather than as a DOM.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/string_table.h"
#include "core/types.h"
#include "tasks/prediction_files.h"

namespace svit {

struct VqaQuestions {
  std::string data_subtype = "val2014";  // names the COCO image files
  std::vector<std::string> ids;
  std::vector<int64_t> image_ids;
  StringTable questions;
};

struct VqaAnnotations {
  std::vector<std::string> ids;            // annotation-file order
  std::vector<uint32_t> question_type;     // index into type_names
  std::vector<uint32_t> answer_type;       // index into type_names
  std::vector<int64_t> image_ids;
  std::vector<std::string> type_names;
  StringTable answers;                     // all human answers, question by question
  std::vector<uint32_t> first_answer;      // answers of question i: [first_answer[i], first_answer[i+1])
  std::unordered_map<std::string, size_t> index;  // question id -> position

  size_t size() const { return ids.size(); }
};

Status LoadVqaQuestions(const std::string& path, VqaQuestions* out);
Status LoadVqaAnnotations(const std::string& path, VqaAnnotations* out);

// Checks that both files describe the same question set (vqa.py asserts it).
Status CheckSameQuestionSet(const VqaQuestions& questions, const VqaAnnotations& annotations,
                            const std::string& annotations_path);

// COCO image file name of a VQA question: COCO_<subtype>_<image_id:012>.jpg.
std::string CocoImageFileName(const std::string& data_subtype, int64_t image_id);

// The samples of a question file, in its order: prompt = the question, then
// each of `prompt_lines` on a line of its own.
std::vector<Sample> BuildVqaSamples(const VqaQuestions& questions,
                                    std::initializer_list<std::string_view> prompt_lines);

// The human answers of annotation i, in file order.
std::vector<std::string> AnswersOf(const VqaAnnotations& annotations, size_t i);

// Keeps only the questions whose ids are in `ids`, in both files' order. An
// id neither file has is InvalidInput naming it (nothing is changed then).
Status RestrictVqaSet(const std::unordered_set<std::string>& ids, VqaQuestions* questions,
                    VqaAnnotations* annotations);

// Per-sample answer type, question type and image id (the cluster that
// paired tests resample), in annotation order.
std::vector<SampleColumn> VqaSampleColumns(const VqaAnnotations& annotations);

// The answer-file layout of this format: the official results list
// [{question_id, answer}] or LLaVA answer JSON-lines {question_id, text}.
AnswerFileFormat VqaAnswerFileFormat();

}  // namespace svit

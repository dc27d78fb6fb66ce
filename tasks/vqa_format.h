// The VQA question/annotation file pair (GT-Vision-Lab/VQA format: VQAv2,
// OK-VQA): {"questions": [{question_id, image_id, question}], data_subtype}
// and {"annotations": [{question_id, question_type, answer_type,
// answers: [{answer, ...}]}]}. Both files must describe the same question
// set; ids are unique. Shared by the tasks that read this format.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "tasks/prediction_files.h"

namespace svit {

struct VqaAnnotation {
  std::string question_type;
  std::string answer_type;
  std::vector<std::string> answers;  // raw human answers in file order
};

struct VqaFormatSet {
  // Questions-file order; prompt = question + "\n" + each prompt line; image
  // COCO_<data_subtype>_<image_id:012>.jpg.
  std::vector<Sample> samples;
  std::vector<VqaAnnotation> annotations;           // annotations-file order
  std::vector<std::string> ids;                     // question id of each annotation
  std::unordered_map<std::string, size_t> index;    // question id -> annotation position
};

Status LoadVqaFormat(const std::string& questions_path, const std::string& annotations_path,
                     std::initializer_list<std::string_view> prompt_lines, VqaFormatSet* out);

// The answer-file layout of this format: the official results list
// [{question_id, answer}] or LLaVA answer JSON-lines {question_id, text}.
AnswerFileFormat VqaAnswerFileFormat();

}  // namespace svit

#include "tasks/vqa_format.h"

#include <cstdio>
#include <unordered_set>

#include "core/json_file.h"
#include "tasks/llava_prompts.h"

namespace svit {
namespace {

Status LoadQuestions(const std::string& path, std::initializer_list<std::string_view> prompt_lines,
                     std::vector<Sample>* samples) {
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
  JsonArray questions;
  SVIT_RETURN_IF_ERROR(GetArray(root, "questions", Where{path}, &questions));
  std::string subtype = "val2014";
  std::string_view text;
  if (HasField(root, "data_subtype")) {
    SVIT_RETURN_IF_ERROR(GetString(root, "data_subtype", Where{path}, &text));
    subtype.assign(text);
  }
  samples->clear();
  samples->reserve(questions.size());
  std::unordered_set<std::string> seen;
  seen.reserve(questions.size());
  size_t index = 0;
  for (JsonValue value : questions) {
    Where where{path, 0, "questions", index++};
    JsonObject q;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &q));
    Sample s;
    SVIT_RETURN_IF_ERROR(GetId(q, "question_id", where, &s.id));
    int64_t image_id;
    SVIT_RETURN_IF_ERROR(GetInt64(q, "image_id", where, &image_id));
    SVIT_RETURN_IF_ERROR(GetString(q, "question", where, &text));
    if (!seen.insert(s.id).second) {
      return Status::InvalidInput(where.ToString() + ": duplicate question_id " + s.id);
    }
    s.question.assign(text);
    s.prompt = llava::AppendLines(s.question, prompt_lines);
    char file[96];
    std::snprintf(file, sizeof file, "COCO_%s_%012lld.jpg", subtype.c_str(),
                  static_cast<long long>(image_id));
    s.images.push_back(ImageRef{file, ""});
    samples->push_back(std::move(s));
  }
  return Status::OK();
}

Status LoadAnnotations(const std::string& path, VqaFormatSet* out) {
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
  JsonArray annotations;
  SVIT_RETURN_IF_ERROR(GetArray(root, "annotations", Where{path}, &annotations));
  out->annotations.clear();
  out->ids.clear();
  out->index.clear();
  out->annotations.reserve(annotations.size());
  out->ids.reserve(annotations.size());
  out->index.reserve(annotations.size());
  size_t index = 0;
  for (JsonValue value : annotations) {
    Where where{path, 0, "annotations", index++};
    JsonObject a;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &a));
    std::string id;
    SVIT_RETURN_IF_ERROR(GetId(a, "question_id", where, &id));
    VqaAnnotation q;
    std::string_view text;
    SVIT_RETURN_IF_ERROR(GetString(a, "question_type", where, &text));
    q.question_type.assign(text);
    SVIT_RETURN_IF_ERROR(GetString(a, "answer_type", where, &text));
    q.answer_type.assign(text);
    JsonArray answers;
    SVIT_RETURN_IF_ERROR(GetArray(a, "answers", where, &answers));
    size_t answer_index = 0;
    for (JsonValue answer_value : answers) {
      JsonObject answer;
      Status status = GetObject(answer_value, where, &answer);
      if (status.ok()) status = GetString(answer, "answer", where, &text);
      SVIT_RETURN_IF_ERROR(status.WithContext("answers[" + std::to_string(answer_index) + "]"));
      q.answers.emplace_back(text);
      ++answer_index;
    }
    if (q.answers.empty()) {
      return Status::InvalidInput(where.ToString() + ": question " + id + " has no answers");
    }
    if (!out->index.emplace(id, out->annotations.size()).second) {
      return Status::InvalidInput(where.ToString() + ": duplicate question_id " + id);
    }
    out->ids.push_back(std::move(id));
    out->annotations.push_back(std::move(q));
  }
  return Status::OK();
}

}  // namespace

Status LoadVqaFormat(const std::string& questions_path, const std::string& annotations_path,
                     std::initializer_list<std::string_view> prompt_lines, VqaFormatSet* out) {
  SVIT_RETURN_IF_ERROR(LoadQuestions(questions_path, prompt_lines, &out->samples));
  SVIT_RETURN_IF_ERROR(LoadAnnotations(annotations_path, out));
  std::vector<std::string> unannotated;
  for (const auto& s : out->samples) {
    if (!out->index.count(s.id)) unannotated.push_back(s.id);
  }
  if (!unannotated.empty() || out->samples.size() != out->annotations.size()) {
    return Status::InvalidInput(
        annotations_path + ": annotations (" + std::to_string(out->annotations.size()) +
        ") and questions (" + std::to_string(out->samples.size()) + ") are not the same question set" +
        (unannotated.empty() ? std::string() : "; not annotated: " + FormatIdList(unannotated)));
  }
  return Status::OK();
}

AnswerFileFormat VqaAnswerFileFormat() {
  AnswerFileFormat format;
  format.list_id_key = "question_id";
  format.list_text_key = "answer";
  return format;
}

}  // namespace svit

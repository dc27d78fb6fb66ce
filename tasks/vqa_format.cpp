#include "tasks/vqa_format.h"

#include <cstdio>
#include <unordered_set>

#include "core/json_stream.h"
#include "tasks/json_records.h"
#include "tasks/llava_prompts.h"
#include "tasks/prediction_files.h"

namespace svit {
namespace {

using Token = JsonStream::Token;

Status Missing(const char* field, JsonStream& s) {
  return s.Error(std::string("missing field '") + field + "'");
}

uint32_t Intern(std::string_view name, std::vector<std::string>* names) {
  for (size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i] == name) return static_cast<uint32_t>(i);
  }
  names->emplace_back(name);
  return static_cast<uint32_t>(names->size() - 1);
}

}  // namespace

Status LoadVqaQuestions(const std::string& path, VqaQuestions* out) {
  auto each = [](JsonStream& s, VqaQuestions* part, size_t index) -> Status {
    std::string id;
    int64_t image_id = -1;
    bool has_question = false;
    for (;;) {
      std::string_view key;
      bool done;
      SVIT_RETURN_IF_ERROR(s.NextKey(&key, &done));
      if (done) break;
      if (key == "question_id") {
        SVIT_RETURN_IF_ERROR(s.ReadId("question_id", &id));
      } else if (key == "image_id") {
        SVIT_RETURN_IF_ERROR(s.ReadInt64("image_id", &image_id));
      } else if (key == "question") {
        std::string_view text;
        SVIT_RETURN_IF_ERROR(s.ReadString("question", &text));
        if (has_question) return s.Error("repeated field 'question'");
        part->questions.Add(text);
        has_question = true;
      } else {
        SVIT_RETURN_IF_ERROR(s.SkipNextValue());
      }
    }
    if (id.empty()) return Missing("question_id", s);
    if (image_id < 0) return Missing("image_id", s);
    if (!has_question) return Missing("question", s);
    part->ids.push_back(std::move(id));
    part->image_ids.push_back(image_id);
    return Status::OK();
  };
  auto other = [](JsonStream& s, VqaQuestions* part, const std::string& key) -> Status {
    if (key != "data_subtype") return s.SkipNextValue();
    std::string_view subtype;
    SVIT_RETURN_IF_ERROR(s.ReadString("data_subtype", &subtype));
    part->data_subtype.assign(subtype);
    return Status::OK();
  };
  auto merge = [](VqaQuestions* whole, VqaQuestions&& second) {
    size_t total = whole->ids.size() + second.ids.size();
    whole->ids.reserve(total);
    whole->image_ids.reserve(total);
    whole->questions.Reserve(total, whole->questions.bytes() + second.questions.bytes());
    for (size_t i = 0; i < second.ids.size(); ++i) {
      whole->ids.push_back(std::move(second.ids[i]));
      whole->image_ids.push_back(second.image_ids[i]);
      whole->questions.Add(second.questions[i]);
    }
    if (second.data_subtype != VqaQuestions().data_subtype) whole->data_subtype = second.data_subtype;
  };
  SVIT_RETURN_IF_ERROR(ParseTopObject(path, "questions", "question_id", out, each, other, merge));
  std::unordered_set<std::string_view> seen;
  seen.reserve(out->ids.size());
  for (size_t i = 0; i < out->ids.size(); ++i) {
    if (!seen.insert(out->ids[i]).second) {
      return Status::InvalidInput(path + ": questions[" + std::to_string(i) + "]: duplicate question_id " +
                                  out->ids[i]);
    }
  }
  return Status::OK();
}

Status LoadVqaAnnotations(const std::string& path, VqaAnnotations* out) {
  out->first_answer.assign(1, 0);
  auto each = [](JsonStream& s, VqaAnnotations* part, size_t index) -> Status {
    if (part->first_answer.empty()) part->first_answer.push_back(0);
    std::string id;
    int64_t qtype = -1, atype = -1, image_id = -1;
    bool has_answers = false;
    size_t answers_before = part->answers.size();
    for (;;) {
      std::string_view key;
      bool done;
      SVIT_RETURN_IF_ERROR(s.NextKey(&key, &done));
      if (done) break;
      if (key == "question_id") {
        SVIT_RETURN_IF_ERROR(s.ReadId("question_id", &id));
      } else if (key == "image_id") {
        SVIT_RETURN_IF_ERROR(s.ReadInt64("image_id", &image_id));
      } else if (key == "question_type" || key == "answer_type") {
        bool is_question_type = key == "question_type";
        std::string_view name;
        SVIT_RETURN_IF_ERROR(s.ReadString(is_question_type ? "question_type" : "answer_type", &name));
        (is_question_type ? qtype : atype) = Intern(name, &part->type_names);
      } else if (key == "answers") {
        if (has_answers) return s.Error("repeated field 'answers'");
        has_answers = true;
        SVIT_RETURN_IF_ERROR(s.ExpectBeginArray("answers"));
        for (size_t a = 0;; ++a) {
          Token token;
          bool end;
          SVIT_RETURN_IF_ERROR(s.NextElement(&token, &end));
          if (end) break;
          s.SetSubRecord("answers", a);
          if (token != Token::kBeginObject) return s.Error("must be an object");
          bool has_answer = false;
          for (;;) {
            std::string_view answer_key;
            bool answer_done;
            SVIT_RETURN_IF_ERROR(s.NextKey(&answer_key, &answer_done));
            if (answer_done) break;
            if (answer_key == "answer" && !has_answer) {
              std::string_view answer;
              SVIT_RETURN_IF_ERROR(s.ReadString("answer", &answer));
              part->answers.Add(answer);
              has_answer = true;
            } else {
              SVIT_RETURN_IF_ERROR(s.SkipNextValue());
            }
          }
          if (!has_answer) return s.Error("missing field 'answer'");
        }
      } else {
        SVIT_RETURN_IF_ERROR(s.SkipNextValue());
      }
    }
    if (id.empty()) return Missing("question_id", s);
    if (image_id < 0) return Missing("image_id", s);
    if (qtype < 0) return Missing("question_type", s);
    if (atype < 0) return Missing("answer_type", s);
    if (!has_answers) return Missing("answers", s);
    if (part->answers.size() == answers_before) {
      return s.Error("question " + id + " has no answers");
    }
    part->ids.push_back(std::move(id));
    part->question_type.push_back(static_cast<uint32_t>(qtype));
    part->answer_type.push_back(static_cast<uint32_t>(atype));
    part->image_ids.push_back(image_id);
    part->first_answer.push_back(static_cast<uint32_t>(part->answers.size()));
    return Status::OK();
  };
  auto other = [](JsonStream& s, VqaAnnotations*, const std::string&) { return s.SkipNextValue(); };
  auto merge = [](VqaAnnotations* whole, VqaAnnotations&& second) {
    std::vector<uint32_t> remap;
    for (const auto& name : second.type_names) remap.push_back(Intern(name, &whole->type_names));
    uint32_t answer_base = static_cast<uint32_t>(whole->answers.size());
    size_t total = whole->ids.size() + second.ids.size();
    whole->ids.reserve(total);
    whole->question_type.reserve(total);
    whole->answer_type.reserve(total);
    whole->image_ids.reserve(total);
    whole->first_answer.reserve(total + 1);
    whole->answers.Reserve(whole->answers.size() + second.answers.size(),
                           whole->answers.bytes() + second.answers.bytes());
    for (size_t i = 0; i < second.ids.size(); ++i) {
      whole->ids.push_back(std::move(second.ids[i]));
      whole->question_type.push_back(remap[second.question_type[i]]);
      whole->answer_type.push_back(remap[second.answer_type[i]]);
      whole->image_ids.push_back(second.image_ids[i]);
      whole->first_answer.push_back(answer_base + second.first_answer[i + 1]);
    }
    for (size_t a = 0; a < second.answers.size(); ++a) whole->answers.Add(second.answers[a]);
  };
  SVIT_RETURN_IF_ERROR(ParseTopObject(path, "annotations", "question_id", out, each, other, merge));
  out->index.reserve(out->ids.size());
  for (size_t i = 0; i < out->ids.size(); ++i) {
    if (!out->index.emplace(out->ids[i], i).second) {
      return Status::InvalidInput(path + ": annotations[" + std::to_string(i) +
                                  "]: duplicate question_id " + out->ids[i]);
    }
  }
  return Status::OK();
}

Status CheckSameQuestionSet(const VqaQuestions& questions, const VqaAnnotations& annotations,
                            const std::string& annotations_path) {
  std::vector<std::string> unannotated;
  for (const auto& id : questions.ids) {
    if (!annotations.index.count(id)) unannotated.push_back(id);
  }
  if (unannotated.empty() && questions.ids.size() == annotations.size()) return Status::OK();
  return Status::InvalidInput(
      annotations_path + ": annotations (" + std::to_string(annotations.size()) + ") and questions (" +
      std::to_string(questions.ids.size()) + ") are not the same question set" +
      (unannotated.empty() ? std::string() : "; questions without annotation: " + FormatIdList(unannotated)));
}

std::string CocoImageFileName(const std::string& data_subtype, int64_t image_id) {
  char file[128];
  std::snprintf(file, sizeof file, "COCO_%s_%012lld.jpg", data_subtype.c_str(),
                static_cast<long long>(image_id));
  return file;
}

std::vector<Sample> BuildVqaSamples(const VqaQuestions& questions,
                                    std::initializer_list<std::string_view> prompt_lines) {
  std::vector<Sample> samples;
  samples.reserve(questions.ids.size());
  for (size_t i = 0; i < questions.ids.size(); ++i) {
    Sample s;
    s.id = questions.ids[i];
    s.question.assign(questions.questions[i]);
    s.prompt = llava::AppendLines(s.question, prompt_lines);
    s.images.push_back(ImageRef{CocoImageFileName(questions.data_subtype, questions.image_ids[i]), ""});
    samples.push_back(std::move(s));
  }
  return samples;
}

std::vector<std::string> AnswersOf(const VqaAnnotations& annotations, size_t i) {
  std::vector<std::string> answers;
  for (uint32_t a = annotations.first_answer[i]; a < annotations.first_answer[i + 1]; ++a) {
    answers.emplace_back(annotations.answers[a]);
  }
  return answers;
}

AnswerFileFormat VqaAnswerFileFormat() {
  AnswerFileFormat format;
  format.list_id_key = "question_id";
  format.list_text_key = "answer";
  return format;
}

std::vector<SampleColumn> VqaSampleColumns(const VqaAnnotations& annotations) {
  std::vector<SampleColumn> columns(3);
  columns[0].name = "answer_type";
  columns[1].name = "question_type";
  columns[0].values = columns[1].values = annotations.type_names;
  columns[0].codes = annotations.answer_type;
  columns[1].codes = annotations.question_type;
  columns[2].name = "image_id";
  std::unordered_map<int64_t, uint32_t> image_codes;
  columns[2].codes.reserve(annotations.size());
  for (int64_t image_id : annotations.image_ids) {
    auto [it, inserted] = image_codes.try_emplace(image_id, static_cast<uint32_t>(columns[2].values.size()));
    if (inserted) columns[2].values.push_back(std::to_string(image_id));
    columns[2].codes.push_back(it->second);
  }
  return columns;
}

Status RestrictVqaSet(const std::unordered_set<std::string>& ids, VqaQuestions* questions,
                      VqaAnnotations* annotations) {
  for (const auto& id : ids) {
    if (!annotations->index.count(id)) {
      return Status::InvalidInput("cannot restrict to question " + id + ": the files have no such question");
    }
  }
  VqaQuestions kept_questions;
  kept_questions.data_subtype = questions->data_subtype;
  for (size_t i = 0; i < questions->ids.size(); ++i) {
    if (!ids.count(questions->ids[i])) continue;
    kept_questions.ids.push_back(questions->ids[i]);
    kept_questions.image_ids.push_back(questions->image_ids[i]);
    kept_questions.questions.Add(questions->questions[i]);
  }
  *questions = std::move(kept_questions);

  VqaAnnotations kept;
  kept.type_names = annotations->type_names;
  kept.first_answer.push_back(0);
  for (size_t i = 0; i < annotations->size(); ++i) {
    if (!ids.count(annotations->ids[i])) continue;
    kept.index.emplace(annotations->ids[i], kept.ids.size());
    kept.ids.push_back(annotations->ids[i]);
    kept.question_type.push_back(annotations->question_type[i]);
    kept.answer_type.push_back(annotations->answer_type[i]);
    kept.image_ids.push_back(annotations->image_ids[i]);
    for (uint32_t a = annotations->first_answer[i]; a < annotations->first_answer[i + 1]; ++a) {
      kept.answers.Add(annotations->answers[a]);
    }
    kept.first_answer.push_back(static_cast<uint32_t>(kept.answers.size()));
  }
  *annotations = std::move(kept);
  return Status::OK();
}

}  // namespace svit

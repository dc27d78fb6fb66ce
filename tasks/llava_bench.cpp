#include "tasks/llava_bench.h"

#include <set>
#include <unordered_map>

#include "core/json_file.h"
#include "metrics/llava_review.h"
#include "metrics/python_number.h"
#include "tasks/restrict.h"

namespace svit {
namespace {

// The reviewer's system message in both LLaVA review scripts.
constexpr char kSystemPrompt[] =
    "You are a helpful and precise assistant for checking the quality of the answer.";

// The user-message layouts, as documentation of the template (see PromptTemplate).
constexpr char kLayoutInTheWild[] =
    "[Context]\n{caption}\n\n[Question]\n{question}\n\n[{role} 1]\n{answer1}\n\n[End of {role} 1]\n\n"
    "[{role} 2]\n{answer2}\n\n[End of {role} 2]\n\n[System]\n{prompt}\n\n";
constexpr char kLayoutCoco[] =
    "[Context]\n{captions}\n\n{category: bbox lines}\n\n[Question]\n{question}\n\n[{role} 1]\n{answer1}"
    "\n\n[End of {role} 1]\n\n[{role} 2]\n{answer2}\n\n[End of {role} 2]\n\n[System]\n{prompt}\n\n";

// Python's repr() of a JSON number or list of numbers (a box: "[0.37, 0.584, 0.504, 0.709]").
Status AppendPythonRepr(JsonValue value, const Where& where, std::string* out) {
  using Type = simdjson::dom::element_type;
  switch (value.type()) {
    case Type::INT64: *out += std::to_string(int64_t(value)); return Status::OK();
    case Type::UINT64: *out += std::to_string(uint64_t(value)); return Status::OK();
    case Type::DOUBLE: *out += py::FloatRepr(double(value)); return Status::OK();
    case Type::ARRAY: {
      *out += '[';
      bool first = true;
      for (JsonValue element : JsonArray(value)) {
        if (!first) *out += ", ";
        first = false;
        SVIT_RETURN_IF_ERROR(AppendPythonRepr(element, where, out));
      }
      *out += ']';
      return Status::OK();
    }
    default:
      return Status::InvalidInput(where.ToString() + ": field 'bbox' must hold numbers, got " +
                                  std::string(JsonTypeName(value)));
  }
}

// Joins a list of strings with '\n' (Python's '\n'.join, which accepts only strings).
Status JoinLines(JsonArray lines, std::string_view key, const Where& where, std::string* out) {
  out->clear();
  bool first = true;
  for (JsonValue line : lines) {
    std::string_view text;
    if (line.get(text) != simdjson::SUCCESS) {
      return Status::InvalidInput(where.ToString() + ": field '" + std::string(key) +
                                  "' must hold strings, got " + std::string(JsonTypeName(line)));
    }
    if (!first) *out += '\n';
    first = false;
    *out += text;
  }
  return Status::OK();
}

Status RenderContext(JsonObject record, LlavaProtocol protocol, const Where& where, std::string* out) {
  if (protocol == LlavaProtocol::kInTheWild) {
    JsonValue caption;
    SVIT_RETURN_IF_ERROR(GetField(record, "caption", where, &caption));
    std::string_view text;
    if (caption.get(text) == simdjson::SUCCESS) {
      out->assign(text);
      return Status::OK();
    }
    JsonArray lines;
    if (caption.get(lines) != simdjson::SUCCESS) {
      return Status::InvalidInput(where.ToString() + ": field 'caption' must be a string or a list of strings, got " +
                                  std::string(JsonTypeName(caption)));
    }
    return JoinLines(lines, "caption", where, out);
  }
  JsonArray captions, instances;
  SVIT_RETURN_IF_ERROR(GetArray(record, "captions", where, &captions));
  SVIT_RETURN_IF_ERROR(GetArray(record, "instances", where, &instances));
  SVIT_RETURN_IF_ERROR(JoinLines(captions, "captions", where, out));
  *out += "\n\n";
  bool first = true;
  for (JsonValue instance : instances) {
    JsonObject box;
    SVIT_RETURN_IF_ERROR(GetObject(instance, where, &box));
    std::string_view category;
    JsonValue bbox;
    SVIT_RETURN_IF_ERROR(GetString(box, "category", where, &category));
    SVIT_RETURN_IF_ERROR(GetField(box, "bbox", where, &bbox));
    if (!first) *out += '\n';
    first = false;
    *out += category;
    *out += ": ";
    SVIT_RETURN_IF_ERROR(AppendPythonRepr(bbox, where, out));
  }
  return Status::OK();
}

LlavaReview ToReview(const JudgeReply& reply) {
  LlavaReview review;
  if (!reply.status.ok()) {
    review.outcome = VerdictOutcome::kFailed;
    review.content = reply.status.message();
    return review;
  }
  review.content = reply.text;
  if (reply.refused) {
    review.outcome = VerdictOutcome::kRefused;
  } else if (llava::ParseScorePair(reply.text, &review.score1, &review.score2)) {
    review.outcome = VerdictOutcome::kScored;
  } else {
    review.outcome = VerdictOutcome::kMalformed;
  }
  return review;
}

JudgeRequest ReviewRequest(const LlavaBench& bench, const LlavaQuestion& question, std::string_view answer1,
                           std::string_view answer2, const LlavaJudgeSettings& settings, int repeat,
                           std::string sample_id) {
  JudgeRequest request;
  request.system = kSystemPrompt;
  request.user = bench.RenderReview(question, answer1, answer2);
  request.temperature = settings.temperature;
  request.max_tokens = settings.max_tokens;
  request.repeat = repeat;
  request.sample_id = std::move(sample_id);
  return request;
}

double NumberOf(JsonValue value, bool* ok) {
  using Type = simdjson::dom::element_type;
  *ok = true;
  switch (value.type()) {
    case Type::INT64: return static_cast<double>(int64_t(value));
    case Type::UINT64: return static_cast<double>(uint64_t(value));
    case Type::DOUBLE: return double(value);
    default: *ok = false; return 0;
  }
}

std::string FormatPair(double a, double b) {
  return "[" + py::FloatRepr(a) + ", " + py::FloatRepr(b) + "]";
}

}  // namespace

Status ReadLlavaAnswers(const std::string& path, std::vector<LlavaAnswer>* out) {
  out->clear();
  return ForEachJsonLine(path, [&](size_t line, JsonValue value) {
    Where where{path, line};
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
    LlavaAnswer answer;
    answer.line = line;
    SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &answer.question_id));
    std::string_view text;
    SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
    answer.text.assign(text);
    if (HasField(object, "answer_id")) {
      SVIT_RETURN_IF_ERROR(GetId(object, "answer_id", where, &answer.answer_id));
    } else {
      answer.answer_id = answer.question_id;
    }
    out->push_back(std::move(answer));
    return Status::OK();
  });
}

Status LlavaBench::Load(const std::string& questions_path, const std::string& context_path,
                        const std::string& rule_path) {
  questions_path_ = questions_path;
  JsonDocument rule_doc;
  SVIT_RETURN_IF_ERROR(rule_doc.Load(rule_path));
  JsonObject rule_root;
  SVIT_RETURN_IF_ERROR(GetObject(rule_doc.root(), Where{rule_path}, &rule_root));

  // image -> rendered context; a later record for the same image wins, as in
  // the scripts' {context['image']: context} dict.
  std::unordered_map<std::string, std::string> context_by_image;
  bool protocol_known = false;
  SVIT_RETURN_IF_ERROR(ForEachJsonLine(context_path, [&](size_t line, JsonValue value) {
    Where where{context_path, line};
    JsonObject record;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &record));
    if (!protocol_known) {
      if (HasField(record, "captions")) {
        protocol_ = LlavaProtocol::kCoco;
      } else if (HasField(record, "caption")) {
        protocol_ = LlavaProtocol::kInTheWild;
      } else {
        return Status::InvalidInput(where.ToString() +
                                    ": a context record needs 'caption' (In-the-Wild context.jsonl) or "
                                    "'captions' and 'instances' (COCO caps_boxes file)");
      }
      protocol_known = true;
    }
    std::string_view image;
    SVIT_RETURN_IF_ERROR(GetString(record, "image", where, &image));
    std::string context;
    SVIT_RETURN_IF_ERROR(RenderContext(record, protocol_, where, &context));
    context_by_image[std::string(image)] = std::move(context);
    return Status::OK();
  }));
  if (!protocol_known) return Status::InvalidInput(context_path + ": context file has no records");

  std::set<std::string> seen_ids;
  SVIT_RETURN_IF_ERROR(ForEachJsonLine(questions_path, [&](size_t line, JsonValue value) {
    Where where{questions_path, line};
    JsonObject record;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &record));
    LlavaQuestion q;
    q.line = line;
    std::string_view image, text, category;
    SVIT_RETURN_IF_ERROR(GetId(record, "question_id", where, &q.question_id));
    SVIT_RETURN_IF_ERROR(GetString(record, "image", where, &image));
    SVIT_RETURN_IF_ERROR(GetString(record, "text", where, &text));
    SVIT_RETURN_IF_ERROR(GetString(record, "category", where, &category));
    if (!seen_ids.insert(q.question_id).second) {
      return Status::InvalidInput(where.ToString() + ": duplicate question_id " + q.question_id);
    }
    q.image.assign(image);
    q.text.assign(text);
    q.review_category = (protocol_ == LlavaProtocol::kInTheWild ? "llava_bench_" : "") + std::string(category);
    auto context = context_by_image.find(q.image);
    if (context == context_by_image.end()) {
      return Status::InvalidInput(where.ToString() + ": image '" + q.image + "' has no record in " + context_path);
    }
    q.context = context->second;
    if (!rules_.count(q.review_category)) {
      JsonValue rule_value;
      JsonObject rule;
      if (rule_root.at_key(q.review_category).get(rule_value) != simdjson::SUCCESS) {
        return Status::InvalidInput(where.ToString() + ": category '" + q.review_category + "' not found in " +
                                    rule_path + " (" + script() + " asserts it is there)");
      }
      Where rule_where{rule_path, 0, q.review_category};
      SVIT_RETURN_IF_ERROR(GetObject(rule_value, rule_where, &rule));
      std::string_view role, prompt;
      SVIT_RETURN_IF_ERROR(GetString(rule, "role", rule_where, &role));
      SVIT_RETURN_IF_ERROR(GetString(rule, "prompt", rule_where, &prompt));
      rules_[q.review_category] = Rule{std::string(role), std::string(prompt)};
    }
    questions_.push_back(std::move(q));
    return Status::OK();
  }));
  if (questions_.empty()) return Status::InvalidInput(questions_path + ": no questions");
  return Status::OK();
}

void LlavaBench::KeepQuestions(const std::vector<size_t>& kept) { KeepPositions(kept, &questions_); }

const char* LlavaBench::script() const {
  return protocol_ == LlavaProtocol::kInTheWild ? "llava/eval/eval_gpt_review_bench.py"
                                                : "llava/eval/eval_gpt_review_visual.py";
}

std::string LlavaBench::RenderReview(const LlavaQuestion& question, std::string_view answer1,
                                     std::string_view answer2) const {
  const Rule& rule = rules_.at(question.review_category);
  std::string out;
  out.reserve(question.context.size() + question.text.size() + answer1.size() + answer2.size() +
              rule.prompt.size() + 128);
  out.append("[Context]\n").append(question.context).append("\n\n");
  out.append("[Question]\n").append(question.text).append("\n\n");
  out.append("[").append(rule.role).append(" 1]\n").append(answer1).append("\n\n");
  out.append("[End of ").append(rule.role).append(" 1]\n\n");
  out.append("[").append(rule.role).append(" 2]\n").append(answer2).append("\n\n");
  out.append("[End of ").append(rule.role).append(" 2]\n\n");
  out.append("[System]\n").append(rule.prompt).append("\n\n");
  return out;
}

std::string LlavaBench::PromptTemplate() const {
  nlohmann::json rules = nlohmann::json::object();
  for (const auto& [key, rule] : rules_) rules[key] = {{"role", rule.role}, {"prompt", rule.prompt}};
  nlohmann::json canonical = {
      {"system", kSystemPrompt},
      {"layout", protocol_ == LlavaProtocol::kInTheWild ? kLayoutInTheWild : kLayoutCoco},
      {"rules", rules},
  };
  return canonical.dump();
}

JudgeProtocol LlavaJudgeProtocol(const LlavaBench& bench, const LlavaJudgeSettings& settings, bool pairwise) {
  JudgeProtocol protocol;
  protocol.name = std::string(bench.script()) + (pairwise ? " (pairwise, both answer orders)" : "");
  protocol.prompt_template = bench.PromptTemplate();
  protocol.parameters = {{"temperature", settings.temperature}, {"max_tokens", settings.max_tokens}};
  if (!pairwise) protocol.parameters["repeats"] = settings.repeats;
  return protocol;
}

const char* VerdictOutcomeName(VerdictOutcome outcome) {
  switch (outcome) {
    case VerdictOutcome::kScored: return "scored";
    case VerdictOutcome::kMalformed: return "malformed";
    case VerdictOutcome::kRefused: return "refused";
    case VerdictOutcome::kFailed: return "failed";
  }
  return "unknown";
}

Status JudgeLlavaReviews(const LlavaBench& bench, const std::vector<LlavaReviewItem>& items,
                         const LlavaJudgeSettings& settings, JudgeSession* session,
                         std::vector<std::vector<LlavaReview>>* reviews) {
  std::vector<JudgeRequest> requests;
  requests.reserve(items.size() * settings.repeats);
  for (int r = 0; r < settings.repeats; ++r) {
    for (const LlavaReviewItem& item : items) {
      requests.push_back(ReviewRequest(bench, *item.question, item.answer1, item.answer2, settings, r,
                                       item.question->question_id));
    }
  }
  std::vector<JudgeReply> replies;
  SVIT_RETURN_IF_ERROR(session->Ask(requests, &replies));
  reviews->assign(settings.repeats, {});
  for (int r = 0; r < settings.repeats; ++r) {
    for (size_t i = 0; i < items.size(); ++i) {
      (*reviews)[r].push_back(ToReview(replies[r * items.size() + i]));
    }
  }
  return Status::OK();
}

Status JudgeLlavaPairwise(const LlavaBench& bench, const std::vector<LlavaPairwiseItem>& items,
                          const LlavaJudgeSettings& settings, JudgeSession* session,
                          LlavaPairwiseResult* result) {
  std::vector<JudgeRequest> requests;
  for (const LlavaPairwiseItem& item : items) {
    const std::string& id = item.question->question_id;
    requests.push_back(ReviewRequest(bench, *item.question, item.answer_a, item.answer_b, settings, 0, id + " (A first)"));
    requests.push_back(ReviewRequest(bench, *item.question, item.answer_b, item.answer_a, settings, 0, id + " (B first)"));
  }
  std::vector<JudgeReply> replies;
  SVIT_RETURN_IF_ERROR(session->Ask(requests, &replies));
  *result = LlavaPairwiseResult();
  for (size_t i = 0; i < items.size(); ++i) {
    LlavaReview a_first = ToReview(replies[2 * i]);
    LlavaReview b_first = ToReview(replies[2 * i + 1]);
    pairwise::ItemVerdicts verdicts;
    if (a_first.outcome == VerdictOutcome::kScored) {
      verdicts.a_first = pairwise::FromScores(a_first.score1, a_first.score2);
    }
    if (b_first.outcome == VerdictOutcome::kScored) {
      verdicts.b_first = pairwise::FromScores(b_first.score2, b_first.score1);
    }
    result->a_first.push_back(std::move(a_first));
    result->b_first.push_back(std::move(b_first));
    result->verdicts.push_back(verdicts);
  }
  result->summary = pairwise::Summarize(result->verdicts);
  return Status::OK();
}

Status ReadLlavaReviewFile(const std::string& path, std::vector<LlavaReviewRecord>* out) {
  out->clear();
  std::unordered_map<std::string, size_t> line_of_question;
  return ForEachJsonLine(path, [&](size_t line, JsonValue value) {
    Where where{path, line};
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
    LlavaReviewRecord record;
    record.line = line;
    std::string_view category, content;
    SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &record.question_id));
    SVIT_RETURN_IF_ERROR(GetId(object, "answer1_id", where, &record.answer1_id));
    SVIT_RETURN_IF_ERROR(GetId(object, "answer2_id", where, &record.answer2_id));
    SVIT_RETURN_IF_ERROR(GetString(object, "category", where, &category));
    SVIT_RETURN_IF_ERROR(GetString(object, "content", where, &content));
    record.category.assign(category);
    record.content.assign(content);
    JsonArray tuple;
    SVIT_RETURN_IF_ERROR(GetArray(object, "tuple", where, &tuple));
    std::vector<double> numbers;
    for (JsonValue element : tuple) {
      bool ok;
      numbers.push_back(NumberOf(element, &ok));
      if (!ok) return Status::InvalidInput(where.ToString() + ": field 'tuple' must hold two numbers");
    }
    if (numbers.size() != 2) return Status::InvalidInput(where.ToString() + ": field 'tuple' must hold two numbers");
    double reference = -1, model = -1;
    llava::ParseScorePair(record.content, &reference, &model);
    if (numbers[0] != reference || numbers[1] != model) {
      return Status::InvalidInput(where.ToString() + ": field 'tuple' is " + FormatPair(numbers[0], numbers[1]) +
                                  " but parse_score of its content gives " + FormatPair(reference, model));
    }
    auto [it, inserted] = line_of_question.emplace(record.question_id, line);
    if (!inserted) {
      return Status::InvalidInput(where.ToString() + ": second review of question_id " + record.question_id +
                                  " (first on line " + std::to_string(it->second) + ")");
    }
    out->push_back(std::move(record));
    return Status::OK();
  });
}

LlavaReviewReplay::LlavaReviewReplay(const std::string& path, std::vector<LlavaReviewRecord> records)
    : path_(path) {
  endpoint_.name = "replay of " + path;
  for (auto& record : records) content_by_question_[record.question_id] = std::move(record.content);
}

Status LlavaReviewReplay::Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) {
  replies->clear();
  for (const JudgeRequest& request : requests) {
    JudgeReply reply;
    auto it = content_by_question_.find(request.sample_id);
    if (request.repeat != 0) {
      reply.status = Status::RunFailed(path_ + " holds one review per question; repeats need a live judge");
    } else if (it == content_by_question_.end()) {
      reply.status = Status::RunFailed(path_ + " has no review of question " + request.sample_id);
    } else {
      reply.text = it->second;
      reply.cached = true;  // recorded earlier: costs nothing now
    }
    replies->push_back(std::move(reply));
  }
  return Status::OK();
}

}  // namespace svit

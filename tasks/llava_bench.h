// LLaVA-Bench (COCO and In-the-Wild): the official files, the review prompts
// rendered byte for byte as LLaVA's scripts render them, and judging through
// a JudgeSession: one review per question (the reference answer as
// Assistant 1, the model as Assistant 2), or both answer orders for a
// pairwise comparison of two models.
//
// The context file decides the protocol:
// - In-the-Wild, llava/eval/eval_gpt_review_bench.py: context records
//   {image, caption: string or list}; rule key "llava_bench_<category>".
// - COCO, llava/eval/eval_gpt_review_visual.py: caps_boxes records
//   {image, captions: [...], instances: [{category, bbox}]}; the context is
//   the captions, a blank line and one "category: [x1, y1, x2, y2]" line per
//   box; rule key "<category>".
// Answer files are paired with the question file by line order, as both
// scripts do; callers check that question ids agree line by line.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/judge_client.h"
#include "core/status.h"
#include "metrics/pairwise.h"
#include "tasks/judge_session.h"

namespace svit {

enum class LlavaProtocol { kInTheWild, kCoco };

struct LlavaQuestion {
  std::string question_id;
  std::string image;
  std::string text;
  std::string review_category;  // the rule key, also the review records' "category"
  std::string context;          // the body of the [Context] section
  size_t line = 0;
};

// One line of an answer file (reference or model).
struct LlavaAnswer {
  std::string question_id;
  std::string answer_id;  // "answer_id" when present, else the question id
  std::string text;
  size_t line = 0;
};

// Reads LLaVA answer JSON-lines ({question_id, text[, answer_id]}), in order.
Status ReadLlavaAnswers(const std::string& path, std::vector<LlavaAnswer>* out);

class LlavaBench {
 public:
  // Reads the question, context and rule files; every question's image must
  // have a context and every category a rule (the scripts assert both).
  Status Load(const std::string& questions_path, const std::string& context_path,
              const std::string& rule_path);

  LlavaProtocol protocol() const { return protocol_; }
  // The official script of the protocol, e.g. "llava/eval/eval_gpt_review_bench.py".
  const char* script() const;
  const std::vector<LlavaQuestion>& questions() const { return questions_; }
  // Keeps questions()[kept[0]], questions()[kept[1]], ... (`kept` ascending).
  void KeepQuestions(const std::vector<size_t>& kept);
  const std::string& questions_path() const { return questions_path_; }

  // The user message of a review, byte for byte as the script builds it.
  std::string RenderReview(const LlavaQuestion& question, std::string_view answer1,
                           std::string_view answer2) const;
  // The fixed parts of every review prompt (system message, layout, the
  // rules in use) as canonical JSON; its sha256 names the template.
  std::string PromptTemplate() const;

 private:
  struct Rule {
    std::string role;
    std::string prompt;
  };
  LlavaProtocol protocol_ = LlavaProtocol::kInTheWild;
  std::string questions_path_;
  std::vector<LlavaQuestion> questions_;
  std::map<std::string, Rule> rules_;  // the rules the questions use
};

struct LlavaJudgeSettings {
  double temperature = 0.2;  // the scripts' value
  int max_tokens = 1024;     // the scripts' --max-tokens default
  int repeats = 1;           // independent reviews per question (judge reliability)
};

// The protocol record for a JudgeSession; `pairwise` marks two-order judging.
JudgeProtocol LlavaJudgeProtocol(const LlavaBench& bench, const LlavaJudgeSettings& settings,
                                 bool pairwise);

enum class VerdictOutcome { kScored, kMalformed, kRefused, kFailed };
const char* VerdictOutcomeName(VerdictOutcome outcome);

// The judge's reply to one review prompt.
struct LlavaReview {
  VerdictOutcome outcome = VerdictOutcome::kFailed;
  std::string content;  // the reply text (the error message when failed)
  double score1 = -1;   // Assistant 1 and 2, when scored
  double score2 = -1;
};

struct LlavaReviewItem {
  const LlavaQuestion* question = nullptr;
  std::string_view answer1;
  std::string_view answer2;
};

// Reviews every item `settings.repeats` times: (*reviews)[r][i] is repeat r of items[i].
Status JudgeLlavaReviews(const LlavaBench& bench, const std::vector<LlavaReviewItem>& items,
                         const LlavaJudgeSettings& settings, JudgeSession* session,
                         std::vector<std::vector<LlavaReview>>* reviews);

// Pairwise: two models' answers to the same questions, each question judged
// with A as Assistant 1 and again with B as Assistant 1.
struct LlavaPairwiseItem {
  const LlavaQuestion* question = nullptr;
  std::string_view answer_a;
  std::string_view answer_b;
};

struct LlavaPairwiseResult {
  std::vector<LlavaReview> a_first;  // per item: A as Assistant 1
  std::vector<LlavaReview> b_first;  // per item: B as Assistant 1
  std::vector<pairwise::ItemVerdicts> verdicts;
  pairwise::Summary summary;
};

Status JudgeLlavaPairwise(const LlavaBench& bench, const std::vector<LlavaPairwiseItem>& items,
                          const LlavaJudgeSettings& settings, JudgeSession* session,
                          LlavaPairwiseResult* result);

// One record of a review file written by eval_gpt_review_bench.py or
// eval_gpt_review_visual.py: {id, question_id, answer1_id, answer2_id,
// category, content, tuple}.
struct LlavaReviewRecord {
  std::string question_id;
  std::string answer1_id;
  std::string answer2_id;
  std::string category;
  std::string content;
  size_t line = 0;
};

// Reads a review file. Each record's tuple must be what parse_score gives for
// its content ([-1, -1] when it does not parse); question ids must be unique.
Status ReadLlavaReviewFile(const std::string& path, std::vector<LlavaReviewRecord>* out);

// A judge that answers from a review file: the reply to a request is the
// recorded content of the review whose question id is the request's
// sample_id. The file records no model, so the identity says so.
class LlavaReviewReplay : public JudgeClient {
 public:
  LlavaReviewReplay(const std::string& path, std::vector<LlavaReviewRecord> records);
  const JudgeEndpoint& endpoint() const override { return endpoint_; }
  Status Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) override;

 private:
  JudgeEndpoint endpoint_;
  std::string path_;
  std::map<std::string, std::string> content_by_question_;
};

}  // namespace svit

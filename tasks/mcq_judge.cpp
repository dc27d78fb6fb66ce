#include "tasks/mcq_judge.h"

#include "tasks/llava_prompts.h"

#include <cstring>

#include "metrics/mmbench_matching.h"
#include "metrics/python_text.h"

namespace svit {
namespace {

// VLMEvalKit's matching template (Apache-2.0), byte for byte; "{}" marks the
// question, the options and the answer.
constexpr char kTemplate[] =
    "You are an AI assistant who will help me to match an answer with several options of a single-choice "
    "question. You are provided with a question, several options, and an answer, and you need to find which "
    "option is most similar to the answer. If the meaning of all options are significantly different from the "
    "answer, output Z. Your should output a single uppercase character in A, B, C, D (if they are valid "
    "options), and Z. \n"
    "Example 1: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: a cute teddy bear\nYour output: A\n"
    "Example 2: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: Spider\nYour output: Z\n"
    "Example 3: \n"
    "Question: {}?\nOptions: {}\nAnswer: {}\nYour output: ";

}  // namespace

std::string McqOptionString(const std::vector<McqChoice>& choices) {
  std::string out = "There are several options: \n";
  for (const McqChoice& c : choices) out.append(c.letter).append(". ").append(c.text).append("\n");
  return out;
}

std::string RenderMcqMatchPrompt(std::string_view question, std::string_view options, std::string_view prediction) {
  const std::string_view values[] = {question, options, prediction};
  std::string_view tmpl = kTemplate;
  std::string out;
  size_t slot = 0, pos = 0;
  for (size_t found; (found = tmpl.find("{}", pos)) != std::string_view::npos; pos = found + 2) {
    out.append(tmpl.substr(pos, found - pos)).append(values[slot++]);
  }
  out.append(tmpl.substr(pos));
  return out;
}

std::string ParseMcqLetter(std::string_view reply, const std::vector<McqChoice>& choices) {
  std::string_view letter = py::Strip(reply);
  if (letter == "Z") return "Z";
  for (const McqChoice& c : choices) {
    if (letter == c.letter) return c.letter;
  }
  return "";
}

std::string InferMcqLetter(std::string_view reply, const std::vector<McqChoice>& choices) {
  mmbench::Choices rule_choices;
  for (const McqChoice& c : choices) {
    if (c.letter.size() == 1) rule_choices.emplace_back(c.letter[0], c.text);
  }
  if (char letter = mmbench::CanInfer(reply, rule_choices)) {
    for (const auto& [option, text] : rule_choices) {
      if (option == letter) return std::string(1, letter);
    }
    return "";  // a letter the question does not offer
  }
  std::string spaced(reply);
  for (char& ch : spaced) {
    if (ch != '\0' && std::strchr(".()[],:;!*#{}", ch)) ch = ' ';
  }
  size_t z_words = 0;
  for (std::string_view word : py::Split(spaced)) {
    if (word == "Z") ++z_words;
    for (const McqChoice& c : choices) {
      if (word == c.letter) return "";  // an option letter beside Z: ambiguous
    }
  }
  return z_words == 1 ? "Z" : "";
}

JudgeProtocol McqJudgeProtocol(const McqFallbackSettings& settings) {
  JudgeProtocol protocol;
  protocol.name = "VLMEvalKit multiple_choice.py build_prompt (choice matching)";
  protocol.prompt_template = nlohmann::json({{"template", kTemplate},
                                             {"options", "There are several options: \n{letter}. {text}\n..."}})
                                 .dump();
  protocol.parameters = {{"temperature", settings.temperature},
                         {"max_tokens", settings.max_tokens},
                         {"attempts", settings.attempts}};
  return protocol;
}

Status AskMcqFallback(const std::vector<McqFallbackItem>& items, const McqFallbackSettings& settings,
                      const McqReplyParser& parse, JudgeSession* session, std::vector<McqFallbackResult>* results) {
  results->assign(items.size(), McqFallbackResult());
  std::vector<size_t> pending;
  std::vector<std::string> prompts;
  for (size_t i = 0; i < items.size(); ++i) {
    pending.push_back(i);
    prompts.push_back(RenderMcqMatchPrompt(items[i].question, McqOptionString(items[i].choices),
                                           py::Strip(items[i].prediction)));
  }
  for (int attempt = 0; attempt < settings.attempts && !pending.empty(); ++attempt) {
    std::vector<JudgeRequest> requests;
    for (size_t i : pending) {
      JudgeRequest request;
      request.user = prompts[i];
      request.temperature = settings.temperature;
      request.max_tokens = settings.max_tokens;
      request.repeat = attempt;
      request.sample_id = items[i].sample_id;
      requests.push_back(std::move(request));
    }
    std::vector<JudgeReply> replies;
    SVIT_RETURN_IF_ERROR(session->Ask(requests, &replies));
    std::vector<size_t> still_pending;
    for (size_t k = 0; k < pending.size(); ++k) {
      McqFallbackResult& result = (*results)[pending[k]];
      const JudgeReply& reply = replies[k];
      if (!reply.status.ok()) {
        result.failed = true;
        result.last_reply = reply.status.message();
        continue;
      }
      ++result.attempts;
      result.last_reply = reply.text;
      result.letter = reply.refused ? "" : parse(reply.text, items[pending[k]].choices);
      if (result.letter.empty()) still_pending.push_back(pending[k]);
    }
    pending = std::move(still_pending);
  }
  return Status::OK();
}

std::string McqFallbackMatch(const McqFallbackResult& result) {
  if (result.failed) return "judge_failed";
  if (result.letter.empty()) return "unresolved";
  return result.letter == "Z" ? "judge_none" : "judge";
}

void RecordMcqFallback(const McqFallbackResult& result, nlohmann::json* detail) {
  (*detail)["matched_by"] = McqFallbackMatch(result);
  (*detail)["judge_letter"] = result.letter;
  (*detail)["judge_reply"] = result.last_reply;
  (*detail)["judge_attempts"] = result.attempts;
}

namespace {

// {asked, resolved, none_fits, unresolved, failed} over the asked samples.
nlohmann::json McqFallbackCounts(const std::vector<std::optional<McqFallbackResult>>& by_sample) {
  size_t asked = 0, resolved = 0, none_fits = 0, unresolved = 0, failed = 0;
  for (const auto& result : by_sample) {
    if (!result) continue;
    ++asked;
    std::string match = McqFallbackMatch(*result);
    resolved += match == "judge";
    none_fits += match == "judge_none";
    unresolved += match == "unresolved";
    failed += match == "judge_failed";
  }
  return {{"asked", asked}, {"resolved", resolved}, {"none_fits", none_fits}, {"unresolved", unresolved},
          {"failed", failed}};
}

std::vector<std::string> McqFallbackNotes(const nlohmann::json& counts, const McqFallbackRules& rules) {
  std::vector<std::string> notes;
  notes.push_back(
      "these numbers use the judge fallback for choice extraction (VLMEvalKit's matching prompt): they differ "
      "from the official rule-only numbers; " +
      counts["asked"].dump() + " samples the rules could not decide were asked (matched_by per sample): " +
      counts["resolved"].dump() + " matched an option, " + counts["none_fits"].dump() +
      " fit no option (Z, scored wrong), " + counts["unresolved"].dump() + " unresolved, " +
      counts["failed"].dump() + " failed");
  if (counts["unresolved"].get<size_t>() > 0) {
    notes.push_back(counts["unresolved"].dump() + " samples got no option letter from the judge after every "
                                                  "attempt (never a random pick, unlike VLMEvalKit): " +
                    rules.unresolved);
  }
  if (counts["failed"].get<size_t>() > 0) {
    notes.push_back(counts["failed"].dump() + " samples whose judge request failed: " + rules.failed);
  }
  return notes;
}

}  // namespace

void McqItemsForUndecided(const std::vector<Sample>& samples, const std::vector<const Prediction*>& aligned,
                          const std::function<bool(const std::string& text)>& undecided,
                          std::vector<McqFallbackItem>* items, std::vector<size_t>* sample_of_item) {
  for (size_t i = 0; i < samples.size(); ++i) {
    const Prediction* p = aligned[i];
    if (!p || p->failed || !undecided(p->text)) continue;
    McqFallbackItem item{samples[i].id, samples[i].question, {}, p->text};
    for (size_t k = 0; k < samples[i].choices.size(); ++k) {
      item.choices.push_back({llava::OptionLetter(k), samples[i].choices[k]});
    }
    items->push_back(std::move(item));
    sample_of_item->push_back(i);
  }
}

Status ScoreWithMcqFallback(const std::vector<McqFallbackItem>& items, const std::vector<size_t>& sample_of_item,
                            size_t sample_count, JudgeClient* judge, const McqFallbackRules& rules,
                            const McqEvaluate& evaluate, ScoreResult* result) {
  JudgeSession session(judge, McqJudgeProtocol({}));
  std::vector<McqFallbackResult> results;
  SVIT_RETURN_IF_ERROR(AskMcqFallback(items, {}, InferMcqLetter, &session, &results));
  std::vector<std::optional<McqFallbackResult>> by_sample(sample_count);
  for (size_t k = 0; k < items.size(); ++k) by_sample[sample_of_item[k]] = std::move(results[k]);
  SVIT_RETURN_IF_ERROR(evaluate(by_sample, result));
  nlohmann::json counts = McqFallbackCounts(by_sample);
  result->metrics["judge_fallback"] = counts;
  for (auto& note : McqFallbackNotes(counts, rules)) result->notes.push_back(std::move(note));
  for (auto& note : session.Notes()) result->notes.push_back(std::move(note));
  result->judge = session.Record();
  return Status::OK();
}

}  // namespace svit

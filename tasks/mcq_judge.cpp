#include "tasks/mcq_judge.h"

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

}  // namespace svit

#include "tasks/mm_vet.h"

#include "core/json_file.h"
#include "metrics/mmvet_grade.h"
#include "metrics/python_number.h"

namespace svit {
namespace {

// The few-shot grader prompt of yuweihao/MM-Vet mm-vet_evaluator.py
// (Apache-2.0), byte for byte; it ends with a newline.
constexpr char kGraderPrompt[] =
    R"(Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.

Question | Ground truth | Prediction | Correctness
--- | --- | --- | ---
What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0
)";

constexpr char kDigitHint[] = "\nPredict the correctness of the answer (digit): ";
constexpr int kMaxTokens = 3;
// Temperatures of the five parsed attempts: 0.0, then the hinted retries.
constexpr double kAttemptTemperatures[] = {0.0, 0.0, 0.5, 1.0, 1.5};
constexpr int kAttempts = 5;

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

Status LoadMmvet(const std::string& path, std::vector<MmvetItem>* out) {
  out->clear();
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
  for (auto [key, value] : root) {
    MmvetItem item;
    item.id.assign(key);
    Where where{path, 0, item.id};
    JsonObject record;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &record));
    std::string_view image, question, answer;
    SVIT_RETURN_IF_ERROR(GetString(record, "imagename", where, &image));
    SVIT_RETURN_IF_ERROR(GetString(record, "question", where, &question));
    SVIT_RETURN_IF_ERROR(GetString(record, "answer", where, &answer));
    JsonArray capabilities;
    SVIT_RETURN_IF_ERROR(GetArray(record, "capability", where, &capabilities));
    for (JsonValue capability : capabilities) {
      std::string_view name;
      if (capability.get(name) != simdjson::SUCCESS) {
        return Status::InvalidInput(where.ToString() + ": field 'capability' must hold strings");
      }
      item.capabilities.emplace_back(name);
    }
    if (item.capabilities.empty()) {
      return Status::InvalidInput(where.ToString() + ": field 'capability' is empty");
    }
    item.image.assign(image);
    item.question.assign(question);
    item.answer.assign(answer);
    out->push_back(std::move(item));
  }
  if (out->empty()) return Status::InvalidInput(path + ": no samples");
  return Status::OK();
}

std::string RenderMmvetGraderMessage(const MmvetItem& item, std::string_view prediction, bool digit_hint) {
  std::string answer = ReplaceAll(ReplaceAll(item.answer, "<AND>", " <AND> "), "<OR>", " <OR> ");
  std::string message = kGraderPrompt;
  message.append("\n").append(item.question).append(" | ").append(answer).append(" | ");
  message.append(prediction).append(" | ");
  if (digit_hint) message.append(kDigitHint);
  return message;
}

JudgeProtocol MmvetJudgeProtocol(int runs) {
  JudgeProtocol protocol;
  protocol.name = "mm-vet_evaluator.py";
  protocol.prompt_template = nlohmann::json({
                                                {"prompt", kGraderPrompt},
                                                {"layout", "{prompt}\n{question} | {answer} | {prediction} | "},
                                                {"answer_spacing", {"<AND> -> ' <AND> '", "<OR> -> ' <OR> '"}},
                                                {"retry_suffix", kDigitHint},
                                            })
                                 .dump();
  protocol.parameters = {{"max_tokens", kMaxTokens},
                         {"temperatures", kAttemptTemperatures},
                         {"runs", runs}};
  return protocol;
}

const char* MmvetOutcomeName(MmvetGrade::Outcome outcome) {
  switch (outcome) {
    case MmvetGrade::Outcome::kGraded: return "graded";
    case MmvetGrade::Outcome::kExhausted: return "exhausted";
    case MmvetGrade::Outcome::kFailed: return "failed";
  }
  return "unknown";
}

Status GradeMmvet(const std::vector<MmvetItem>& items, const std::vector<std::string_view>& predictions, int runs,
                  JudgeSession* session, std::vector<std::vector<MmvetGrade>>* grades) {
  grades->assign(runs, std::vector<MmvetGrade>(items.size()));
  // Every (run, item) starts pending; each round sends one attempt for all
  // that are still pending, so a live judge sees whole batches.
  std::vector<std::pair<int, size_t>> pending;
  for (int run = 0; run < runs; ++run) {
    for (size_t i = 0; i < items.size(); ++i) pending.emplace_back(run, i);
  }
  for (int attempt = 0; attempt < kAttempts && !pending.empty(); ++attempt) {
    std::vector<JudgeRequest> requests;
    for (auto [run, i] : pending) {
      JudgeRequest request;
      request.user = RenderMmvetGraderMessage(items[i], predictions[i], /*digit_hint=*/attempt > 0);
      request.temperature = kAttemptTemperatures[attempt];
      request.max_tokens = kMaxTokens;
      request.repeat = run;
      request.sample_id = items[i].id;
      requests.push_back(std::move(request));
    }
    std::vector<JudgeReply> replies;
    SVIT_RETURN_IF_ERROR(session->Ask(requests, &replies));
    std::vector<std::pair<int, size_t>> still_pending;
    for (size_t k = 0; k < pending.size(); ++k) {
      auto [run, i] = pending[k];
      MmvetGrade& grade = (*grades)[run][i];
      const JudgeReply& reply = replies[k];
      if (!reply.status.ok()) {
        grade.outcome = MmvetGrade::Outcome::kFailed;
        grade.content = reply.status.message();
        continue;
      }
      ++grade.attempts;
      grade.model = reply.model;
      std::string token;
      if (reply.refused) {
        ++grade.refusals;  // the official script sees content None and retries
      } else if (mmvet::ParseGrade(reply.text, &grade.score, &token)) {
        grade.outcome = MmvetGrade::Outcome::kGraded;
        grade.content = token;
        continue;
      }
      grade.content = reply.text;
      grade.outcome = MmvetGrade::Outcome::kExhausted;  // unless a later attempt parses
      grade.score = 0.0;
      still_pending.emplace_back(run, i);
    }
    pending = std::move(still_pending);
  }
  return Status::OK();
}

Status MmvetGradeReplay::Open(const std::string& path, const std::vector<MmvetItem>& items, int runs, bool subset,
                              std::unique_ptr<MmvetGradeReplay>* out) {
  auto replay = std::unique_ptr<MmvetGradeReplay>(new MmvetGradeReplay());
  replay->endpoint_.name = "replay of " + path;
  JsonDocument doc;
  SVIT_RETURN_IF_ERROR(doc.Load(path));
  JsonObject root;
  SVIT_RETURN_IF_ERROR(GetObject(doc.root(), Where{path}, &root));
  std::map<std::string, JsonObject> records;
  for (auto [key, value] : root) {
    std::string id(key);
    JsonObject record;
    SVIT_RETURN_IF_ERROR(GetObject(value, Where{path, 0, id}, &record));
    records[id] = record;
  }
  std::vector<std::string> missing;
  std::map<std::string, bool> known;
  for (const MmvetItem& item : items) {
    known[item.id] = true;
    auto it = records.find(item.id);
    if (it == records.end()) {
      missing.push_back(item.id);
      continue;
    }
    Where where{path, 0, item.id};
    JsonArray models, contents, scores;
    SVIT_RETURN_IF_ERROR(GetArray(it->second, "model", where, &models));
    SVIT_RETURN_IF_ERROR(GetArray(it->second, "content", where, &contents));
    SVIT_RETURN_IF_ERROR(GetArray(it->second, "score", where, &scores));
    if (scores.size() < static_cast<size_t>(runs) || contents.size() < static_cast<size_t>(runs) ||
        models.size() < static_cast<size_t>(runs)) {
      return Status::InvalidInput(where.ToString() + ": has " + std::to_string(scores.size()) +
                                  " graded runs, --runs asks for " + std::to_string(runs));
    }
    for (int run = 0; run < runs; ++run) {
      std::string_view model, content;
      double score;
      if (models.at(run).get(model) != simdjson::SUCCESS || contents.at(run).get(content) != simdjson::SUCCESS ||
          scores.at(run).get(score) != simdjson::SUCCESS) {
        return Status::InvalidInput(where.ToString() + ": run " + std::to_string(run) +
                                    " needs a string model, a string content and a numeric score");
      }
      double parsed;
      std::string token;
      bool graded = mmvet::ParseGrade(content, &parsed, &token) && parsed == score;
      if (!graded && score != 0.0) {
        return Status::InvalidInput(where.ToString() + ": run " + std::to_string(run) + " has score " +
                                    py::FloatRepr(score) + " but content '" + std::string(content) +
                                    "' is not that grade");
      }
      replay->by_item_and_run_[{item.id, run}] = {graded ? std::string(content) : std::string(), std::string(model)};
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 5) list += " (and " + std::to_string(missing.size() - 5) + " more)";
    return Status::InvalidInput(path + ": no grades for " + std::to_string(missing.size()) + " sample(s): " + list);
  }
  for (const auto& [id, record] : records) {
    if (!subset && !known.count(id)) {
      return Status::InvalidInput(path + ": grades for '" + id + "', which the MM-Vet file does not have");
    }
  }
  *out = std::move(replay);
  return Status::OK();
}

Status MmvetGradeReplay::Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) {
  replies->clear();
  for (const JudgeRequest& request : requests) {
    JudgeReply reply;
    auto it = by_item_and_run_.find({request.sample_id, request.repeat});
    if (it == by_item_and_run_.end()) {
      reply.status = Status::RunFailed("no recorded grade for " + request.sample_id + " run " +
                                       std::to_string(request.repeat));
    } else {
      reply.text = it->second.reply;
      reply.model = it->second.model;
      reply.cached = true;
    }
    replies->push_back(std::move(reply));
  }
  return Status::OK();
}

}  // namespace svit

// Choice extraction by a judge model, for multiple-choice tasks (MMBench,
// SEED-Bench, ScienceQA) when their own rules cannot tell which option a
// model's answer means. The prompt is VLMEvalKit's matching prompt
// (open-compass/VLMEvalKit vlmeval/dataset/utils/multiple_choice.py
// build_prompt, Apache-2.0) with its options written by build_option_str;
// the judge answers with an option letter, or Z when no option fits.
// VLMEvalKit asks up to three times; after that it picks a random option,
// which svit-eval never does: the sample stays unresolved and is shown.
// The tasks record how each sample's choice was settled ("matched_by") and
// count the fallback's outcomes with the helpers at the end.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "tasks/judge_session.h"

namespace svit {

struct McqChoice {
  std::string letter;  // "A", "B", ...
  std::string text;
};

// build_option_str: "There are several options: \n" then "A. text\n" per option.
std::string McqOptionString(const std::vector<McqChoice>& choices);

// build_prompt(question, options, prediction): the template with its three
// slots ("Question: {}?", "Options: {}", "Answer: {}") filled in.
std::string RenderMcqMatchPrompt(std::string_view question, std::string_view options, std::string_view prediction);

// Reads a judge reply as a letter among `choices` or "Z"; "" when it names none.
using McqReplyParser = std::function<std::string(std::string_view reply, const std::vector<McqChoice>& choices)>;
// The default parser: the stripped reply is exactly one option letter or Z.
// Tasks that implement VLMEvalKit's can_infer pass it instead.
std::string ParseMcqLetter(std::string_view reply, const std::vector<McqChoice>& choices);
// VLMEvalKit's reading of a judge reply (can_infer): the MMBench rules
// (metrics/mmbench_matching.h) find a letter, which must be one of the
// options; else a reply whose only letter word is Z (after . ( ) [ ] , : ; !
// * # { } become spaces) means no option fits. Single-letter options only.
std::string InferMcqLetter(std::string_view reply, const std::vector<McqChoice>& choices);

struct McqFallbackItem {
  std::string sample_id;
  std::string question;  // the benchmark's question text, without the options
  std::vector<McqChoice> choices;
  std::string prediction;  // the model's answer (stripped before use, as VLMEvalKit does)
};

struct McqFallbackResult {
  std::string letter;  // an option letter, "Z", or "" when unresolved
  int attempts = 0;
  std::string last_reply;  // the last reply, or the error when failed
  bool failed = false;     // a request failed after the runner's retries
};

struct McqFallbackSettings {
  double temperature = 0.0;
  int max_tokens = 0;  // 0 = the endpoint's default
  int attempts = 3;    // VLMEvalKit's retry count
};

JudgeProtocol McqJudgeProtocol(const McqFallbackSettings& settings);

// Asks the judge about every item, retrying unparsed replies (each retry is
// a separate request: repeat = attempt index, so a cache cannot replay the
// same reply); (*results)[i] answers items[i].
Status AskMcqFallback(const std::vector<McqFallbackItem>& items, const McqFallbackSettings& settings,
                      const McqReplyParser& parse, JudgeSession* session, std::vector<McqFallbackResult>* results);

// How an asked sample's choice was settled: "judge" (an option letter),
// "judge_none" (Z: no option fits, scored wrong), "unresolved" (no letter
// after every attempt: scored as the rules score it) or "judge_failed" (a
// request failed: no verdict, excluded like a failed model request).
std::string McqFallbackMatch(const McqFallbackResult& result);

// Adds matched_by, judge_letter, judge_reply (the last reply, or the error)
// and judge_attempts to a sample's detail.
void RecordMcqFallback(const McqFallbackResult& result, nlohmann::json* detail);

// The fallback items of a task whose samples letter their choices A, B, ...
// in order: one for each answered sample (aligned[i] answers samples[i]) whose
// text `undecided` says the rules cannot read; (*sample_of_item)[k] is the
// index of items[k]'s sample.
void McqItemsForUndecided(const std::vector<Sample>& samples, const std::vector<const Prediction*>& aligned,
                          const std::function<bool(const std::string& text)>& undecided,
                          std::vector<McqFallbackItem>* items, std::vector<size_t>* sample_of_item);

// What a task says about the samples the fallback could not settle: how one
// without a letter after every attempt is scored, how one whose judge
// request failed is counted (both go into the result's notes).
struct McqFallbackRules {
  std::string unresolved;
  std::string failed;
};

// Scores with the task's rules after a judge pass over what they left open.
// by_sample[i] is sample i's judge result, empty when it was not asked.
using McqEvaluate = std::function<Status(const std::vector<std::optional<McqFallbackResult>>& by_sample,
                                         ScoreResult* result)>;

// One task's whole fallback: asks the judge (with InferMcqLetter, default
// settings) about `items`, where items[k] is sample sample_of_item[k] of
// `sample_count`; scores with `evaluate`; then adds metrics.judge_fallback
// {asked, resolved, none_fits, unresolved, failed}, the notes (the numbers
// use the judge, so they differ from the official rule-only numbers; how
// unresolved and failed samples were counted; drift and failures of the
// judge) and the judge's identity and usage (ScoreResult::judge).
Status ScoreWithMcqFallback(const std::vector<McqFallbackItem>& items, const std::vector<size_t>& sample_of_item,
                            size_t sample_count, JudgeClient* judge, const McqFallbackRules& rules,
                            const McqEvaluate& evaluate, ScoreResult* result);

}  // namespace svit

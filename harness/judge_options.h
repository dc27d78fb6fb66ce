// The live judge's command-line options (--judge NAME=URL and its
// companions), shared by every command that asks a judge: each command
// declares the names in kJudgeOptions and turns them into a JudgeSpec with
// ParseJudgeOptions. Messages name the option; the URL is shown with any
// credentials masked.
#pragma once

#include <boost/program_options.hpp>

#include "core/status.h"
#include "harness/runner_judge_client.h"

namespace svit {

inline constexpr const char* kJudgeOptions[] = {
    "judge",       "judge-model",        "judge-profile",          "judge-api-key-env",
    "judge-cache", "judge-price-prompt", "judge-price-completion", "judge-max-attempts"};

// --judge NAME=URL, --judge-model ID (required with --judge), --judge-profile,
// --judge-api-key-env, --judge-price-prompt/-completion (both or neither) and
// --judge-max-attempts as a JudgeSpec. --judge-cache is the caller's.
Status ParseJudgeOptions(const boost::program_options::variables_map& vm, JudgeSpec* spec);

}  // namespace svit

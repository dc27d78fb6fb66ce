// The live judge on the command line, the same for `score` and `run`:
//   --judge NAME=URL --judge-model ID [--judge-profile P]
//   [--judge-api-key-env VAR] [--judge-price-prompt USD
//   --judge-price-completion USD] [--judge-max-attempts N]
// read into a JudgeSpec (harness/suite.h) with messages naming the option.
// The key itself is never an option: only the variable that holds it.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "harness/suite.h"

namespace svit {

// The option names above, without "--".
const std::vector<std::string>& JudgeOptionNames();

// Adds the options (string-valued) to `options`.
void AddJudgeOptions(boost::program_options::options_description* options);

// The help lines describing the options, each indented by two spaces.
const char* JudgeOptionsHelp();

// *out = the judge given by --judge and its companions, or nullopt when no
// judge option is given. InvalidInput when a companion comes without
// --judge, --judge is not NAME=URL, --judge-model is missing, only one price
// is given, or a number is out of range.
Status ReadJudgeOptions(const boost::program_options::variables_map& vm, std::optional<JudgeSpec>* out);

}  // namespace svit

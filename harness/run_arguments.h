// Turning command-line RUN arguments into RunSets for compare, leaderboard,
// report and submission. A RUN is "PATH" or "LABEL=PATH" (a score result
// file, a folder of them, a run folder or run.json; LABEL renames the model
// in tables), or the id of a run in the results store.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "metrics/statistics.h"
#include "results/run_set.h"

namespace svit {

Status LoadRunArgument(const std::string& argument, const std::string& store_path, RunSet* out);

// Parses `options` and any number of positional RUN arguments (into `runs`);
// on a usage error prints it and returns false with *exit_code = 2.
bool ParseRunCommandLine(const char* command, const std::vector<std::string>& args,
                         const boost::program_options::options_description& options,
                         boost::program_options::variables_map* vm, std::vector<std::string>* runs,
                         int* exit_code);

// Parses a whole number / a number for an option, InvalidInput naming it.
Status ParseCount(const std::string& option, const std::string& text, size_t* out);
Status ParseFraction(const std::string& option, const std::string& text, double* out);

// --resamples, --seed, --confidence, shared by the commands that compute
// bootstrap intervals.
void AddResampleOptions(boost::program_options::options_description* options);
Status ReadResampleOptions(const boost::program_options::variables_map& vm,
                           stats::ResampleOptions* out);

// Writes `text` to `path` atomically; RunFailed on I/O errors.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace svit

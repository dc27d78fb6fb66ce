// What every subcommand does the same way: parse its arguments with
// Boost.program_options (a usage error prints the command's name and a
// pointer to its --help, exit 2) and report a failed Status on stderr as
// "svit-eval <command>: <message>" with the Status's exit code.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "core/status.h"

namespace svit {

// Fills `vm`; on a usage error prints it and returns false with *exit_code = 2.
bool ParseCommandLine(const char* command, const std::vector<std::string>& args,
                      const boost::program_options::options_description& options,
                      const boost::program_options::positional_options_description* positional,
                      boost::program_options::variables_map* vm, int* exit_code);

// Prints the failure and returns the exit code it maps to.
int ReportFailure(const char* command, const Status& status);

}  // namespace svit

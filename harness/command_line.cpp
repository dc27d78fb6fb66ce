#include "harness/command_line.h"

#include <cstdio>

namespace po = boost::program_options;

namespace svit {

bool ParseCommandLine(const char* command, const std::vector<std::string>& args,
                      const po::options_description& options, const po::positional_options_description* positional,
                      po::variables_map* vm, int* exit_code) {
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "svit-eval %s: %s\n(see 'svit-eval %s --help')\n", command, e.what(), command);
    *exit_code = 2;
    return false;
  }
  return true;
}

int ReportFailure(const char* command, const Status& status) {
  std::fprintf(stderr, "svit-eval %s: %s\n", command, status.message().c_str());
  return status.exit_code();
}

}  // namespace svit

#include "harness/default_suite.h"

#include <filesystem>

namespace svit {

Status LoadDefaultSuite(Suite* out) {
  // The demo suite ships with the sources (demo/suite.json: the two reference
  // models on the demo benchmark files); the build records where they are.
  std::string path = std::string(SVIT_DEMO_DIR) + "/suite.json";
  if (!std::filesystem::exists(path)) {
    return Status::InvalidInput("the default suite " + path +
                                " is missing (svit-eval runs it when given no arguments); give --config "
                                "SUITE.json or the quick form (see 'svit-eval run --help')");
  }
  return LoadSuiteFile(path, out);
}

}  // namespace svit

#include "harness/default_suite.h"

namespace svit {

Status LoadDefaultSuite(Suite* out) {
  return Status::InvalidInput(
      "no default suite is built into this svit-eval; give --config SUITE.json, or the quick form "
      "--task NAME <task files> --images DIR --model NAME=URL (see 'svit-eval run --help')");
}

}  // namespace svit

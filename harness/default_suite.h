// The suite `svit-eval run` runs when given no arguments: the embedded demo
// (local reference models on the demo benchmark set). This is the hook for
// it; until the demo models are built into the binary it reports that there
// is no default suite.
#pragma once

#include "core/status.h"
#include "harness/suite.h"

namespace svit {

Status LoadDefaultSuite(Suite* out);

}  // namespace svit

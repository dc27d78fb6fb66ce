#include "core/types.h"

namespace svit {

const char* SampleStatusName(SampleStatus status) {
  switch (status) {
    case SampleStatus::kAnswered: return "answered";
    case SampleStatus::kMissing: return "missing";
    case SampleStatus::kFailed: return "failed";
    case SampleStatus::kUnparseable: return "unparseable";
  }
  return "unknown";
}

}  // namespace svit

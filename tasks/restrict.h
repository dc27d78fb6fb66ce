// Shared steps of Task::Restrict (what `run --limit N` asks): checking that
// the requested ids are the task's and keeping the chosen samples and their
// per-sample data in benchmark order. Each task decides what its official
// rules mean on the subset; these helpers only select and filter.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace svit {

// The positions of the samples whose ids are in `ids`, ascending. An id no
// sample has is InvalidInput naming it.
Status SelectSamples(const std::vector<Sample>& samples, const std::unordered_set<std::string>& ids,
                     std::vector<size_t>* kept);

// Keeps (*items)[kept[0]], (*items)[kept[1]], ... in that order; `kept` is
// ascending, as SelectSamples returns it.
template <typename T>
void KeepPositions(const std::vector<size_t>& kept, std::vector<T>* items) {
  for (size_t j = 0; j < kept.size(); ++j) {
    if (kept[j] != j) (*items)[j] = std::move((*items)[kept[j]]);
  }
  items->resize(kept.size());
}

// Sample id -> position, for tasks that look samples up by id.
std::unordered_map<std::string, size_t> IndexSamples(const std::vector<Sample>& samples);

// The common case: keeps the selected samples, the same positions of each
// per-sample vector, and re-indexes `positions` (sample id -> position).
template <typename... PerSample>
Status RestrictSamples(const std::unordered_set<std::string>& ids, std::vector<Sample>* samples,
                       std::unordered_map<std::string, size_t>* positions, PerSample*... per_sample) {
  std::vector<size_t> kept;
  SVIT_RETURN_IF_ERROR(SelectSamples(*samples, ids, &kept));
  KeepPositions(kept, samples);
  (KeepPositions(kept, per_sample), ...);
  *positions = IndexSamples(*samples);
  return Status::OK();
}

}  // namespace svit

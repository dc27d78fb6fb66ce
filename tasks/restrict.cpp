#include "tasks/restrict.h"

namespace svit {

Status SelectSamples(const std::vector<Sample>& samples, const std::unordered_set<std::string>& ids,
                     std::vector<size_t>* kept) {
  kept->clear();
  for (size_t i = 0; i < samples.size(); ++i) {
    if (ids.count(samples[i].id)) kept->push_back(i);
  }
  if (kept->size() == ids.size()) return Status::OK();
  std::unordered_set<std::string> known;
  for (size_t i : *kept) known.insert(samples[i].id);
  for (const auto& id : ids) {
    if (!known.count(id)) return Status::InvalidInput("cannot restrict to sample " + id + ": the task has no such sample");
  }
  return Status::OK();
}

std::unordered_map<std::string, size_t> IndexSamples(const std::vector<Sample>& samples) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < samples.size(); ++i) index.emplace(samples[i].id, i);
  return index;
}

}  // namespace svit

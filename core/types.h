// The nouns every layer shares: a benchmark Sample, a model's Prediction for
// it, and the ScoreResult a task produces. Tasks create Samples and
// ScoreResults; adapters and the runner turn Samples into Predictions;
// results/ serialises ScoreResults. Plain structs, no behaviour.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace svit {

// An image a sample shows the model: a file (relative to the task's image
// folder) or bytes carried inline by the benchmark file (MMBench TSV).
struct ImageRef {
  std::string path;
  std::string bytes;
};

// One benchmark item as a model sees it.
struct Sample {
  std::string id;
  std::string question;              // the benchmark's own question text
  std::string prompt;                // rendered with the benchmark's LLaVA-1.5 convention
  std::vector<std::string> choices;  // option texts for multiple choice, in letter order
  std::vector<ImageRef> images;
};

// A model's answer to one sample, as read from an answer file or produced by
// a run. `failed` marks a request that never got an answer: it is counted as
// failed, never scored as a wrong answer.
struct Prediction {
  std::string id;
  std::string text;
  std::string prompt;  // the prompt recorded with the answer, when the file has one
  bool failed = false;
  size_t line = 0;     // 1-based line or record index in the predictions file
};

enum class SampleStatus { kAnswered, kMissing, kFailed, kUnparseable };
const char* SampleStatusName(SampleStatus status);

// One sample's outcome. `score` is the task's primary per-sample value on the
// official scale (e.g. VQA accuracy 0..1, 1/0 for exact match).
struct SampleScore {
  std::string id;
  std::string prediction;
  std::string extracted;  // the answer the official rules extracted or normalised
  double score = 0.0;
  SampleStatus status = SampleStatus::kAnswered;
  nlohmann::json detail;  // task-specific extras (null when none)
};

// A per-sample field with few distinct values (answer type, image), kept as
// codes into a dictionary: a 200,000-question set pays 4 bytes a sample
// instead of a JSON object each. Written into each per_sample record like a
// `detail` field.
struct SampleColumn {
  std::string name;
  std::vector<std::string> values;
  std::vector<uint32_t> codes;  // one per per_sample entry, indexing `values`
};

struct ScoreCounts {
  size_t total = 0;
  size_t answered = 0;
  size_t missing = 0;
  size_t failed = 0;
  size_t unparseable = 0;
};

// What `score` reports: metrics named, structured and rounded as the official
// script prints them; the same keys unrounded; every sample's outcome.
struct ScoreResult {
  std::string task;
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json metrics_unrounded = nlohmann::json::object();
  std::vector<SampleScore> per_sample;
  std::vector<SampleColumn> columns;  // extra per-sample fields, see SampleColumn
  ScoreCounts counts;
  std::string official_output;     // the text the official script prints, when it prints one
  std::vector<std::string> notes;  // protocol remarks shown to the user
  // Judged tasks only (null otherwise): the judge's identity and usage
  // (tasks/judge_session.h), written and printed with every judged number.
  nlohmann::json judge;
};

}  // namespace svit

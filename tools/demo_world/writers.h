// Writers for the demo suite and the training split. The suite is written in
// the benchmarks' official file formats (VQAv2, COCO captions, POPE,
// ScienceQA, LLaVA-Bench) plus a Visual-Genome-like scene file; the training
// split holds raw pixels, the scenes' annotations (for the vision tower's
// pretraining) and two instruction sets, a small baseline one and a ~20x
// larger, more diverse SVIT-style one. Same seed, same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace svit::demo {

struct SuiteOptions {
  uint64_t seed = 2023;
  int coco_images = 120;       // shared by VQAv2, captions, POPE
  int pope_images = 50;        // of those, with 6 POPE questions each per split
  int scienceqa_problems = 100;
  int llava_bench_images = 20; // three questions each (conv, detail, complex)
};

Status WriteSuite(const std::string& out_dir, const SuiteOptions& options);

struct TrainingOptions {
  uint64_t seed = 7;
  int scenes = 2000;             // SVIT-style set draws from all of them
  int svit_per_scene = 4;        // instructions per scene
  int baseline_scenes = 200;     // the baseline sees the first ones only
  int baseline_per_scene = 2;
  int jpeg_quality = 90;         // the suite's JPEGs use the same quality
};

Status WriteTrainingSplit(const std::string& out_dir, const TrainingOptions& options);

}  // namespace svit::demo

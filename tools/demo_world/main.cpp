// make_demo_world: writes the demo suite (benchmark files in their official
// formats, with images) and, on request, the training split the reference
// models are trained on.
//
//   make_demo_world --suite demo/data
//   make_demo_world --train /tmp/train [--scenes N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/demo_world/writers.h"

int main(int argc, char** argv) {
  std::string suite_dir, train_dir;
  svit::demo::TrainingOptions training;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--suite") && has_value) {
      suite_dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--train") && has_value) {
      train_dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--scenes") && has_value) {
      training.scenes = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: make_demo_world [--suite DIR] [--train DIR [--scenes N]]\n");
      return 2;
    }
  }
  if (suite_dir.empty() && train_dir.empty()) {
    std::fprintf(stderr, "usage: make_demo_world [--suite DIR] [--train DIR [--scenes N]]\n");
    return 2;
  }
  if (training.scenes < training.baseline_scenes) {
    std::fprintf(stderr, "--scenes must be at least %d\n", training.baseline_scenes);
    return 2;
  }
  svit::Status status;
  if (!suite_dir.empty()) status = svit::demo::WriteSuite(suite_dir, svit::demo::SuiteOptions());
  if (status.ok() && !train_dir.empty()) status = svit::demo::WriteTrainingSplit(train_dir, training);
  if (!status.ok()) {
    std::fprintf(stderr, "make_demo_world: %s\n", status.message().c_str());
    return status.exit_code();
  }
  return 0;
}

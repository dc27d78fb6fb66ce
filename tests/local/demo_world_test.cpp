// The demo world generator: deterministic (it regenerates the committed
// demo/data byte for byte) and writing well-formed official formats.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/test_util.h"
#include "tools/demo_world/writers.h"

namespace svit::demo {
namespace {

namespace fs = std::filesystem;
using svit::testing::ReadJsonFile;
using svit::testing::ReadText;
using svit::testing::TempDir;

const std::string kDemo = std::string(SVIT_REPO_DIR) + "/demo/data";

std::set<std::string> RelativeFiles(const std::string& root) {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), root).string());
  }
  return files;
}

TEST(DemoWorld, RegeneratesTheCommittedSuiteByteForByte) {
  TempDir dir;
  ASSERT_TRUE(WriteSuite(dir.path(), SuiteOptions()).ok());
  const std::set<std::string> generated = RelativeFiles(dir.path());
  const std::set<std::string> committed = RelativeFiles(kDemo);
  EXPECT_EQ(generated, committed);
  for (const std::string& file : generated) {
    EXPECT_EQ(ReadText(dir.File(file)), ReadText(kDemo + "/" + file)) << file;
  }
}

TEST(DemoWorld, VqaSetHasTenAnswersPerQuestionAndAnImagePerImageId) {
  const nlohmann::json questions = ReadJsonFile(kDemo + "/vqav2/v2_OpenEnded_mscoco_val2014_questions.json");
  const nlohmann::json annotations = ReadJsonFile(kDemo + "/vqav2/v2_mscoco_val2014_annotations.json");
  ASSERT_EQ(questions["questions"].size(), annotations["annotations"].size());
  std::set<int64_t> ids;
  for (size_t i = 0; i < questions["questions"].size(); ++i) {
    const auto& q = questions["questions"][i];
    const auto& a = annotations["annotations"][i];
    EXPECT_TRUE(ids.insert(q["question_id"].get<int64_t>()).second);
    EXPECT_EQ(a["question_id"], q["question_id"]);
    EXPECT_EQ(a["answers"].size(), 10u);
    char file[64];
    std::snprintf(file, sizeof file, "/coco/val2014/COCO_val2014_%012lld.jpg", q["image_id"].get<long long>());
    EXPECT_TRUE(fs::exists(kDemo + file)) << file;
  }
}

TEST(DemoWorld, PopeSplitsAreBalancedAndMatchTheQuestionFile) {
  size_t labels = 0;
  for (const char* split : {"adversarial", "popular", "random"}) {
    int yes = 0, no = 0;
    std::istringstream lines(ReadText(kDemo + "/pope/coco/coco_pope_" + split + ".json"));
    for (std::string line; std::getline(lines, line);) {
      const auto record = nlohmann::json::parse(line);
      (record["label"] == "yes" ? yes : no) += 1;
      ++labels;
    }
    EXPECT_EQ(yes, no) << split;
    EXPECT_GT(yes, 0) << split;
  }
  std::istringstream lines(ReadText(kDemo + "/pope/llava_pope_test.jsonl"));
  size_t questions = 0;
  for (std::string line; std::getline(lines, line);) ++questions;
  EXPECT_EQ(questions, labels);
}

TEST(DemoWorld, TrainingSplitHasTwentyTimesMoreSvitInstructions) {
  TempDir dir;
  TrainingOptions options;
  options.scenes = 200;
  options.baseline_scenes = 10;
  ASSERT_TRUE(WriteTrainingSplit(dir.path(), options).ok());
  auto count_lines = [&](const std::string& name) {
    std::istringstream lines(ReadText(dir.File(name)));
    size_t n = 0;
    for (std::string line; std::getline(lines, line);) ++n;
    return n;
  };
  EXPECT_EQ(count_lines("instructions_svit.jsonl"), 200u * 4);
  EXPECT_EQ(count_lines("instructions_baseline.jsonl"), 10u * 2);
  EXPECT_EQ(fs::file_size(dir.File("pixels.u8")), 200u * 80 * 60 * 3);
}

}  // namespace
}  // namespace svit::demo

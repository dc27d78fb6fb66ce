// The samples the caption tasks give a model to caption: one per image, in
// the reference file's order, with the image file and the caption prompt.
#include <gtest/gtest.h>

#include "tasks/registry.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::TempDir;

std::unique_ptr<Task> LoadTask(const std::string& name, const std::string& option, const std::string& path,
                               const std::string& prompt = "") {
  std::unique_ptr<Task> task;
  EXPECT_TRUE(CreateTask(name, &task).ok());
  TaskConfig config;
  config.Set(option, path);
  if (!prompt.empty()) config.Set("prompt", prompt);
  Status status = task->Load(config);
  EXPECT_TRUE(status.ok()) << status.message();
  return task;
}

TEST(CaptionSamples, CocoFileGivesOneSamplePerImage) {
  TempDir dir;
  std::string path = dir.Write("captions.json", R"({
    "annotations": [{"image_id": 7, "caption": "a cat"}, {"image_id": 3, "caption": "a dog"}],
    "images": [{"id": 3, "file_name": "COCO_val2014_000000000003.jpg"}, {"id": 7, "file_name": "b.jpg"}]})");
  auto task = LoadTask("coco-caption", "annotations", path);
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].id, "3");
  EXPECT_EQ(samples[0].prompt, "Provide a one-sentence caption for the provided image.");
  ASSERT_EQ(samples[0].images.size(), 1u);
  EXPECT_EQ(samples[0].images[0].path, "COCO_val2014_000000000003.jpg");
  EXPECT_EQ(samples[1].id, "7");
  EXPECT_EQ(samples[1].images[0].path, "b.jpg");
}

TEST(CaptionSamples, KarpathyFileKeepsTheSplitsImagesWithTheirFolder) {
  TempDir dir;
  std::string path = dir.Write("dataset_coco.json", R"({"images": [
    {"filepath": "val2014", "filename": "COCO_val2014_000000391895.jpg", "cocoid": 391895, "split": "test",
     "sentences": [{"raw": "A man riding a bike."}]},
    {"filepath": "val2014", "filename": "COCO_val2014_000000000042.jpg", "cocoid": 42, "split": "train",
     "sentences": [{"raw": "A bus."}]},
    {"filename": "1000092795.jpg", "split": "test", "sentences": [{"raw": "Two dogs."}]}]})");
  auto task = LoadTask("flickr30k", "karpathy", path, "Describe the image.");
  const auto& samples = task->samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].id, "391895");
  EXPECT_EQ(samples[0].images[0].path, "val2014/COCO_val2014_000000391895.jpg");
  EXPECT_EQ(samples[0].prompt, "Describe the image.");
  EXPECT_EQ(samples[1].id, "1000092795");
  EXPECT_EQ(samples[1].images[0].path, "1000092795.jpg");
}

TEST(CaptionSamples, LoadingAgainReplacesTheSamples) {
  TempDir dir;
  std::string first = dir.Write("first.json", R"({"images": [{"id": 1, "file_name": "a.jpg"}],
    "annotations": [{"image_id": 1, "caption": "a cat"}]})");
  std::string second = dir.Write("second.json", R"({"images": [{"id": 2, "file_name": "b.jpg"}],
    "annotations": [{"image_id": 2, "caption": "a dog"}]})");
  auto task = LoadTask("coco-caption", "annotations", first);
  ASSERT_EQ(task->samples().size(), 1u);
  TaskConfig config;
  config.Set("annotations", second);
  ASSERT_TRUE(task->Load(config).ok());
  ASSERT_EQ(task->samples().size(), 1u);
  EXPECT_EQ(task->samples()[0].id, "2");
  EXPECT_EQ(task->samples()[0].images[0].path, "b.jpg");
}

}  // namespace
}  // namespace svit

// Image decoding and preprocessing against PyTorch's own results
// (tests/data/local/preprocess_golden.json, written by make_goldens.py).
#include <gtest/gtest.h>

#include "adapters/torch/image.h"
#include "tests/test_util.h"

namespace svit::local {
namespace {

using svit::testing::DataPath;
using svit::testing::ReadJsonFile;
using svit::testing::ReadText;

const std::string kDemo = std::string(SVIT_REPO_DIR) + "/demo/data/";

TEST(DecodeImage, ReadsJpegAndPngAsRgb) {
  Image jpeg, png;
  ASSERT_TRUE(DecodeImage(ReadText(kDemo + "coco/val2014/COCO_val2014_000000000100.jpg"), &jpeg).ok());
  EXPECT_EQ(jpeg.width, 80);
  EXPECT_EQ(jpeg.height, 60);
  EXPECT_EQ(jpeg.rgb.size(), 80u * 60 * 3);
  ASSERT_TRUE(DecodeImage(ReadText(kDemo + "scienceqa/images/test/1/image.png"), &png).ok());
  EXPECT_EQ(png.width, 80);
  EXPECT_EQ(png.rgb.size(), 80u * 60 * 3);
}

TEST(DecodeImage, RejectsEmptyTruncatedAndForeignBytes) {
  Image image;
  Status empty = DecodeImage("", &image);
  EXPECT_EQ(empty.code(), Status::Code::kInvalidInput);
  EXPECT_NE(empty.message().find("empty image"), std::string::npos);
  const std::string jpeg = ReadText(kDemo + "coco/val2014/COCO_val2014_000000000100.jpg");
  EXPECT_EQ(DecodeImage(jpeg.substr(0, 40), &image).code(), Status::Code::kInvalidInput);
  Status text = DecodeImage("GIF89a not really an image", &image);
  EXPECT_EQ(text.code(), Status::Code::kInvalidInput);
  EXPECT_NE(text.message().find("JPEG or PNG expected"), std::string::npos);
}

TEST(PreprocessImage, MatchesTorchInterpolateForEveryResizeMode) {
  const nlohmann::json golden = ReadJsonFile(DataPath("local/preprocess_golden.json"));
  Image image;
  image.width = golden["width"];
  image.height = golden["height"];
  for (int v : golden["rgb"]) image.rgb.push_back(static_cast<uint8_t>(v));
  for (const auto& c : golden["cases"]) {
    ImageSpec spec;
    spec.size = c["size"];
    ASSERT_TRUE(ParseResizeMode(c["mode"].get<std::string>(), &spec.mode).ok());
    for (int i = 0; i < 3; ++i) {
      spec.mean[i] = golden["mean"][i].get<float>();
      spec.std[i] = golden["std"][i].get<float>();
    }
    std::vector<float> out(3 * spec.size * spec.size);
    PreprocessImage(image, spec, out.data());
    ASSERT_EQ(out.size(), c["output"].size()) << c["mode"];
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_NEAR(out[i], c["output"][i].get<double>(), 1e-5) << c["mode"] << " value " << i;
    }
  }
}

TEST(PreprocessImage, BlankImageIsAllZeros) {
  ImageSpec spec;
  spec.size = 4;
  std::vector<float> out(3 * 16, 1.0f);
  BlankImage(spec, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(ParseResizeMode, NamesTheAcceptedModes) {
  ResizeMode mode;
  Status status = ParseResizeMode("squash", &mode);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("pad_to_square, stretch or center_crop"), std::string::npos);
}

}  // namespace
}  // namespace svit::local

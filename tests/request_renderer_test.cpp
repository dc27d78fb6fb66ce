// Turning Samples into Requests: prompt templates, image folders that may
// not be escaped, inline images, MIME types, downscaling and rank options.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <filesystem>

#include "harness/images.h"
#include "harness/request_renderer.h"
#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::TempDir;

Sample MakeSample() {
  Sample s;
  s.id = "7";
  s.question = "Which animal?";
  s.prompt = "Which animal?\nAnswer with the option's letter from the given choices directly.";
  s.choices = {"cat", "dog", "bird"};
  return s;
}

TEST(PromptTemplate, PlaceholdersAndBraces) {
  Sample s = MakeSample();
  EXPECT_EQ(RenderPromptText({"", ""}, s), s.prompt);
  EXPECT_EQ(RenderPromptText({"{question}\n{options}\nAnswer:", ""}, s), "Which animal?\nA. cat\nB. dog\nC. bird\nAnswer:");
  EXPECT_EQ(RenderPromptText({"{{json}} {prompt}", ""}, s), "{json} " + s.prompt);
  EXPECT_TRUE(ValidatePromptTemplate("{prompt} {{x}}").ok());
  EXPECT_NE(ValidatePromptTemplate("{promt}").message().find("unknown placeholder {promt}"), std::string::npos);
  EXPECT_NE(ValidatePromptTemplate("open {prompt").message().find("unclosed"), std::string::npos);
  EXPECT_NE(ValidatePromptTemplate("close }").message().find("unmatched"), std::string::npos);
  EXPECT_EQ(OptionLetter(0), "A");
  EXPECT_EQ(OptionLetter(25), "Z");
  EXPECT_EQ(OptionLetter(26), "AA");
}

TEST(ImagePaths, MayNotLeaveTheFolder) {
  EXPECT_TRUE(CheckRelativeImagePath("val2014/a.jpg").ok());
  EXPECT_FALSE(CheckRelativeImagePath("").ok());
  EXPECT_NE(CheckRelativeImagePath("/etc/passwd").message().find("absolute"), std::string::npos);
  EXPECT_NE(CheckRelativeImagePath("a/../../secret.jpg").message().find(".."), std::string::npos);

  TempDir dir;
  testing::WriteTestImage(dir.File("images/a.jpg"), 8, 8, 1);
  testing::WriteTestImage(dir.File("outside.jpg"), 8, 8, 2);
  std::filesystem::create_symlink(dir.File("outside.jpg"), dir.File("images/link.jpg"));
  ImageLoader loader(dir.File("images"), 0);
  std::shared_ptr<const ImageData> image;
  ASSERT_TRUE(loader.Load({"a.jpg", ""}, &image).ok());
  EXPECT_EQ(image->mime(), "image/jpeg");
  Status escaped = loader.Load({"link.jpg", ""}, &image);
  EXPECT_EQ(escaped.code(), Status::Code::kInvalidInput);
  EXPECT_NE(escaped.message().find("outside the image folder"), std::string::npos) << escaped.message();
  Status missing = loader.Load({"nope.jpg", ""}, &image);
  EXPECT_NE(missing.message().find("not found"), std::string::npos) << missing.message();
  dir.Write("images/fake.jpg", "<html>not an image</html>");
  Status fake = loader.Load({"fake.jpg", ""}, &image);
  EXPECT_NE(fake.message().find("not a JPEG, PNG"), std::string::npos) << fake.message();
  ImageLoader no_folder("", 0);
  EXPECT_NE(no_folder.Load({"a.jpg", ""}, &image).message().find("image folder"), std::string::npos);
}

TEST(ImageLoader, SharesRecentImagesAndTakesInlineBytes) {
  TempDir dir;
  testing::WriteTestImage(dir.File("a.png"), 4, 4, 9);
  ImageLoader loader(dir.path(), 0);
  std::shared_ptr<const ImageData> first, second, inline_image;
  ASSERT_TRUE(loader.Load({"a.png", ""}, &first).ok());
  ASSERT_TRUE(loader.Load({"a.png", ""}, &second).ok());
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(first->mime(), "image/png");
  ASSERT_TRUE(loader.Load({"", testing::ReadText(dir.File("a.png"))}, &inline_image).ok());
  EXPECT_EQ(inline_image->sha256(), first->sha256());
}

TEST(ImageLoader, DownscalesToMaxSideKeepingAspectAndPng) {
  TempDir dir;
  testing::WriteTestImage(dir.File("wide.png"), 100, 40, 3);
  testing::WriteTestImage(dir.File("small.jpg"), 20, 10, 3);
  ImageLoader loader(dir.path(), 50);
  std::shared_ptr<const ImageData> wide, small;
  ASSERT_TRUE(loader.Load({"wide.png", ""}, &wide).ok());
  int w = 0, h = 0, c = 0;
  ASSERT_TRUE(stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(wide->bytes().data()),
                                    static_cast<int>(wide->bytes().size()), &w, &h, &c));
  EXPECT_EQ(w, 50);
  EXPECT_EQ(h, 20);
  EXPECT_EQ(wide->mime(), "image/png");
  ASSERT_TRUE(loader.Load({"small.jpg", ""}, &small).ok());
  EXPECT_EQ(small->bytes(), testing::ReadText(dir.File("small.jpg")));  // untouched
}

TEST(RequestRenderer, ImagesFirstThenTextSystemAndRankOptions) {
  TempDir dir;
  testing::WriteTestImage(dir.File("a.jpg"), 8, 8, 1);
  ImageLoader loader(dir.path(), 0);
  Sample s = MakeSample();
  s.images.push_back({"a.jpg", ""});
  GenerationParams params;
  params.max_new_tokens = 5;
  RequestRenderer generate({"", "Be brief."}, params, RequestKind::kGenerate, &loader);
  Request r;
  ASSERT_TRUE(generate.Render(s, &r).ok());
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].parts[0].kind, ContentPart::Kind::kImage);
  EXPECT_EQ(r.messages[1].parts[1].text, s.prompt);
  EXPECT_EQ(r.params.max_new_tokens, 5);
  EXPECT_TRUE(r.options.empty());

  RequestRenderer rank({"", ""}, params, RequestKind::kRank, &loader);
  ASSERT_TRUE(rank.Render(s, &r).ok());
  EXPECT_EQ(r.kind, RequestKind::kRank);
  EXPECT_EQ(r.options, (std::vector<std::string>{"A", "B", "C"}));
  s.choices.clear();
  EXPECT_FALSE(rank.Render(s, &r).ok());
}

}  // namespace
}  // namespace svit

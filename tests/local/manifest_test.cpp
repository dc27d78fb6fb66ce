// Model folder manifests: every malformed or missing field is InvalidInput
// naming the file and the field.
#include <gtest/gtest.h>

#include <filesystem>

#include "adapters/torch/manifest.h"
#include "tests/test_util.h"

namespace svit::local {
namespace {

using svit::testing::DataPath;
using svit::testing::ReadJsonFile;
using svit::testing::TempDir;

// A copy of the counter model's manifest with absolute file paths, which a
// test then breaks in one place.
nlohmann::json CounterManifest() {
  nlohmann::json manifest = ReadJsonFile(DataPath("local/models/counter/manifest.json"));
  manifest["model_file"] = DataPath("local/models/counter/model.pt");
  manifest["tokenizer"]["file"] = DataPath("local/tiny_sp.model");
  return manifest;
}

Status LoadFrom(const TempDir& dir, const nlohmann::json& manifest, ModelManifest* out) {
  dir.Write("manifest.json", manifest.dump());
  return LoadManifest(dir.path(), out);
}

TEST(LoadManifest, ReadsTheCounterModel) {
  ModelManifest m;
  Status status = LoadManifest(DataPath("local/models/counter"), &m);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(m.name, "counter");
  EXPECT_EQ(m.tokenizer_kind, TokenizerKind::kSentencePiece);
  EXPECT_EQ(m.image.size, 8);
  EXPECT_EQ(m.image.mode, ResizeMode::kPadToSquare);
  EXPECT_EQ(m.bos_id, 1);
  EXPECT_EQ(m.stop_ids, (std::vector<int64_t>{2, 121}));
  EXPECT_TRUE(std::filesystem::exists(m.model_file));
}

TEST(LoadManifest, MissingFolderOrFileIsInvalidInput) {
  TempDir dir;
  ModelManifest m;
  Status status = LoadManifest(dir.File("nowhere"), &m);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("manifest.json"), std::string::npos);
}

TEST(LoadManifest, SyntaxErrorNamesLineAndColumn) {
  TempDir dir;
  dir.Write("manifest.json", "{\n  \"format\": \"svit-eval-local-model\",\n  \"name\": \n}");
  ModelManifest m;
  Status status = LoadManifest(dir.path(), &m);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("manifest.json:"), std::string::npos) << status.message();
}

struct Breakage {
  const char* what;
  std::function<void(nlohmann::json*)> apply;
  const char* message;
};

TEST(LoadManifest, EveryBrokenFieldIsNamed) {
  const std::vector<Breakage> cases = {
      {"format", [](nlohmann::json* m) { (*m)["format"] = "onnx"; }, "field 'format': expected 'svit-eval-local-model'"},
      {"version", [](nlohmann::json* m) { (*m)["format_version"] = 2; }, "field 'format_version'"},
      {"model file", [](nlohmann::json* m) { (*m)["model_file"] = "missing.pt"; }, "field 'model_file': file not found"},
      {"image size", [](nlohmann::json* m) { (*m)["image"]["size"] = "64"; },
       "field 'image.size': expected an integer, got a string"},
      {"no image", [](nlohmann::json* m) { m->erase("image"); }, "field 'image': missing"},
      {"resize mode", [](nlohmann::json* m) { (*m)["image"]["resize_mode"] = "squash"; },
       "field 'image.resize_mode': unknown resize_mode 'squash'"},
      {"interpolation", [](nlohmann::json* m) { (*m)["image"]["interpolation"] = "bicubic"; },
       "field 'image.interpolation': only 'bilinear'"},
      {"mean", [](nlohmann::json* m) { (*m)["image"]["mean"] = {0.5, 0.5}; },
       "field 'image.mean': expected an array of 3 numbers"},
      {"std", [](nlohmann::json* m) { (*m)["image"]["std"] = {0.5, 0.0, 0.5}; }, "field 'image.std'"},
      {"tokenizer", [](nlohmann::json* m) { (*m)["tokenizer"]["kind"] = "bpe"; },
       "field 'tokenizer.kind': unknown tokenizer 'bpe'"},
      {"unk", [](nlohmann::json* m) { (*m)["tokenizer"] = {{"kind", "word_level"}, {"file", "v.json"}}; },
       "field 'tokenizer.unk_token': missing"},
      {"stop", [](nlohmann::json* m) { (*m)["special_tokens"]["stop"] = nlohmann::json::array(); },
       "field 'special_tokens.stop'"},
      {"stop range", [](nlohmann::json* m) { (*m)["special_tokens"]["stop"] = {100000}; }, ">= vocab_size"},
      {"template", [](nlohmann::json* m) { (*m)["prompt_template"] = "USER: ASSISTANT:"; },
       "field 'prompt_template': must contain {prompt} exactly once"},
      {"limits", [](nlohmann::json* m) { (*m)["max_prompt_tokens"] = 500; },
       "field 'max_prompt_tokens': must be below max_total_tokens"},
      {"new tokens", [](nlohmann::json* m) { (*m)["max_new_tokens"] = 0; },
       "field 'max_new_tokens': must be at least 1"},
  };
  for (const Breakage& c : cases) {
    TempDir dir;
    nlohmann::json manifest = CounterManifest();
    c.apply(&manifest);
    ModelManifest m;
    Status status = LoadFrom(dir, manifest, &m);
    EXPECT_EQ(status.code(), Status::Code::kInvalidInput) << c.what;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << c.what << ": " << status.message();
    EXPECT_NE(status.message().find("manifest.json"), std::string::npos) << c.what;
  }
}

}  // namespace
}  // namespace svit::local

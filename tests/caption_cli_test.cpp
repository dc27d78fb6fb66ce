// `svit-eval score` on the caption tasks: official file formats, the result
// file, and every bad-input case of the caption issue.
#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace svit {
namespace {

using nlohmann::ordered_json;
using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

// The golden mini case with closest-length ties: two images, no empty caption.
ordered_json MiniCase() {
  ordered_json mini = ordered_json::parse(ReadText(DataPath("golden/captions/mini_cases.json")));
  for (const auto& c : mini["cases"]) {
    if (c["name"] == "bleu_closest_ref_len_tie_prefers_shorter") return c;
  }
  ADD_FAILURE() << "mini case missing";
  return {};
}

// COCO files for `input` ({references, candidates}); ids are written as given.
struct CocoFiles {
  std::string annotations, results;
};

CocoFiles WriteCoco(const TempDir& dir, const ordered_json& input) {
  ordered_json images = ordered_json::array(), annotations = ordered_json::array(),
               results = ordered_json::array();
  for (const auto& [id, refs] : input["references"].items()) {
    images.push_back({{"id", id}, {"file_name", id + ".jpg"}});
    for (const auto& r : refs) annotations.push_back({{"image_id", id}, {"caption", r}});
    results.push_back({{"image_id", id}, {"caption", input["candidates"][id]}});
  }
  ordered_json coco = {{"images", images}, {"annotations", annotations}};
  return {dir.Write("captions.json", coco.dump()), dir.Write("results.json", results.dump())};
}

void ExpectMiniCaseResult(const nlohmann::json& result, const ordered_json& expected) {
  const char* names[] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"};
  for (const char* name : names) {
    EXPECT_NEAR(result["metrics"][name].get<double>(), expected["corpus"][name].get<double>(), 1e-9)
        << name;
    EXPECT_EQ(result["metrics"][name], result["metrics_unrounded"][name]) << name;
  }
  ASSERT_EQ(result["per_sample"].size(), expected["per_image"].size());
  for (const auto& s : result["per_sample"]) {
    std::string id = s["id"];
    const auto& golden = expected["per_image"][id];
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(s["Bleu_" + std::to_string(k + 1)].get<double>(), golden["Bleu"][k].get<double>(), 1e-9);
    }
    EXPECT_NEAR(s["ROUGE_L"].get<double>(), golden["ROUGE_L"].get<double>(), 1e-9);
    EXPECT_NEAR(s["CIDEr"].get<double>(), golden["CIDEr"].get<double>(), 1e-9);
    EXPECT_EQ(s["score"], s["CIDEr"]);
    EXPECT_EQ(s["tokenized_candidate"], expected["tokenized"][id]["candidate"]);
    EXPECT_EQ(s["extracted"], expected["tokenized"][id]["candidate"]);
  }
}

TEST(CaptionCli, CocoFilesGiveOfficialNumbers) {
  TempDir dir;
  ordered_json c = MiniCase();
  CocoFiles files = WriteCoco(dir, c["input"]);
  auto r = RunCli({"score", "--task", "coco-caption", "--annotations", files.annotations,
                   "--predictions", files.results, "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("{'testlen': 9, 'reflen': 7, 'guess': [9, 7, 5, 3], 'correct': [9, 6, 4, 2]}"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CIDEr: 5.786"), std::string::npos) << r.out;
  auto result = ReadJsonFile(dir.File("result.json"));
  EXPECT_EQ(result["task"], "coco-caption");
  ExpectMiniCaseResult(result, c["expected"]);
}

TEST(CaptionCli, KarpathySplitFileGivesTheSameNumbers) {
  TempDir dir;
  ordered_json c = MiniCase();
  // Flickr-style entries (numeric file names) in the test split, plus a train
  // image that must be ignored.
  ordered_json images = ordered_json::array(), results = ordered_json::array();
  int n = 0;
  for (const auto& [id, refs] : c["input"]["references"].items()) {
    std::string number = std::to_string(1000 + n);
    ordered_json sentences = ordered_json::array();
    for (const auto& ref : refs) sentences.push_back({{"raw", ref}, {"tokens", ordered_json::array()}});
    images.push_back({{"filename", number + ".jpg"}, {"imgid", n}, {"split", "test"},
                      {"sentences", sentences}});
    results.push_back({{"image_id", std::stoi(number)}, {"caption", c["input"]["candidates"][id]}});
    ++n;
  }
  images.push_back({{"filename", "9.jpg"}, {"imgid", 9}, {"split", "train"},
                    {"sentences", {{{"raw", "ignored"}}}}});
  std::string karpathy = dir.Write("dataset_flickr30k.json", ordered_json({{"images", images}}).dump());
  std::string res = dir.Write("results.json", results.dump());
  for (const char* task : {"flickr30k", "nocaps", "coco-caption"}) {
    auto r = RunCli({"score", "--task", task, "--karpathy", karpathy, "--split", "test",
                     "--predictions", res, "--output", dir.File("result.json")});
    ASSERT_EQ(r.exit_code, 0) << task << ": " << r.err;
    auto result = ReadJsonFile(dir.File("result.json"));
    EXPECT_NEAR(result["metrics"]["CIDEr"].get<double>(),
                c["expected"]["corpus"]["CIDEr"].get<double>(), 1e-9) << task;
    EXPECT_NEAR(result["metrics"]["Bleu_4"].get<double>(),
                c["expected"]["corpus"]["Bleu_4"].get<double>(), 1e-9) << task;
    EXPECT_EQ(result["per_sample"][0]["id"], "1000") << task;
  }
}

TEST(CaptionCli, LineSeparatorsInCaptionsAreSpacesAndNothingShifts) {
  TempDir dir;
  ordered_json input = {
      {"references", {{"1", {"a dog\rruns on grass", "a dog"}}, {"2", {"a red\u2028car", "a car"}},
                      {"3", {"two cats", "cats on a mat"}}}},
      {"candidates", {{"1", "a dog\vruns"}, {"2", "a red\fcar"}, {"3", "two\u2029cats"}}}};
  CocoFiles files = WriteCoco(dir, input);
  auto r = RunCli({"score", "--task", "coco-caption", "--annotations", files.annotations,
                   "--predictions", files.results, "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("result.json"));
  ASSERT_EQ(result["per_sample"].size(), 3u);
  EXPECT_EQ(result["per_sample"][0]["tokenized_candidate"], "a dog runs");
  EXPECT_EQ(result["per_sample"][1]["tokenized_candidate"], "a red car");
  EXPECT_EQ(result["per_sample"][2]["tokenized_candidate"], "two cats");
  EXPECT_EQ(result["per_sample"][2]["ROUGE_L"], 1.0);  // still scored against its own refs
}

struct BadCase {
  std::string annotations;  // COCO captions file text
  std::string results;      // results file text
};

testing::CliResult ScoreBad(const BadCase& c) {
  TempDir dir;
  return RunCli({"score", "--task", "coco-caption", "--annotations",
                 dir.Write("captions.json", c.annotations), "--predictions",
                 dir.Write("results.json", c.results)});
}

const char kTwoImages[] =
    R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
        "annotations": [{"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "a cat"}]})";

TEST(CaptionCli, ImageSetMismatchNamesIdsAndCounts) {
  auto r = ScoreBad({kTwoImages, R"([{"image_id": 1, "caption": "a dog"}, {"image_id": 7, "caption": "x"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("2 predicted, 2 in the references"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 predicted image(s) not in the references: 7"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 reference image(s) without a prediction: 2"), std::string::npos) << r.err;
}

TEST(CaptionCli, MissingPredictionIsRejected) {
  auto r = ScoreBad({kTwoImages, R"([{"image_id": 1, "caption": "a dog"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("1 predicted, 2 in the references"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("without a prediction: 2"), std::string::npos) << r.err;
}

TEST(CaptionCli, SeveralPredictionsForOneImageAreRejected) {
  auto r = ScoreBad({kTwoImages, R"([{"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "a cat"},
                                     {"image_id": 1, "caption": "another dog"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("duplicate prediction for id '1' (record 0 and record 2)"), std::string::npos) << r.err;
}

TEST(CaptionCli, EmptyPredictionIsRejected) {
  auto r = ScoreBad({kTwoImages, R"([{"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "  "}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("results[1] (image_id 2): caption is empty"), std::string::npos) << r.err;
}

TEST(CaptionCli, EmptyReferenceIsRejected) {
  auto r = ScoreBad({R"({"images": [{"id": 1, "file_name": "a.jpg"}],
                         "annotations": [{"image_id": 1, "caption": ""}]})",
                     R"([{"image_id": 1, "caption": "a dog"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("annotations[0]: caption is empty"), std::string::npos) << r.err;
}

TEST(CaptionCli, InvalidUtf8IsRejected) {
  auto r = ScoreBad({kTwoImages, "[{\"image_id\": 1, \"caption\": \"a d\xC3\x28g\"}, "
                                 "{\"image_id\": 2, \"caption\": \"a cat\"}]"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("results.json:1:29: invalid JSON: invalid UTF-8"), std::string::npos) << r.err;
}

TEST(CaptionCli, ImageWithoutReferencesIsRejected) {
  auto r = ScoreBad({R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
                         "annotations": [{"image_id": 1, "caption": "a dog"}]})",
                     R"([{"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "a cat"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("1 image(s) have no reference caption"), std::string::npos) << r.err;
}

TEST(CaptionCli, CaptionForUnknownImageIsRejected) {
  auto r = ScoreBad({R"({"images": [{"id": 1, "file_name": "a.jpg"}],
                         "annotations": [{"image_id": 1, "caption": "a dog"}, {"image_id": 5, "caption": "x"}]})",
                     R"([{"image_id": 1, "caption": "a dog"}])"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("annotations[1]: caption for image id 5, which is not in 'images'"),
            std::string::npos) << r.err;
}

TEST(CaptionCli, NeedsExactlyOneReferenceFile) {
  TempDir dir;
  std::string res = dir.Write("results.json", "[]");
  auto r = RunCli({"score", "--task", "nocaps", "--predictions", res});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs exactly one of --annotations"), std::string::npos) << r.err;
}

TEST(CaptionCli, TasksListsTheCaptionTasks) {
  auto r = RunCli({"tasks"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* name : {"coco-caption", "nocaps", "flickr30k"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("Bleu_1, Bleu_2, Bleu_3, Bleu_4, ROUGE_L, CIDEr"), std::string::npos);
}

}  // namespace
}  // namespace svit

// Task::Restrict (run --limit N) for every task: restricting a loaded
// fixture to a hand-picked subset lists just those samples and scores them as
// the official script scores a benchmark file holding only those questions.
// Where that equality is the official semantics, the reference is the same
// task loaded on such a filtered file; MME is checked against hand-computed
// numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>

#include "tasks/registry.h"
#include "tests/mock_server.h"
#include "tests/loaded_task.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using nlohmann::json;
using testing::DataPath;
using testing::LoadedTask;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::TempDir;
using Ids = std::unordered_set<std::string>;

std::vector<std::string> SampleIds(const Task& task) {
  std::vector<std::string> ids;
  for (const auto& s : task.samples()) ids.push_back(s.id);
  return ids;
}

// The predictions of `path` (read by `reader`) for the samples of `task`.
std::vector<Prediction> PredictionsFor(const Task& reader, const std::string& path, const Task& task) {
  TaskConfig config;
  config.Set("predictions", path);
  std::vector<Prediction> all, kept;
  Status status = reader.ReadPredictions(config, &all);
  EXPECT_TRUE(status.ok()) << status.message();
  std::set<std::string> ids;
  for (const auto& s : task.samples()) ids.insert(s.id);
  for (auto& p : all) {
    if (ids.count(p.id)) kept.push_back(std::move(p));
  }
  return kept;
}

ScoreResult ScoreOf(const Task& task, const std::vector<Prediction>& predictions) {
  ScoreResult result;
  Status status = task.Score(predictions, &result);
  EXPECT_TRUE(status.ok()) << status.message();
  return result;
}

void ExpectSameScore(const ScoreResult& restricted, const ScoreResult& filtered) {
  // As text: an undefined metric is NaN, which equals nothing.
  EXPECT_EQ(restricted.metrics.dump(), filtered.metrics.dump());
  EXPECT_EQ(restricted.metrics_unrounded.dump(), filtered.metrics_unrounded.dump());
  EXPECT_EQ(restricted.official_output, filtered.official_output);
  ASSERT_EQ(restricted.per_sample.size(), filtered.per_sample.size());
  for (size_t i = 0; i < restricted.per_sample.size(); ++i) {
    EXPECT_EQ(restricted.per_sample[i].id, filtered.per_sample[i].id);
    EXPECT_EQ(restricted.per_sample[i].score, filtered.per_sample[i].score) << restricted.per_sample[i].id;
    EXPECT_EQ(restricted.per_sample[i].status, filtered.per_sample[i].status) << restricted.per_sample[i].id;
  }
  EXPECT_EQ(restricted.counts.total, filtered.counts.total);
  EXPECT_EQ(restricted.counts.missing, filtered.counts.missing);
}

// Restricts `task` to `ids`, expects exactly `expected_samples`, and scores
// the predictions of `predictions` (a file for the whole benchmark, read by
// `task` before it is restricted) for them as `filtered` (the same task loaded
// on files holding only those questions) scores them.
// Returns the restricted task's score.
ScoreResult ExpectRestrictedAsFiltered(Task* task, const Ids& ids, const std::vector<std::string>& expected_samples,
                                       const Task& filtered, const std::string& predictions) {
  TaskConfig config;
  config.Set("predictions", predictions);
  std::vector<Prediction> all;
  Status status = task->ReadPredictions(config, &all);
  EXPECT_TRUE(status.ok()) << status.message();
  status = task->Restrict(ids);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(SampleIds(*task), expected_samples);
  EXPECT_EQ(SampleIds(filtered), expected_samples);
  std::vector<Prediction> subset;
  for (const auto& p : all) {
    if (std::find(expected_samples.begin(), expected_samples.end(), p.id) != expected_samples.end()) subset.push_back(p);
  }
  ScoreResult restricted = ScoreOf(*task, subset);
  ScoreResult reference = ScoreOf(filtered, subset);
  ExpectSameScore(restricted, reference);
  return restricted;
}

void ExpectUnknownIdRefused(Task* task) {
  Status status = task->Restrict({"no-such-sample-id"});
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("no-such-sample-id"), std::string::npos) << status.message();
}

std::string IdText(const json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

// Keeps the elements of `array` whose `key` is in `ids`.
json KeepById(const json& array, const std::string& key, const Ids& ids) {
  json kept = json::array();
  for (const auto& item : array) {
    if (ids.count(IdText(item[key]))) kept.push_back(item);
  }
  return kept;
}

std::vector<json> ReadJsonLines(const std::string& path) {
  std::vector<json> lines;
  std::string text = ReadText(path);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

std::string JsonLines(const std::vector<json>& lines) {
  std::string out;
  for (const auto& line : lines) out += line.dump() + "\n";
  return out;
}

std::string FilterJsonLines(const TempDir& dir, const std::string& name, const std::string& path,
                            const std::function<bool(const json&)>& keep) {
  std::vector<json> kept;
  for (const auto& line : ReadJsonLines(path)) {
    if (keep(line)) kept.push_back(line);
  }
  return dir.Write(name, JsonLines(kept));
}

TEST(Restrict, OkVqaEqualsQuestionFilesOfTheSubset) {
  const std::string questions = DataPath("okvqa/OpenEnded_mscoco_val2014_questions.json");
  const std::string annotations = DataPath("okvqa/mscoco_val2014_annotations.json");
  json q = ReadJsonFile(questions), a = ReadJsonFile(annotations);
  std::vector<std::string> picked = {IdText(q["questions"][1]["question_id"]),
                                     IdText(q["questions"][4]["question_id"])};
  Ids ids(picked.begin(), picked.end());
  q["questions"] = KeepById(q["questions"], "question_id", ids);
  a["annotations"] = KeepById(a["annotations"], "question_id", ids);
  TempDir dir;
  auto filtered = LoadedTask("okvqa", {{"questions", dir.Write("q.json", q.dump())},
                                   {"annotations", dir.Write("a.json", a.dump())}});
  auto task = LoadedTask("okvqa", {{"questions", questions}, {"annotations", annotations}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), ids, picked, *filtered, DataPath("okvqa/answers.jsonl"));

  // ReadPredictions after Restrict takes an answer file of just the subset.
  auto subset_answers = FilterJsonLines(dir, "answers.jsonl", DataPath("okvqa/answers.jsonl"),
                                        [&](const json& line) { return ids.count(IdText(line["question_id"])) > 0; });
  TaskConfig config;
  config.Set("predictions", subset_answers);
  std::vector<Prediction> predictions;
  ASSERT_TRUE(task->ReadPredictions(config, &predictions).ok());
  EXPECT_EQ(ScoreOf(*task, predictions).counts.total, 2u);
}

TEST(Restrict, Vqav2RefusesUnknownIds) {
  auto task = LoadedTask("vqav2", {{"questions", DataPath("golden/vqav2/questions.json")},
                               {"annotations", DataPath("golden/vqav2/annotations.json")}});
  ExpectUnknownIdRefused(task.get());
  EXPECT_GT(task->samples().size(), 1u);  // nothing was dropped
}

TEST(Restrict, TextVqaEqualsAnswerLinesOfTheSubset) {
  const std::string annotations = DataPath("textvqa/TextVQA_0.5.1_val.json");
  auto task = LoadedTask("textvqa", {{"annotations", annotations}});
  std::vector<std::string> picked = {task->samples()[0].id, task->samples()[3].id, task->samples()[7].id};
  // eval_textvqa.py always reads the whole annotation file: the reference is
  // the unrestricted task scoring only the subset's answer lines.
  auto whole = LoadedTask("textvqa", {{"annotations", annotations}});
  ExpectUnknownIdRefused(task.get());
  ASSERT_TRUE(task->Restrict(Ids(picked.begin(), picked.end())).ok());
  EXPECT_EQ(SampleIds(*task), picked);
  auto predictions = PredictionsFor(*whole, DataPath("textvqa/answers.jsonl"), *task);
  ASSERT_EQ(predictions.size(), 3u);
  ScoreResult restricted = ScoreOf(*task, predictions), reference = ScoreOf(*whole, predictions);
  EXPECT_EQ(restricted.metrics, reference.metrics);
  EXPECT_EQ(restricted.official_output, reference.official_output);
  EXPECT_EQ(restricted.counts.total, 3u);
  EXPECT_EQ(restricted.counts.missing, 0u);
}

TEST(Restrict, VizWizEqualsAnnotationListOfTheSubset) {
  const std::string annotations = DataPath("vizwiz/val.json");
  json list = ReadJsonFile(annotations);
  std::vector<std::string> picked = {list[0]["image"], list[2]["image"], list[4]["image"]};
  Ids ids(picked.begin(), picked.end());
  TempDir dir;
  auto filtered = LoadedTask("vizwiz", {{"annotations", dir.Write("val.json", KeepById(list, "image", ids).dump())}});
  auto task = LoadedTask("vizwiz", {{"annotations", annotations}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), ids, picked, *filtered, DataPath("vizwiz/upload.json"));
}

TEST(Restrict, GqaEqualsQuestionFileOfTheSubset) {
  const std::string questions = DataPath("gqa/testdev_balanced_questions.json");
  auto all = nlohmann::ordered_json::parse(ReadText(questions));
  auto task = LoadedTask("gqa", {{"questions", questions}});
  std::vector<std::string> picked = {task->samples()[1].id, task->samples()[2].id, task->samples()[5].id};
  nlohmann::ordered_json kept = nlohmann::ordered_json::object();
  for (const auto& id : picked) kept[id] = all[id];
  TempDir dir;
  auto filtered = LoadedTask("gqa", {{"questions", dir.Write("q.json", kept.dump())}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), Ids(picked.begin(), picked.end()), picked, *filtered,
                             DataPath("gqa/answers.jsonl"));
}

TEST(Restrict, ScienceQaEqualsSplitOfTheSubset) {
  const std::string problems = DataPath("scienceqa/problems.json");
  const std::string splits = DataPath("scienceqa/pid_splits.json");
  auto task = LoadedTask("scienceqa", {{"problems", problems}, {"splits", splits}});
  std::vector<std::string> picked = {task->samples()[0].id, task->samples()[2].id, task->samples()[3].id};
  TempDir dir;
  auto filtered = LoadedTask("scienceqa", {{"problems", problems},
                                       {"splits", dir.Write("splits.json", json{{"test", picked}}.dump())}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), Ids(picked.begin(), picked.end()), picked, *filtered,
                             DataPath("scienceqa/predictions.jsonl"));
}

TEST(Restrict, SeedEqualsAnnotationFileOfTheSubset) {
  const std::string annotations = DataPath("seed/SEED-Bench.json");
  json all = ReadJsonFile(annotations);
  std::vector<std::string> picked = {IdText(all["questions"][0]["question_id"]),
                                     IdText(all["questions"][3]["question_id"])};
  Ids ids(picked.begin(), picked.end());
  all["questions"] = KeepById(all["questions"], "question_id", ids);
  TempDir dir;
  auto filtered = LoadedTask("seed", {{"annotations", dir.Write("seed.json", all.dump())}});
  auto task = LoadedTask("seed", {{"annotations", annotations}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), ids, picked, *filtered, DataPath("seed/answers.jsonl"));
}

TEST(Restrict, CaptionsUseOnlyTheSubsetsReferences) {
  json input = ReadJsonFile(DataPath("golden/captions/public_input.json"));
  auto coco = [&](const Ids* only) {
    json images = json::array(), annotations = json::array(), results = json::array();
    for (const auto& [image, references] : input["references"].items()) {
      if (only && !only->count(image)) continue;
      // The fixture's tricky cases (empty captions) are refused by the COCO reader.
      if (image.starts_with("pub_tricky")) continue;
      images.push_back({{"id", image}, {"file_name", image}});
      for (const auto& caption : references) annotations.push_back({{"image_id", image}, {"caption", caption}});
      results.push_back({{"image_id", image}, {"caption", input["candidates"][image]}});
    }
    return std::pair{json{{"images", images}, {"annotations", annotations}}, results};
  };
  TempDir dir;
  auto [full, results] = coco(nullptr);
  auto task = LoadedTask("coco-caption", {{"annotations", dir.Write("full.json", full.dump())}});
  std::vector<std::string> picked = {task->samples()[0].id, task->samples()[5].id, task->samples()[9].id};
  Ids ids(picked.begin(), picked.end());
  auto subset = coco(&ids).first;
  auto filtered = LoadedTask("coco-caption", {{"annotations", dir.Write("subset.json", subset.dump())}});
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), ids, picked, *filtered, dir.Write("results.json", results.dump()));
}

TEST(Restrict, MmbenchKeepsWholeCircularGroups) {
  const std::string data = DataPath("mmbench/mini_dev_en.tsv");
  auto task = LoadedTask("mmbench", {{"data", data}});
  // The first row asked for brings every circular copy of its question.
  const std::string first = task->samples()[0].id;
  std::vector<std::string> group;
  for (const auto& s : task->samples()) {
    if (std::stoll(s.id) % 1000000 == std::stoll(first) % 1000000) group.push_back(s.id);
  }
  ASSERT_GT(group.size(), 1u);
  // The reference: the TSV with only those rows.
  std::string tsv = ReadText(data), kept;
  size_t header_end = tsv.find('\n') + 1;
  kept = tsv.substr(0, header_end);
  for (size_t start = header_end; start < tsv.size();) {
    size_t end = tsv.find('\n', start);
    if (end == std::string::npos) end = tsv.size();
    std::string line = tsv.substr(start, end - start);
    std::string index = line.substr(0, line.find('\t'));
    if (std::find(group.begin(), group.end(), index) != group.end()) kept += line + "\n";
    start = end + 1;
  }
  TempDir dir;
  auto filtered = LoadedTask("mmbench", {{"data", dir.Write("subset.tsv", kept)}});
  ExpectUnknownIdRefused(task.get());
  ScoreResult restricted = ExpectRestrictedAsFiltered(task.get(), {first}, group, *filtered,
                                                      DataPath("mmbench/mini_dev_en_answers.jsonl"));
  bool noted = false;
  for (const auto& note : restricted.notes) noted |= note.find("extended to every circular copy") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Restrict, PopeKeepsEachQuestionsOwnLabelLine) {
  const std::string golden = "golden/pope/";
  const std::string labels = DataPath(golden + "coco"), questions = DataPath(golden + "llava_pope_test.jsonl");
  auto task = LoadedTask("pope", {{"labels", labels}, {"questions", questions}});
  // Questions 2 and 3 of one category and 1 of another, by question-file order.
  std::map<std::string, std::vector<std::string>> by_category;
  std::vector<json> lines = ReadJsonLines(questions);
  for (const auto& line : lines) by_category[line["category"]].push_back(IdText(line["question_id"]));
  ASSERT_GE(by_category.size(), 2u);
  auto first = by_category.begin(), second = std::next(first);
  Ids ids = {first->second[1], first->second[2], second->second[0]};
  // The reference: label files with just those questions' lines.
  TempDir dir;
  std::string kept_labels;
  std::map<std::string, std::set<size_t>> kept_positions = {{first->first, {1, 2}}, {second->first, {0}}};
  for (const auto& [category, positions] : kept_positions) {
    std::vector<json> label_lines = ReadJsonLines(labels + "/coco_pope_" + category + ".json"), kept;
    for (size_t k : positions) kept.push_back(label_lines[k]);
    kept_labels += (kept_labels.empty() ? "" : ",") + dir.Write("coco_pope_" + category + ".json", JsonLines(kept));
  }
  std::string kept_questions = FilterJsonLines(dir, "questions.jsonl", questions, [&](const json& line) {
    return ids.count(IdText(line["question_id"])) > 0;
  });
  auto filtered = LoadedTask("pope", {{"labels", kept_labels}, {"questions", kept_questions}});
  std::vector<std::string> expected;
  for (const auto& line : lines) {
    if (ids.count(IdText(line["question_id"]))) expected.push_back(IdText(line["question_id"]));
  }
  ExpectUnknownIdRefused(task.get());
  ScoreResult restricted = ExpectRestrictedAsFiltered(task.get(), ids, expected, *filtered, DataPath(golden + "answers.jsonl"));
  EXPECT_EQ(restricted.metrics.size(), 3u) << "two categories and mean_f1";
}

TEST(Restrict, MmeKeepsImagePairsAndDropsEmptySubtasks) {
  auto task = LoadedTask("mme", {{"results", DataPath("golden/mme/results")}});
  ExpectUnknownIdRefused(task.get());
  ASSERT_TRUE(task->Restrict({"OCR/OCR_0000#1", "OCR/OCR_0002#2"}).ok());
  EXPECT_EQ(SampleIds(*task),
            (std::vector<std::string>{"OCR/OCR_0000#1", "OCR/OCR_0000#2", "OCR/OCR_0002#1", "OCR/OCR_0002#2"}));
  TaskConfig config;
  std::vector<Prediction> predictions;
  ASSERT_TRUE(task->ReadPredictions(config, &predictions).ok());
  ASSERT_EQ(predictions.size(), 4u);
  ScoreResult result = ScoreOf(*task, predictions);
  // OCR_0000: Yes/Yes right, No/" yes" wrong; OCR_0002: Yes/Yes and No/No right.
  // acc = 3/4, acc_plus = 1/2 images, score = 100 * (0.75 + 0.5).
  EXPECT_EQ(result.metrics["acc"], json({{"OCR", 0.75}}));
  EXPECT_EQ(result.metrics["acc_plus"], json({{"OCR", 0.5}}));
  EXPECT_DOUBLE_EQ(result.metrics["tasks"]["OCR"].get<double>(), 125.0);
  EXPECT_DOUBLE_EQ(result.metrics["Perception_total"].get<double>(), 125.0);
  EXPECT_FALSE(result.metrics.contains("Cognition_total"));
  EXPECT_EQ(result.official_output.find("Cognition"), std::string::npos);
}

TEST(Restrict, LlavaBenchEqualsFilesOfTheSubset) {
  const std::string oracle = "llava_bench_oracle/";
  std::map<std::string, std::string> files = {{"questions", DataPath(oracle + "wild_questions.jsonl")},
                                              {"context", DataPath(oracle + "wild_context.jsonl")},
                                              {"answers-ref", DataPath(oracle + "wild_ref.jsonl")},
                                              {"rule", DataPath("samples/llava_bench_coco/rule.json")},
                                              {"judge-replay", DataPath(oracle + "wild_reviews.jsonl")}};
  auto task = LoadedTask("llava-bench", files);
  ASSERT_EQ(task->samples().size(), 6u);
  std::vector<std::string> picked = {task->samples()[1].id, task->samples()[3].id, task->samples()[4].id};
  Ids ids(picked.begin(), picked.end());
  TempDir dir;
  auto in_subset = [&](const json& line) { return ids.count(IdText(line["question_id"])) > 0; };
  std::map<std::string, std::string> subset = files;
  for (const char* key : {"questions", "answers-ref", "judge-replay"}) {
    // Same file names: the summary is named after the review file.
    subset[key] = FilterJsonLines(dir, std::filesystem::path(files[key]).filename().string(), files[key], in_subset);
  }
  auto filtered = LoadedTask("llava-bench", subset);
  std::string answers = FilterJsonLines(dir, "model.jsonl", DataPath(oracle + "wild_model.jsonl"), in_subset);
  ExpectUnknownIdRefused(task.get());
  ExpectRestrictedAsFiltered(task.get(), ids, picked, *filtered, answers);
}

TEST(Restrict, MmVetEqualsMmVetFileOfTheSubset) {
  const std::string oracle = "mm_vet_oracle/";
  std::map<std::string, std::string> files = {{"annotations", DataPath(oracle + "mm-vet.json")},
                                              {"judge-replay", DataPath(oracle + "grades.json")},
                                              {"runs", "2"}};
  auto task = LoadedTask("mm-vet", files);
  std::vector<std::string> picked = {task->samples()[0].id, task->samples()[2].id, task->samples()[3].id};
  auto annotations = nlohmann::ordered_json::parse(ReadText(files["annotations"]));
  auto grades = nlohmann::ordered_json::parse(ReadText(files["judge-replay"]));
  nlohmann::ordered_json kept_annotations = nlohmann::ordered_json::object(), kept_grades = kept_annotations;
  for (const auto& id : picked) {
    kept_annotations[id] = annotations[id];
    kept_grades[id] = grades[id];
  }
  TempDir dir;
  std::map<std::string, std::string> subset = files;
  subset["annotations"] = dir.Write("mm-vet.json", kept_annotations.dump());
  subset["judge-replay"] = dir.Write("grades.json", kept_grades.dump());
  auto filtered = LoadedTask("mm-vet", subset);
  ExpectUnknownIdRefused(task.get());
  // The whole grade file is replayed: the evaluator's sub_set skips the other records.
  ExpectRestrictedAsFiltered(task.get(), Ids(picked.begin(), picked.end()), picked, *filtered,
                             DataPath(oracle + "results.json"));
}

TEST(RestrictCli, RunLimitSendsAndScoresOnlyTheFirstSamples) {
  const std::string questions = DataPath("okvqa/OpenEnded_mscoco_val2014_questions.json");
  const std::string annotations = DataPath("okvqa/mscoco_val2014_annotations.json");
  auto task = LoadedTask("okvqa", {{"questions", questions}, {"annotations", annotations}});
  ASSERT_GT(task->samples().size(), 3u);
  TempDir dir;
  for (const auto& s : task->samples()) {
    std::string path = dir.File("images/" + s.images[0].path);
    if (!std::filesystem::exists(path)) testing::WriteTestImage(path, 24, 16, 100);
  }
  testing::MockServer server;
  auto r = testing::RunCli({"run", "--task", "okvqa", "--questions", questions, "--annotations", annotations,
                            "--images", dir.File("images"), "--model", "mock=" + server.url() + "/v1",
                            "--model-id", "mock-vlm", "--output", dir.File("runs"), "--run-id", "limited",
                            "--limit", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Stats()["total"], 3);
  auto result = ReadJsonFile(dir.File("runs/limited/mock/run.json"))["tasks"][0];
  EXPECT_EQ(result["limit"], 3);
  EXPECT_EQ(result["counts"]["total"], 3);
  ASSERT_EQ(result["per_sample"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(result["per_sample"][i]["id"], task->samples()[i].id);
}

TEST(RestrictCli, RunLimitOnMmbenchSendsWholeCircularGroupsAndSaysSo) {
  const std::string data = DataPath("mmbench/mini_dev_en.tsv");
  auto task = LoadedTask("mmbench", {{"data", data}});
  ASSERT_TRUE(task->Restrict({task->samples()[0].id}).ok());
  const size_t group = task->samples().size();
  ASSERT_GT(group, 1u);
  TempDir dir;
  testing::MockServer server;
  auto r = testing::RunCli({"run", "--task", "mmbench", "--data", data, "--model", "mock=" + server.url() + "/v1",
                            "--model-id", "mock-vlm", "--output", dir.File("runs"), "--run-id", "limited",
                            "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Stats()["total"], static_cast<int>(group));
  EXPECT_NE(r.out.find("extended to every circular copy"), std::string::npos) << r.out;
  auto result = ReadJsonFile(dir.File("runs/limited/mock/run.json"))["tasks"][0];
  EXPECT_EQ(result["per_sample"].size(), group);
}

}  // namespace
}  // namespace svit

// Reading results and run records, recomputing reported metrics from
// per-sample records (against the golden numbers of the official scripts),
// and `svit-eval compare` with its gate, JUnit and Markdown outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "results/comparison.h"
#include "results/leaderboard.h"
#include "results/recompute.h"
#include "results/run_set.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

std::string Fixture(const std::string& name) { return DataPath("reports/" + name); }

RunSet Load(const std::string& path) {
  RunSet run;
  Status status = LoadRunSet(path, &run);
  EXPECT_TRUE(status.ok()) << status.message();
  return run;
}

// A hand-made binary result: `correct` lists the per-sample 0/1 scores.
nlohmann::json BinaryResult(const std::vector<int>& correct) {
  nlohmann::json result = {{"task", "toy"}, {"per_sample", nlohmann::json::array()}};
  double sum = 0;
  for (size_t i = 0; i < correct.size(); ++i) {
    result["per_sample"].push_back({{"id", "q" + std::to_string(i)},
                                    {"prediction", correct[i] ? "right" : "wrong"},
                                    {"extracted", ""},
                                    {"score", correct[i] ? 1.0 : 0.0},
                                    {"status", "answered"}});
    sum += correct[i];
  }
  result["metrics"] = {{"accuracy", 100.0 * sum / static_cast<double>(correct.size())}};
  return result;
}

TEST(RunSet, ReadsScoreResultsFoldersAndRunRecords) {
  RunSet single = Load(Fixture("vqav2_base.json"));
  EXPECT_EQ(single.run_id, "vqav2_base");
  ASSERT_EQ(single.tasks.count("vqav2"), 1u);
  EXPECT_EQ(single.tasks["vqav2"].score.per_sample.size(), 60u);

  RunSet record = Load(Fixture("runs/base"));
  EXPECT_EQ(record.run_id, "run-base");
  EXPECT_EQ(record.model_name, "llava-v1.5-7b");
  EXPECT_EQ(record.model_id, "llava-v1.5-7b-id");
  EXPECT_EQ(record.created_at, "2024-06-01T12:00:00Z");
  ASSERT_EQ(record.tasks.size(), 3u);
  EXPECT_EQ(record.tasks["pope"].protocol.dataset_sha256, std::string(64, '2'));
  EXPECT_EQ(record.tasks["mme"].score.per_sample[0].detail["category"], "existence");

  TempDir dir;
  dir.Write("folder/a.json", ReadText(Fixture("pope_base.json")));
  dir.Write("folder/b.json", ReadText(Fixture("mme_base.json")));
  RunSet folder = Load(dir.File("folder"));
  EXPECT_EQ(folder.run_id, "folder");
  EXPECT_EQ(folder.tasks.size(), 2u);
}

TEST(RunSet, BadInputNamesTheFileRecordAndField) {
  TempDir dir;
  auto error = [&](const std::string& name, const std::string& text) {
    RunSet run;
    Status status = LoadRunSet(dir.Write(name, text), &run);
    EXPECT_EQ(status.code(), Status::Code::kInvalidInput) << name;
    return status.message();
  };
  EXPECT_NE(error("no_samples.json", R"({"task": "x"})").find("missing field 'per_sample'"), std::string::npos);
  EXPECT_NE(error("no_task.json", R"({"per_sample": []})").find("missing field 'task'"), std::string::npos);
  std::string bad_score = error("bad_score.json", R"({"task": "x", "per_sample": [{"id": 1, "score": "high"}]})");
  EXPECT_NE(bad_score.find("bad_score.json: per_sample[0]: field 'score' must be a number"), std::string::npos)
      << bad_score;
  EXPECT_NE(error("bad_status.json", R"({"task": "x", "per_sample": [{"id": 1, "score": 1, "status": "odd"}]})")
                .find("field 'status' must be answered, missing, failed or unparseable"),
            std::string::npos);
  EXPECT_NE(error("dup.json", R"({"task": "x", "per_sample": [{"id": 1, "score": 1}, {"id": "1", "score": 0}]})")
                .find("per_sample[1]: sample id '1' appears twice"),
            std::string::npos);
  EXPECT_NE(error("run.json", R"({"run_id": "r", "tasks": 3})").find("field 'tasks' must be an object or an array"),
            std::string::npos);
  EXPECT_NE(error("syntax.json", "{\"task\": ").find("syntax.json"), std::string::npos);
  RunSet run;
  EXPECT_EQ(LoadRunSet(dir.File("absent"), &run).code(), Status::Code::kInvalidInput);
}

TEST(Recompute, ReproducesGoldenPopeMetricsFromSamples) {
  RunSet run = Load(Fixture("pope_base.json"));
  const ScoreResult& result = run.tasks["pope"].score;
  auto golden = ReadJsonFile(DataPath("golden/pope/expected.json"));
  SampleTable table = BuildSampleTable(result, "");
  EXPECT_EQ(table.cluster_field, "image");
  Outcomes outcomes = BuildOutcomes(table, result);
  for (const std::string split : {"adversarial", "popular", "random"}) {
    for (const std::string metric : {"f1", "precision", "recall", "accuracy", "yes_ratio", "TP", "FN"}) {
      const double expected = golden[split][metric].get<double>();
      auto recipe = FindRecipe(table, {&outcomes}, {expected}, {split, metric});
      ASSERT_TRUE(recipe.has_value()) << split << "/" << metric;
      EXPECT_NEAR(EvaluateAll(*recipe, table, outcomes), expected, 1e-12) << split << "/" << metric;
    }
  }
  // LLaVA's POPE headline: the mean F1 over the three splits.
  const double mean_f1 = (golden["adversarial"]["f1"].get<double>() + golden["popular"]["f1"].get<double>() +
                          golden["random"]["f1"].get<double>()) / 3.0;
  auto recipe = FindRecipe(table, {&outcomes}, {mean_f1}, {"f1"});
  ASSERT_TRUE(recipe.has_value());
  EXPECT_EQ(recipe->combine, Recipe::Combine::kMeanOfEach);
}

TEST(Recompute, ReproducesGoldenMmeScoresFromSamples) {
  RunSet run = Load(Fixture("mme_base.json"));
  const ScoreResult& result = run.tasks["mme"].score;
  auto golden = ReadJsonFile(DataPath("golden/mme/expected.json"));
  SampleTable table = BuildSampleTable(result, "");
  Outcomes outcomes = BuildOutcomes(table, result);
  auto perception = FindRecipe(table, {&outcomes}, {golden["Perception_total"].get<double>()}, {"Perception_total"});
  ASSERT_TRUE(perception.has_value());
  EXPECT_EQ(perception->kind, Recipe::Kind::kMmeScore);
  EXPECT_EQ(perception->values.size(), 10u);
  auto cognition = FindRecipe(table, {&outcomes}, {golden["Cognition_total"].get<double>()}, {"Cognition_total"});
  ASSERT_TRUE(cognition.has_value());
  EXPECT_EQ(cognition->values.size(), 4u);
  for (const auto& [subtask, score] : golden["tasks"].items()) {
    Recipe one = perception->ForCategory("category", subtask);
    EXPECT_DOUBLE_EQ(EvaluateAll(one, table, outcomes), score.get<double>()) << subtask;
  }
}

TEST(Recompute, ReproducesGoldenVqav2OverallAndRefusesUnknownMetrics) {
  RunSet run = Load(Fixture("vqav2_base.json"));
  const ScoreResult& result = run.tasks["vqav2"].score;
  auto golden = ReadJsonFile(DataPath("golden/vqav2/expected.json"))["official_on_raw_answers"];
  SampleTable table = BuildSampleTable(result, "");
  EXPECT_TRUE(table.clusters.empty());
  Outcomes outcomes = BuildOutcomes(table, result);
  auto overall = FindRecipe(table, {&outcomes}, {golden["overall_12dp"].get<double>()}, {"overall"});
  ASSERT_TRUE(overall.has_value());
  EXPECT_EQ(overall->kind, Recipe::Kind::kMean);
  EXPECT_EQ(overall->scale, 100.0);
  EXPECT_NEAR(EvaluateAll(*overall, table, outcomes), golden["overall_12dp"].get<double>(), 1e-9);
  // The per-answer-type accuracies need a field the records lack: no recipe, no guessed interval.
  EXPECT_FALSE(FindRecipe(table, {&outcomes}, {golden["perAnswerType_12dp"]["yes/no"].get<double>()},
                          {"perAnswerType", "yes/no"}).has_value());
}

TEST(Compare, McNemarOnHandMadeBinaryResults) {
  // 10 samples; the candidate fixes 5 and breaks none: p = 2 / 2^5.
  TempDir dir;
  std::string base = dir.Write("base.json", BinaryResult({1, 1, 0, 0, 0, 0, 0, 1, 1, 1}).dump());
  std::string cand = dir.Write("cand.json", BinaryResult({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}).dump());
  RunSet a = Load(base), b = Load(cand);
  Comparison comparison;
  ASSERT_TRUE(CompareRuns(a, b, CompareOptions(), &comparison).ok());
  ASSERT_EQ(comparison.tasks.size(), 1u);
  const MetricRow& row = comparison.tasks[0].metrics.at(0);
  EXPECT_EQ(row.metric, "accuracy");
  EXPECT_EQ(row.method, "mcnemar-exact");
  EXPECT_DOUBLE_EQ(*row.p_value, 2.0 / 32.0);
  EXPECT_DOUBLE_EQ(row.delta, 50.0);
  EXPECT_EQ(row.verdict, Verdict::kNoSignificantChange);
  EXPECT_EQ(comparison.tasks[0].improved, 5u);
  EXPECT_EQ(comparison.tasks[0].regressed, 0u);

  // 7 fixed of 12: p = 2 / 2^7 < 0.05, better; the reverse is worse and fails the gate.
  std::string base7 = dir.Write("base7.json", BinaryResult({0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}).dump());
  std::string cand7 = dir.Write("cand7.json", BinaryResult({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}).dump());
  ASSERT_TRUE(CompareRuns(Load(base7), Load(cand7), CompareOptions(), &comparison).ok());
  EXPECT_DOUBLE_EQ(*comparison.tasks[0].metrics[0].p_value, 2.0 / 128.0);
  EXPECT_EQ(comparison.tasks[0].metrics[0].verdict, Verdict::kBetter);

  auto better = RunCli({"compare", base7, cand7, "--gate", "any-significant-drop"});
  EXPECT_EQ(better.exit_code, 0) << better.err;
  EXPECT_NE(better.out.find("gate: passed"), std::string::npos);
  auto worse = RunCli({"compare", cand7, base7, "--gate", "any-significant-drop", "--junit",
                       dir.File("junit.xml"), "--markdown", dir.File("summary.md")});
  EXPECT_EQ(worse.exit_code, 1) << worse.err;
  EXPECT_NE(worse.out.find("significantly worse"), std::string::npos);
  const std::string junit = ReadText(dir.File("junit.xml"));
  EXPECT_NE(junit.find("<testsuites name=\"svit-eval gate\" tests=\"1\" failures=\"1\">"), std::string::npos);
  EXPECT_NE(junit.find("<failure type=\"regression\" message=\"any-significant-drop: significantly worse"),
            std::string::npos);
  const std::string markdown = ReadText(dir.File("summary.md"));
  EXPECT_NE(markdown.find("**Gate: FAILED**"), std::string::npos);
  EXPECT_NE(markdown.find("| toy | accuracy | 100.00 | 41.67 | -58.33"), std::string::npos) << markdown;
}

TEST(Compare, RunRecordsWithGateJunitMarkdownAndJson) {
  TempDir dir;
  auto result = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--gate",
                        "max-drop=vqav2/overall:1", "--gate", "max-drop=pope:50", "--junit",
                        dir.File("out/junit.xml"), "--markdown", dir.File("summary.md"), "--json",
                        dir.File("comparison.json")});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  // VQAv2 overall: golden 84.0 for the base; the candidate loses 3 answers.
  EXPECT_NE(result.out.find("vqav2/overall: dropped by 3.17 (limit 1.00)"), std::string::npos) << result.out;
  auto json = ReadJsonFile(dir.File("comparison.json"));
  EXPECT_EQ(json["base"]["run_id"], "run-base");
  EXPECT_EQ(json["settings"]["seed"], 20230707);
  EXPECT_EQ(json["settings"]["resamples"], 2000);
  bool saw_pope_f1 = false, saw_mme_breakdown = false;
  for (const auto& task : json["tasks"]) {
    for (const auto& row : task["metrics"]) {
      if (task["task"] == "pope" && row["metric"] == "adversarial/f1") {
        saw_pope_f1 = true;
        EXPECT_DOUBLE_EQ(row["base"].get<double>(), 0.5714285714285714);  // golden
        EXPECT_FALSE(row["delta_ci"].is_null());
        EXPECT_NE(row["method"].get<std::string>().find("clusters: image"), std::string::npos);
      }
    }
    for (const auto& row : task["breakdowns"]) {
      if (task["task"] == "mme" && row["metric"] == "category=existence") {
        saw_mme_breakdown = true;
        EXPECT_DOUBLE_EQ(row["base"].get<double>(), 112.5);  // golden
      }
    }
  }
  EXPECT_TRUE(saw_pope_f1);
  EXPECT_TRUE(saw_mme_breakdown);
  const std::string junit = ReadText(dir.File("out/junit.xml"));
  EXPECT_NE(junit.find("classname=\"svit-eval.vqav2\" name=\"overall\""), std::string::npos);
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(ReadText(dir.File("summary.md")).find("<details><summary>mme: breakdown by category</summary>"),
            std::string::npos);

  // Same seed, same numbers.
  auto again = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--json", dir.File("again.json")});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(ReadJsonFile(dir.File("again.json"))["tasks"], json["tasks"]);
}

TEST(Compare, RefusesDifferentProtocolsUnlessAllowed) {
  auto refused = RunCli({"compare", Fixture("runs/base"), Fixture("runs/other_dataset")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("refusing to compare runs whose protocols differ"), std::string::npos);
  EXPECT_NE(refused.err.find("pope: dataset_sha256 differs (222222222222... vs 999999999999...)"),
            std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("vqav2: prompt_template_sha256 differs"), std::string::npos);
  EXPECT_NE(refused.err.find("--allow-protocol-mismatch"), std::string::npos);
  auto allowed = RunCli({"compare", Fixture("runs/base"), Fixture("runs/other_dataset"),
                         "--allow-protocol-mismatch"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("warning: protocol difference allowed: pope: dataset_sha256 differs"),
            std::string::npos);
}

TEST(Compare, RefusesResultsOfDifferentJudges) {
  // The same answers scored by two judges (or by one judge and by rules alone)
  // are different measurements: compare refuses them like a dataset change.
  TempDir dir;
  auto judged = [](const std::string& model, const std::string& sha) {
    nlohmann::json result = BinaryResult({1, 0, 1});
    result["judge"] = {{"endpoint", "local"},
                       {"model", model},
                       {"reported_models", {model}},
                       {"protocol", "vlmevalkit multiple_choice"},
                       {"parameters", {{"temperature", 0}}},
                       {"prompt_template_sha256", sha}};
    return result.dump();
  };
  std::string a = dir.Write("a.json", judged("gpt-4-0613", "aaaa"));
  std::string same = dir.Write("same.json", judged("gpt-4-0613", "aaaa"));
  std::string other_model = dir.Write("other_model.json", judged("gpt-4o", "aaaa"));
  std::string other_prompt = dir.Write("other_prompt.json", judged("gpt-4-0613", "bbbb"));
  std::string rules_only = dir.Write("rules.json", BinaryResult({1, 0, 1}).dump());

  EXPECT_EQ(RunCli({"compare", a, same}).exit_code, 0);
  auto model = RunCli({"compare", a, other_model});
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_NE(model.err.find("toy: judge differs (model=\"gpt-4-0613\" #"), std::string::npos) << model.err;
  EXPECT_NE(model.err.find(" vs model=\"gpt-4o\" #"), std::string::npos) << model.err;
  EXPECT_EQ(RunCli({"compare", a, other_prompt}).exit_code, 2);
  auto rules = RunCli({"compare", rules_only, a});
  EXPECT_EQ(rules.exit_code, 2);
  EXPECT_NE(rules.err.find("toy: judge differs (no judge vs model=\"gpt-4-0613\""), std::string::npos) << rules.err;

  RunSet with_judge = Load(a);
  const std::string label = ProtocolLabel(with_judge.tasks.at("toy").protocol);
  EXPECT_EQ(label.rfind("d:? p:? j:", 0), 0u) << label;
  EXPECT_EQ(ProtocolLabel(Load(rules_only).tasks.at("toy").protocol), "unknown");
}

TEST(Compare, RefusesDifferentSampleSets) {
  TempDir dir;
  std::string a = dir.Write("a.json", BinaryResult({1, 0, 1}).dump());
  std::string b = dir.Write("b.json", BinaryResult({1, 0, 1, 1}).dump());
  auto result = RunCli({"compare", a, b});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("toy: sample sets differ (0 only in base, 1 only in candidate; e.g. q3)"),
            std::string::npos) << result.err;
}

TEST(Compare, UsageErrors) {
  auto one = RunCli({"compare", Fixture("runs/base")});
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_NE(one.err.find("expected BASE and CANDIDATE"), std::string::npos);
  auto bad_rule = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--gate", "max-drop=x:abc"});
  EXPECT_EQ(bad_rule.exit_code, 2);
  EXPECT_NE(bad_rule.err.find("POINTS must be a non-negative number"), std::string::npos);
  auto unknown = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--gate", "fastest"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown rule"), std::string::npos);
  auto typo = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--gate", "max-drop=vqa2/overall:1"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("selector 'vqa2/overall' matches no compared metric"), std::string::npos);
  auto missing = RunCli({"compare", Fixture("runs/base"), "no-such-run", "--store", "/nonexistent/x.sqlite"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-run: no such file or folder, and no run with this id"), std::string::npos);
  auto resamples = RunCli({"compare", Fixture("runs/base"), Fixture("runs/candidate"), "--resamples", "-3"});
  EXPECT_EQ(resamples.exit_code, 2);
  auto disjoint = RunCli({"compare", Fixture("pope_base.json"), Fixture("mme_base.json")});
  EXPECT_EQ(disjoint.exit_code, 2);
  EXPECT_NE(disjoint.err.find("no task in common"), std::string::npos);
}

}  // namespace
}  // namespace svit

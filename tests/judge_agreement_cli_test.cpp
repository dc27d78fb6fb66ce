// `svit-eval judge-agreement` on hand-made score results of two judges. The
// expected statistics are worked out by hand in the comments:
//   Cohen's kappa = (po - pe) / (1 - pe), pe = sum over labels of the
//     product of the two judges' label frequencies;
//   Krippendorff's alpha (interval, two coders, no missing values in the
//     compared units) = 1 - Do / De with Do = (2 / n) sum_u (a_u - b_u)^2 and
//     De = 2 n sum (x - mean)^2 / (n (n - 1)) over all n = 2 * units values.
#include <gtest/gtest.h>

#include "tests/mock_server.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ExpectBadInput;
using testing::MockServer;
using testing::ReadJsonFile;
using testing::RunCli;
using testing::TempDir;

struct Row {
  std::string id;
  std::string status;  // answered, unparseable, failed
  double model = 0;    // the per-sample score
  double reference = 0;
};

nlohmann::json Judge(const std::string& model, const std::string& reported) {
  return {{"endpoint", "j-" + model},
          {"model", model},
          {"reported_models", {reported}},
          {"versions", nlohmann::json::array()},
          {"protocol", "llava/eval/eval_gpt_review_bench.py"},
          {"prompt_template_sha256", std::string(64, 'a')},
          {"description", model + " via j-" + model + " (reported: " + reported + ")"}};
}

nlohmann::json LlavaResult(const std::vector<Row>& rows, const nlohmann::json& judge) {
  nlohmann::json samples = nlohmann::json::array();
  for (const Row& row : rows) {
    nlohmann::json s = {{"id", row.id}, {"prediction", "answer " + row.id}, {"extracted", ""}, {"status", row.status}};
    if (row.status == "answered") {
      s["score"] = row.model;
      s["reference_score"] = row.reference;
    } else {
      s["score"] = row.status == "unparseable" ? -1.0 : 0.0;
    }
    samples.push_back(s);
  }
  return {{"task", "llava-bench"}, {"metrics", nlohmann::json::object()}, {"per_sample", samples}, {"judge", judge}};
}

// Judge A and judge B on seven reviews (model score, reference score):
//   id  A        B        labels A / B
//   1   7 vs 8   6 vs 8   reference / reference
//   2   9 vs 6   8 vs 7   model / model
//   3   7 vs 7   8 vs 7   tie / model
//   4   5 vs 8   4 vs 9   reference / reference
//   5   8 vs 5   6 vs 6   model / tie
//   6   unparseable, 8 vs 8        excluded
//   7   3 vs 9, failed             excluded
// Labels: po = 3/5, marginals equal on both sides (reference 2, model 2,
// tie 1): pe = .16 + .16 + .04 = .36, kappa = .24 / .64 = 0.375.
// Scores (7,6) (9,8) (7,8) (5,4) (8,6): sum of squared differences 8,
// Do = 2 * 8 / 10 = 1.6; mean 6.8, sum (x - mean)^2 = 21.6,
// De = 2 * 10 * 21.6 / 90 = 4.8; alpha = 1 - 1.6 / 4.8 = 2/3.
// Mean |A - B| = 6 / 5 = 1.2.
std::vector<Row> RowsA() {
  return {{"1", "answered", 7, 8}, {"2", "answered", 9, 6},    {"3", "answered", 7, 7}, {"4", "answered", 5, 8},
          {"5", "answered", 8, 5}, {"6", "unparseable", 0, 0}, {"7", "answered", 3, 9}};
}
std::vector<Row> RowsB() {
  return {{"1", "answered", 6, 8}, {"2", "answered", 8, 7}, {"3", "answered", 8, 7}, {"4", "answered", 4, 9},
          {"5", "answered", 6, 6}, {"6", "answered", 8, 8}, {"7", "failed", 0, 0}};
}

class JudgeAgreementCli : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const nlohmann::json& result) { return dir_.Write(name, result.dump()); }
  TempDir dir_;
};

TEST_F(JudgeAgreementCli, KappaOnLlavaPreferencesAndAlphaOnScores) {
  std::string a = Write("a.json", LlavaResult(RowsA(), Judge("gpt-4-0314", "gpt-4-0314")));
  std::string b = Write("b.json", LlavaResult(RowsB(), Judge("qwen-judge", "qwen2-72b")));
  std::string output = dir_.File("agreement.json");
  auto r = RunCli({"judge-agreement", a, b, "--output", output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(output);
  EXPECT_EQ(result["task"], "llava-bench");
  EXPECT_EQ(result["items"], 7);
  EXPECT_EQ(result["compared"], 5);
  EXPECT_EQ(result["excluded"]["items"], 2);
  EXPECT_EQ(result["excluded"]["a"], nlohmann::json({{"unparseable", 1}}));
  EXPECT_EQ(result["excluded"]["b"], nlohmann::json({{"failed", 1}}));
  EXPECT_NEAR(result["labels"]["cohen_kappa"].get<double>(), 0.375, 1e-9);
  EXPECT_NEAR(result["labels"]["observed_agreement"].get<double>(), 0.6, 1e-9);
  EXPECT_EQ(result["labels"]["pairs"]["tie / model"], 1);
  EXPECT_EQ(result["labels"]["pairs"]["reference / reference"], 2);
  EXPECT_NEAR(result["scores"]["krippendorff_alpha_interval"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_NEAR(result["scores"]["mean_absolute_difference"].get<double>(), 1.2, 1e-9);
  EXPECT_EQ(result["a"]["judge"]["model"], "gpt-4-0314");
  EXPECT_EQ(result["b"]["judge"]["model"], "qwen-judge");
  EXPECT_TRUE(result["notes"].empty()) << result["notes"];

  EXPECT_NE(r.out.find("judge agreement on llava-bench: 5 of 7 samples compared, 2 excluded "
                       "(A: 1 unparseable; B: 1 failed)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("judge: gpt-4-0314 via j-gpt-4-0314 (reported: gpt-4-0314)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("judge: qwen-judge via j-qwen-judge (reported: qwen2-72b)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cohen's kappa 0.3750, observed agreement 3 of 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Krippendorff's alpha (interval) 0.6667, mean |A - B| 1.2000"), std::string::npos) << r.out;
}

TEST_F(JudgeAgreementCli, MmVetGradesAreCorrectPartialIncorrect) {
  // Grades A 1.0 0.5 0.0 1.0, B 1.0 0.0 0.0 0.6. Labels A c p i c, B c i i p:
  // po = 2/4; A c2 p1 i1, B c1 p1 i2: pe = 2/16 + 1/16 + 2/16 = .3125,
  // kappa = .1875 / .6875 = 3/11. Scores: Do = 2 (.25 + .16) / 8 = .1025,
  // mean 4.1 / 8 = .5125, sum (x - mean)^2 = 1.50875, De = 16 * 1.50875 / 56,
  // alpha = 1 - .1025 * 56 / 24.14.
  auto result = [](const std::vector<double>& grades, const std::string& model) {
    nlohmann::json samples = nlohmann::json::array();
    for (size_t i = 0; i < grades.size(); ++i) {
      samples.push_back({{"id", "v" + std::to_string(i)}, {"prediction", "p"}, {"score", grades[i]}});
    }
    return nlohmann::json{{"task", "mm-vet"}, {"per_sample", samples}, {"judge", Judge(model, model)}};
  };
  std::string a = Write("a.json", result({1.0, 0.5, 0.0, 1.0}, "gpt-4-0613"));
  std::string b = Write("b.json", result({1.0, 0.0, 0.0, 0.6}, "other-judge"));
  std::string output = dir_.File("agreement.json");
  auto r = RunCli({"judge-agreement", a, b, "-o", output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ReadJsonFile(output);
  EXPECT_EQ(json["compared"], 4);
  EXPECT_NEAR(json["labels"]["cohen_kappa"].get<double>(), 3.0 / 11, 1e-9);
  EXPECT_NEAR(json["scores"]["krippendorff_alpha_interval"].get<double>(), 1 - 0.1025 * 56 / 24.14, 1e-9);
  EXPECT_EQ(json["labels"]["pairs"]["partial / incorrect"], 1);
}

TEST_F(JudgeAgreementCli, SameJudgeIsAWarningNotARefusal) {
  std::string a = Write("a.json", LlavaResult(RowsA(), Judge("gpt-4-0314", "gpt-4-0314")));
  std::string b = Write("b.json", LlavaResult(RowsB(), Judge("gpt-4-0314", "gpt-4-0314")));
  auto r = RunCli({"judge-agreement", a, b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: both results come from the same judge model (gpt-4-0314)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("note: both results come from the same judge model"), std::string::npos) << r.out;
}

// End to end: two mock judges score the same answers with `score --task
// llava-bench --judge`, then judge-agreement reads both results.
//   id  judge 1 (ref, model)  judge 2     labels
//   1   8 7                   8 6         reference / reference
//   2   6 9                   7 7         model / tie
//   3   7 7                   7 7         tie / tie
// po = 2/3; marginals 1: r1 m1 t1, 2: r1 t2: pe = 1/9 + 2/9 = 1/3,
// kappa = (1/3) / (2/3) = 0.5. Model scores (7,6) (9,7) (7,7): Do = 2 * 5 / 6;
// values 7 6 9 7 7 7, sum (x - mean)^2 = 313 - 43^2 / 6 = 29/6,
// De = 2 * 6 * (29/6) / 30 = 29/15; alpha = 1 - (5/3) / (29/15) = 4/29.
TEST_F(JudgeAgreementCli, ReadsTheResultsOfScoreWithALiveJudge) {
  std::string questions, context, answers;
  for (int id = 1; id <= 3; ++id) {
    std::string n = std::to_string(id), image = "img" + n + ".jpg";
    questions += nlohmann::json{{"question_id", id}, {"image", image}, {"text", "q" + n}, {"category", "conv"}}.dump() + "\n";
    context += nlohmann::json{{"image", image}, {"caption", "c" + n}}.dump() + "\n";
    answers += nlohmann::json{{"question_id", id}, {"text", "model <m" + n + ">"}}.dump() + "\n";
  }
  std::vector<std::string> files = {"score", "--task", "llava-bench",
                                    "--questions", dir_.Write("q.jsonl", questions),
                                    "--context", dir_.Write("c.jsonl", context),
                                    "--answers-ref", dir_.Write("ref.jsonl", answers),
                                    "--rule", DataPath("samples/llava_bench_coco/rule.json"),
                                    "--predictions", dir_.Write("model.jsonl", answers)};
  auto judge_config = [](const std::string& m1, const std::string& m2) {
    return nlohmann::json{{"rules",
                           {{{"match", "<m1>"}, {"answer", m1}},
                            {{"match", "<m2>"}, {"answer", m2}},
                            {{"match", "<m3>"}, {"answer", "7 7\nsame"}}}}};
  };
  MockServer judge1(judge_config("8 7\nok", "6 9\nok")), judge2(judge_config("8 6\nok", "7 7\nok"));
  auto score = [&](const MockServer& judge, const std::string& model, const std::string& output) {
    std::vector<std::string> args = files;
    args.insert(args.end(), {"--judge", "j=" + judge.url(), "--judge-model", model, "--output", output});
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  std::string a = dir_.File("judge1.json"), b = dir_.File("judge2.json"), output = dir_.File("agreement.json");
  score(judge1, "judge-one", a);
  score(judge2, "judge-two", b);
  auto r = RunCli({"judge-agreement", a, b, "-o", output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ReadJsonFile(output);
  EXPECT_EQ(json["compared"], 3);
  EXPECT_NEAR(json["labels"]["cohen_kappa"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(json["scores"]["krippendorff_alpha_interval"].get<double>(), 4.0 / 29, 1e-9);
  EXPECT_EQ(json["a"]["judge"]["model"], "judge-one");
  EXPECT_EQ(json["b"]["judge"]["model"], "judge-two");
  EXPECT_NE(r.out.find("judge: judge-one via j"), std::string::npos) << r.out;
}

TEST_F(JudgeAgreementCli, PicksTheJudgedTaskOfARunRecord) {
  // Two run folders holding an unjudged pope entry and the judged llava-bench one.
  auto run = [&](const std::string& name, const nlohmann::json& llava) {
    nlohmann::json pope = {{"task", "pope"}, {"per_sample", {{{"id", "p1"}, {"score", 1.0}}}}};
    nlohmann::json record = {{"run_id", name}, {"model", {{"name", "m"}}}, {"tasks", {pope, llava}}};
    dir_.Write(name + "/run.json", record.dump());
    return dir_.File(name);
  };
  std::string a = run("ra", LlavaResult(RowsA(), Judge("gpt-4-0314", "gpt-4-0314")));
  std::string b = run("rb", LlavaResult(RowsB(), Judge("qwen-judge", "qwen2-72b")));
  auto r = RunCli({"judge-agreement", a, b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Cohen's kappa 0.3750"), std::string::npos) << r.out;
  ExpectBadInput(RunCli({"judge-agreement", a, b, "--task", "pope"}), {"the pope result records no judge"});
}

TEST_F(JudgeAgreementCli, BadInputExitsTwo) {
  nlohmann::json judge_a = Judge("gpt-4-0314", "gpt-4-0314"), judge_b = Judge("other", "other");
  std::string a = Write("a.json", LlavaResult(RowsA(), judge_a));
  std::string b = Write("b.json", LlavaResult(RowsB(), judge_b));

  nlohmann::json other_task = LlavaResult(RowsB(), judge_b);
  other_task["task"] = "mm-vet";
  ExpectBadInput(RunCli({"judge-agreement", a, Write("task.json", other_task)}),
                 {"different tasks", "llava-bench", "mm-vet"});

  std::vector<Row> fewer = RowsB();
  fewer.pop_back();
  fewer.push_back({"8", "answered", 5, 5});
  ExpectBadInput(RunCli({"judge-agreement", a, Write("ids.json", LlavaResult(fewer, judge_b))}),
                 {"different samples", "only " + a + " has 7", "has 8"});

  nlohmann::json other_answer = LlavaResult(RowsB(), judge_b);
  other_answer["per_sample"][2]["prediction"] = "a different answer";
  ExpectBadInput(RunCli({"judge-agreement", a, Write("answers.json", other_answer)}),
                 {"different answers for sample(s) 3"});

  nlohmann::json unjudged = LlavaResult(RowsB(), judge_b);
  unjudged.erase("judge");
  std::string unjudged_path = Write("unjudged.json", unjudged);
  ExpectBadInput(RunCli({"judge-agreement", a, unjudged_path}), {unjudged_path, "records no judge"});

  nlohmann::json no_reference = LlavaResult(RowsB(), judge_b);
  no_reference["per_sample"][0].erase("reference_score");
  ExpectBadInput(RunCli({"judge-agreement", a, Write("noref.json", no_reference)}),
                 {"sample 1 is scored but has no number 'reference_score'"});

  ExpectBadInput(RunCli({"judge-agreement", a}), {"needs exactly two results"});
  ExpectBadInput(RunCli({"judge-agreement", a, b, b}), {"needs exactly two results"});
  ExpectBadInput(RunCli({"judge-agreement", a, dir_.File("missing.json")}), {"missing.json"});
  ExpectBadInput(RunCli({"judge-agreement", a, b, "--task", "pope"}), {"has no result for task pope"});
  ExpectBadInput(RunCli({"judge-agreement", "--bogus"}), {"bogus", "svit-eval judge-agreement --help"});
  auto help = RunCli({"judge-agreement", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Cohen's kappa"), std::string::npos);
}

}  // namespace
}  // namespace svit

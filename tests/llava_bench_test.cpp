// llava-bench: review prompts byte for byte against LLaVA's own scripts
// (tests/data/llava_bench_oracle), the golden summary end to end through the
// CLI, and the judge's behaviour with deterministic, malformed, refused and
// failed reviews, repeats, pairwise order swaps and bad input.
#include <gtest/gtest.h>

#include <map>

#include "core/sha256.h"
#include "tasks/judged_task.h"
#include "tasks/llava_bench.h"
#include "tasks/registry.h"
#include "tests/fake_judge_client.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::FakeJudgeClient;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;
using testing::TextReply;

const std::string kCoco = "samples/llava_bench_coco/";
const std::string kOracle = "llava_bench_oracle/";

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> records;
  std::string text = ReadText(path);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) records.push_back(nlohmann::json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return records;
}

std::string WriteJsonLines(const TempDir& dir, const std::string& name, const std::vector<nlohmann::json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return dir.Write(name, text);
}

struct Files {
  std::string questions, context, answers_ref, rule, predictions;
};

Files CocoFiles() {
  return {DataPath(kCoco + "qa90_questions.jsonl"), DataPath(kCoco + "caps_boxes_coco2014_val_80.jsonl"),
          DataPath(kCoco + "qa90_gpt4_answer.jsonl"), DataPath(kCoco + "rule.json"),
          DataPath(kOracle + "model90.jsonl")};
}

Files WildFiles() {
  return {DataPath(kOracle + "wild_questions.jsonl"), DataPath(kOracle + "wild_context.jsonl"),
          DataPath(kOracle + "wild_ref.jsonl"), DataPath(kCoco + "rule.json"), DataPath(kOracle + "wild_model.jsonl")};
}

TaskConfig Config(const Files& f, std::map<std::string, std::string> extra = {}) {
  TaskConfig config;
  config.Set("questions", f.questions);
  config.Set("context", f.context);
  config.Set("answers-ref", f.answers_ref);
  config.Set("rule", f.rule);
  config.Set("predictions", f.predictions);
  config.Set("mode", "default");
  config.Set("judge-temperature", "0.2");
  config.Set("judge-max-tokens", "1024");
  config.Set("judge-repeats", "1");
  for (auto& [k, v] : extra) config.Set(k, v);
  return config;
}

struct Loaded {
  std::unique_ptr<Task> task;
  const JudgedTask* judged = nullptr;
  std::vector<Prediction> predictions;
};

Status LoadTask(const TaskConfig& config, Loaded* out) {
  SVIT_RETURN_IF_ERROR(CreateTask("llava-bench", &out->task));
  out->judged = dynamic_cast<const JudgedTask*>(out->task.get());
  SVIT_RETURN_IF_ERROR(out->task->Load(config));
  return out->task->ReadPredictions(config, &out->predictions);
}

// The replies the oracle's stand-in openai module gave, in turn.
const std::vector<std::string> kCannedReplies = {"8 7\nThe first answer is more detailed.", "9,6\nok",
                                                 "7  6\nbad spacing", "10 9.5\nfine",
                                                 "Assistant 1: 8\nAssistant 2: 7"};

FakeJudgeClient CannedJudge() {
  auto count = std::make_shared<size_t>(0);
  return FakeJudgeClient([count](const JudgeRequest&) { return TextReply(kCannedReplies[(*count)++ % 5]); });
}

void ExpectSameAsOfficialScript(const Files& files, const std::string& requests_file, const std::string& reviews_file) {
  Loaded loaded;
  Status status = LoadTask(Config(files), &loaded);
  ASSERT_TRUE(status.ok()) << status.message();
  FakeJudgeClient judge = CannedJudge();
  ScoreResult result;
  status = loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result);
  ASSERT_TRUE(status.ok()) << status.message();

  auto expected_requests = ReadJsonLines(DataPath(kOracle + requests_file));
  ASSERT_EQ(judge.requests().size(), expected_requests.size());
  for (size_t i = 0; i < expected_requests.size(); ++i) {
    const auto& expected = expected_requests[i];
    const JudgeRequest& request = judge.requests()[i];
    ASSERT_EQ(expected["messages"].size(), 2u);
    EXPECT_EQ(request.system, expected["messages"][0]["content"].get<std::string>()) << i;
    EXPECT_EQ(request.user, expected["messages"][1]["content"].get<std::string>()) << i;
    EXPECT_EQ(request.temperature, expected["temperature"].get<double>());
    EXPECT_EQ(request.max_tokens, expected["max_tokens"].get<int>());
  }

  auto reviews = ReadJsonLines(DataPath(kOracle + reviews_file));
  ASSERT_EQ(result.per_sample.size(), reviews.size());
  for (size_t i = 0; i < reviews.size(); ++i) {
    const auto& tuple = reviews[i]["tuple"];
    const SampleScore& s = result.per_sample[i];
    EXPECT_EQ(s.id, reviews[i]["question_id"].dump());
    EXPECT_EQ(s.detail["category"], reviews[i]["category"]);
    EXPECT_EQ(s.detail["review"], reviews[i]["content"]);
    if (tuple[0] == -1 && tuple[1] == -1) {
      EXPECT_EQ(s.status, SampleStatus::kUnparseable) << i;
    } else {
      EXPECT_EQ(s.status, SampleStatus::kAnswered) << i;
      EXPECT_EQ(s.score, tuple[1].get<double>()) << i;
      EXPECT_EQ(s.detail["reference_score"].get<double>(), tuple[0].get<double>()) << i;
    }
  }
}

TEST(LlavaBenchPrompts, CocoReviewsAreByteForByteTheOfficialScripts) {
  ExpectSameAsOfficialScript(CocoFiles(), "visual_requests.jsonl", "visual_reviews.jsonl");
}

TEST(LlavaBenchPrompts, InTheWildReviewsAreByteForByteTheOfficialScripts) {
  ExpectSameAsOfficialScript(WildFiles(), "wild_requests.jsonl", "wild_reviews.jsonl");
}

std::vector<std::string> FilesArgs(const Files& f) {
  return {"score", "--task", "llava-bench", "--questions", f.questions, "--context", f.context,
          "--answers-ref", f.answers_ref, "--rule", f.rule, "--predictions", f.predictions};
}

testing::CliResult Score(const Files& f, std::vector<std::string> extra) {
  auto args = FilesArgs(f);
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args);
}

// Questions, context and answer files that the golden review file
// (golden/llava_bench/reviews.jsonl) is a review of.
Files GoldenInputs(const TempDir& dir) {
  std::vector<nlohmann::json> questions, context, references, predictions;
  for (const auto& review : ReadJsonLines(DataPath("golden/llava_bench/reviews.jsonl"))) {
    auto id = review["question_id"];
    std::string image = "img" + id.dump() + ".jpg";
    std::string category = review["category"].get<std::string>().substr(std::string("llava_bench_").size());
    questions.push_back({{"question_id", id}, {"image", image}, {"text", "q"}, {"category", category}});
    context.push_back({{"image", image}, {"caption", "c"}});
    references.push_back({{"question_id", id}, {"text", "ref"}, {"answer_id", review["answer1_id"]}});
    predictions.push_back({{"question_id", id}, {"text", "model"}, {"answer_id", review["answer2_id"]}});
  }
  return {WriteJsonLines(dir, "questions.jsonl", questions), WriteJsonLines(dir, "context.jsonl", context),
          WriteJsonLines(dir, "answers_gpt4.jsonl", references), DataPath(kCoco + "rule.json"),
          WriteJsonLines(dir, "model.jsonl", predictions)};
}

TEST(LlavaBenchGolden, OfficialModeReproducesSummarizeGptReview) {
  TempDir dir;
  auto golden = ReadJsonFile(DataPath("golden/llava_bench/expected.json"));
  auto r = Score(GoldenInputs(dir), {"--judge-replay", DataPath("golden/llava_bench/reviews.jsonl"), "--mode",
                                     "official", "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(golden["stdout"].get<std::string>()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("averaged as (-1, -1), as summarize_gpt_review.py does"), std::string::npos);
  auto result = ReadJsonFile(dir.File("result.json"));
  for (const auto& [key, expected] : golden["summary"].items()) {
    for (const char* metric : {"relative_score", "reference_score_x10", "model_score_x10"}) {
      EXPECT_EQ(result["metrics"][key][metric], expected[metric]) << key << "/" << metric;
    }
  }
  EXPECT_EQ(result["metrics"]["all"]["parse_failures"], 8);
  EXPECT_EQ(result["counts"]["unparseable"], 8);
  EXPECT_EQ(result["counts"]["answered"], 7);
  EXPECT_EQ(result["official_output"], golden["stdout"]);
  // The judge identity travels with the numbers.
  EXPECT_NE(r.out.find("judge: model not recorded via replay of"), std::string::npos);
  EXPECT_EQ(result["judge"]["protocol"], "llava/eval/eval_gpt_review_bench.py");
  EXPECT_EQ(result["judge"]["parameters"]["temperature"], 0.2);
  EXPECT_EQ(result["judge"]["prompt_template_sha256"].get<std::string>().size(), 64u);
}

TEST(LlavaBenchGolden, DefaultModeExcludesParseFailuresAndSaysSo) {
  TempDir dir;
  auto r = Score(GoldenInputs(dir),
                 {"--judge-replay", DataPath("golden/llava_bench/reviews.jsonl"), "--output", dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("result.json"));
  // Hand-checked in judge_metrics_test: 7 parsed reviews, means 8.143 and 7.071.
  EXPECT_EQ(result["metrics"]["all"]["relative_score"], 86.8);
  EXPECT_EQ(result["metrics"]["all"]["averaged"], 7);
  EXPECT_EQ(result["metrics"]["all"]["parse_failures"], 8);
  EXPECT_NE(r.out.find("8 reviews could not be parsed and are excluded from every mean"), std::string::npos);
  // The official script's output is still shown as it would print it.
  EXPECT_NE(r.out.find("all 84.7 32.7 27.7"), std::string::npos);
}

TEST(LlavaBenchReplay, OfficialReviewFileReplaysThroughTheCli) {
  TempDir dir;
  auto r = Score(CocoFiles(), {"--judge-replay", DataPath(kOracle + "visual_reviews.jsonl"), "--output",
                               dir.File("result.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("result.json"));
  auto reviews = ReadJsonLines(DataPath(kOracle + "visual_reviews.jsonl"));
  ASSERT_EQ(result["per_sample"].size(), reviews.size());
  for (size_t i = 0; i < reviews.size(); ++i) {
    if (reviews[i]["tuple"][0] != -1) {
      EXPECT_EQ(result["per_sample"][i]["score"], reviews[i]["tuple"][1]);
    }
  }
  EXPECT_TRUE(result["metrics"].contains("conv"));  // COCO categories carry no prefix
  EXPECT_EQ(result["judge"]["protocol"], "llava/eval/eval_gpt_review_visual.py");
  EXPECT_EQ(result["official_output"].get<std::string>().substr(0, 15), "visual_reviews\n");
}

// A judge that answers each question as scripted by question id.
FakeJudgeClient ScriptedJudge(std::map<std::string, JudgeReply> by_question) {
  return FakeJudgeClient([by_question](const JudgeRequest& request) {
    auto it = by_question.find(request.sample_id);
    return it != by_question.end() ? it->second : TextReply("8 6\nfine");
  });
}

TEST(LlavaBenchJudge, MalformedRefusedAndFailedReviewsAreCountedAndShown) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles()), &loaded).ok());
  JudgeReply refused = TextReply("");
  refused.refused = true;
  refused.finish_reason = "content_filter";
  JudgeReply failed;
  failed.status = Status::RunFailed("HTTP 500 after 5 attempts");
  FakeJudgeClient judge = ScriptedJudge({{"1", TextReply("Assistant 1 scores 9")}, {"2", refused}, {"3", failed}});
  ScoreResult result;
  Status status = loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(result.counts.total, 6u);
  EXPECT_EQ(result.counts.answered, 3u);
  EXPECT_EQ(result.counts.unparseable, 2u);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.per_sample[1].detail["judge_outcome"], "malformed");
  EXPECT_EQ(result.per_sample[2].detail["judge_outcome"], "refused");
  EXPECT_EQ(result.per_sample[3].detail["judge_outcome"], "failed");
  EXPECT_EQ(result.per_sample[3].detail["judge_error"], "HTTP 500 after 5 attempts");
  // Default mode: 3 scored reviews, all 8 vs 6; the failed one is in no mean.
  EXPECT_EQ(result.metrics["all"]["reviews"], 5);
  EXPECT_EQ(result.metrics["all"]["averaged"], 3);
  EXPECT_EQ(result.metrics["all"]["relative_score"], 75.0);
  EXPECT_EQ(result.judge["usage"]["failed"], 1);
  EXPECT_EQ(result.judge["usage"]["refused"], 1);
  EXPECT_EQ(result.judge["usage"]["requests"], 6);
  std::string notes;
  for (const auto& n : result.notes) notes += n + "\n";
  EXPECT_NE(notes.find("1 judge requests failed after retries"), std::string::npos) << notes;
  EXPECT_NE(notes.find("1 judge replies were refusals"), std::string::npos) << notes;
  EXPECT_NE(notes.find("2 reviews could not be parsed and are excluded"), std::string::npos) << notes;
}

TEST(LlavaBenchJudge, OfficialModeAveragesFailuresAsMinusOne) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles(), {{"mode", "official"}}), &loaded).ok());
  FakeJudgeClient judge = ScriptedJudge({{"1", TextReply("nine six")}});
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  // Five reviews of 8 vs 6 and one (-1, -1): means 39/6 = 6.5 and 29/6 = 4.833.
  EXPECT_EQ(result.metrics["all"]["reference_score_x10"], 65.0);
  EXPECT_EQ(result.metrics["all"]["model_score_x10"], 48.3);
  EXPECT_EQ(result.metrics["all"]["relative_score"], 74.4);  // 4.833 / 6.5 * 100 = 74.35...
}

TEST(LlavaBenchJudge, IdentityNamesModelVersionsParametersAndTemplateHash) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles(), {{"judge-temperature", "0"}}), &loaded).ok());
  auto count = std::make_shared<int>(0);
  FakeJudgeClient judge([count](const JudgeRequest&) {
    // The endpoint switches model version half-way: drift must be reported.
    return TextReply("8 7", "gpt-4-0613", (*count)++ < 3 ? "fp_a" : "fp_b");
  }, "gpt-4-0613");
  judge.mutable_endpoint().usd_per_million_prompt_tokens = 30;
  judge.mutable_endpoint().usd_per_million_completion_tokens = 60;
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  const auto& id = result.judge;
  EXPECT_EQ(id["model"], "gpt-4-0613");
  EXPECT_EQ(id["endpoint"], "fake");
  EXPECT_EQ(id["reported_models"], nlohmann::json::array({"gpt-4-0613"}));
  EXPECT_EQ(id["versions"], nlohmann::json::array({"fp_a", "fp_b"}));
  EXPECT_EQ(id["parameters"]["temperature"], 0.0);
  EXPECT_EQ(id["parameters"]["max_tokens"], 1024);
  LlavaBench bench;
  ASSERT_TRUE(bench.Load(WildFiles().questions, WildFiles().context, WildFiles().rule).ok());
  EXPECT_EQ(id["prompt_template_sha256"], Sha256Hex(bench.PromptTemplate()));
  // 6 requests of 100 + 10 tokens at $30 / $60 per million: 6 * (0.003 + 0.0006).
  EXPECT_EQ(id["usage"]["prompt_tokens"], 600);
  EXPECT_NEAR(id["usage"]["cost_usd"].get<double>(), 0.0216, 1e-12);
  std::string description = id["description"];
  EXPECT_NE(description.find("gpt-4-0613"), std::string::npos);
  EXPECT_NE(description.find("versions: fp_a, fp_b"), std::string::npos);
  EXPECT_NE(description.find(id["prompt_template_sha256"].get<std::string>()), std::string::npos);
  std::string notes;
  for (const auto& n : result.notes) notes += n + "\n";
  EXPECT_NE(notes.find("judge drift: replies came from 2 different model versions (fp_a, fp_b)"), std::string::npos);
}

TEST(LlavaBenchJudge, TemplateHashChangesWithTheRulePrompt) {
  TempDir dir;
  auto rule = nlohmann::json::parse(ReadText(DataPath(kCoco + "rule.json")));
  rule["llava_bench_conv"]["prompt"] = rule["llava_bench_conv"]["prompt"].get<std::string>() + " ";
  Files edited = WildFiles();
  edited.rule = dir.Write("rule.json", rule.dump());
  LlavaBench original, changed;
  ASSERT_TRUE(original.Load(WildFiles().questions, WildFiles().context, WildFiles().rule).ok());
  ASSERT_TRUE(changed.Load(edited.questions, edited.context, edited.rule).ok());
  EXPECT_NE(Sha256Hex(original.PromptTemplate()), Sha256Hex(changed.PromptTemplate()));
}

TEST(LlavaBenchJudge, RepeatsAreIndependentRequestsAndReportTheSpread) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles(), {{"judge-repeats", "3"}}), &loaded).ok());
  // Repeat r gives the model 6 + r: per-question variance of {6, 7, 8} is 1.
  FakeJudgeClient judge([](const JudgeRequest& r) { return TextReply("8 " + std::to_string(6 + r.repeat)); });
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  ASSERT_EQ(judge.requests().size(), 18u);
  EXPECT_EQ(judge.requests()[6].repeat, 1);
  EXPECT_EQ(judge.requests()[6].user, judge.requests()[0].user);
  EXPECT_EQ(result.metrics["all"]["relative_score"], 75.0);  // the first repeat
  const auto& spread = result.metrics["judge_repeats"];
  EXPECT_EQ(spread["repeats"], 3);
  EXPECT_EQ(spread["all_relative_score_per_repeat"], nlohmann::json::array({75.0, 87.5, 100.0}));
  EXPECT_DOUBLE_EQ(spread["all_relative_score_std"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(spread["mean_item_model_score_variance"].get<double>(), 1.0);
}

TEST(LlavaBenchJudge, FailedModelAnswersAreNotJudged) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles()), &loaded).ok());
  loaded.predictions[2].failed = true;
  FakeJudgeClient judge([](const JudgeRequest&) { return TextReply("8 6"); });
  ScoreResult result;
  ASSERT_TRUE(loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result).ok());
  EXPECT_EQ(judge.requests().size(), 5u);
  EXPECT_EQ(result.counts.failed, 1u);
  EXPECT_EQ(result.counts.answered, 5u);
  EXPECT_EQ(result.per_sample[2].status, SampleStatus::kFailed);
  EXPECT_EQ(result.per_sample[3].detail["judge_outcome"], "scored");
  EXPECT_EQ(result.metrics["all"]["reviews"], 5);
  EXPECT_EQ(result.notes.front(), "1 model answers failed (no answer) and are not judged");
}

TEST(LlavaBenchJudge, WholeBatchFailureStopsTheRun) {
  Loaded loaded;
  ASSERT_TRUE(LoadTask(Config(WildFiles()), &loaded).ok());
  FakeJudgeClient judge([](const JudgeRequest&) { return TextReply("8 7"); });
  judge.FailAll(Status::RunFailed("judge endpoint unreachable"));
  ScoreResult result;
  Status status = loaded.judged->ScoreWithJudge(loaded.predictions, &judge, &result);
  EXPECT_EQ(status.code(), Status::Code::kRunFailed);
  EXPECT_EQ(status.message(), "judge endpoint unreachable");
}

// A response cache in front of the judge, keyed as JudgeClient asks:
// everything in the request except sample_id.
class CachingJudge : public JudgeClient {
 public:
  explicit CachingJudge(JudgeClient* inner) : inner_(inner) {}
  const JudgeEndpoint& endpoint() const override { return inner_->endpoint(); }
  Status Complete(const std::vector<JudgeRequest>& requests, std::vector<JudgeReply>* replies) override {
    replies->clear();
    for (const auto& request : requests) {
      std::string key = Sha256Hex(nlohmann::json({endpoint().model, request.system, request.user,
                                                  request.temperature, request.max_tokens, request.repeat})
                                      .dump());
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        std::vector<JudgeReply> fresh;
        SVIT_RETURN_IF_ERROR(inner_->Complete({request}, &fresh));
        it = cache_.emplace(key, fresh[0]).first;
      }
      replies->push_back(it->second);
      replies->back().cached = true;
    }
    return Status::OK();
  }

 private:
  JudgeClient* inner_;
  std::map<std::string, JudgeReply> cache_;
};

TEST(LlavaBenchJudge, CachedVerdictsAreReusedWhenAnotherModelIsAdded) {
  TempDir dir;
  FakeJudgeClient judge([](const JudgeRequest&) { return TextReply("8 7"); });
  CachingJudge cached(&judge);
  Loaded first;
  ASSERT_TRUE(LoadTask(Config(WildFiles()), &first).ok());
  ScoreResult result;
  ASSERT_TRUE(first.judged->ScoreWithJudge(first.predictions, &cached, &result).ok());
  EXPECT_EQ(judge.requests().size(), 6u);
  // Re-scoring the same model asks nothing new.
  ScoreResult again;
  ASSERT_TRUE(first.judged->ScoreWithJudge(first.predictions, &cached, &again).ok());
  EXPECT_EQ(judge.requests().size(), 6u);
  EXPECT_EQ(again.judge["usage"]["cached"], 6);
  // A second model with one answer in common with the first: only the others are judged.
  auto answers = ReadJsonLines(WildFiles().predictions);
  for (size_t i = 1; i < answers.size(); ++i) answers[i]["text"] = "another model's answer";
  Files second_files = WildFiles();
  second_files.predictions = WriteJsonLines(dir, "second.jsonl", answers);
  Loaded second;
  ASSERT_TRUE(LoadTask(Config(second_files), &second).ok());
  ASSERT_TRUE(second.judged->ScoreWithJudge(second.predictions, &cached, &result).ok());
  EXPECT_EQ(judge.requests().size(), 11u);
}

TEST(LlavaBenchPairwise, OrderSwapTurnsAPositionBiasedJudgeIntoTies) {
  LlavaBench bench;
  ASSERT_TRUE(bench.Load(WildFiles().questions, WildFiles().context, WildFiles().rule).ok());
  std::vector<LlavaPairwiseItem> items;
  for (const auto& q : bench.questions()) items.push_back({&q, "good answer", "weak answer"});

  // Always prefers whatever is shown first.
  FakeJudgeClient biased([](const JudgeRequest&) { return TextReply("9 5\nfirst is better"); });
  JudgeSession biased_session(&biased, LlavaJudgeProtocol(bench, {}, /*pairwise=*/true));
  LlavaPairwiseResult result;
  ASSERT_TRUE(JudgeLlavaPairwise(bench, items, {}, &biased_session, &result).ok());
  ASSERT_EQ(biased.requests().size(), 12u);
  EXPECT_NE(biased.requests()[0].user.find("[Assistant 1]\ngood answer"), std::string::npos);
  EXPECT_NE(biased.requests()[1].user.find("[Assistant 1]\nweak answer"), std::string::npos);
  EXPECT_EQ(result.summary.decided, 6u);
  EXPECT_EQ(result.summary.ties.count, 6u);
  EXPECT_EQ(result.summary.position_inconsistent.rate, 1.0);
  EXPECT_EQ(result.summary.first_position_wins.rate, 1.0);

  // Prefers the good answer wherever it is; one A-first review is malformed.
  FakeJudgeClient fair([](const JudgeRequest& r) {
    if (r.sample_id == "4 (A first)") return TextReply("good wins");
    bool good_first = r.user.find("[Assistant 1]\ngood answer") != std::string::npos;
    return TextReply(good_first ? "9 5" : "5 9");
  });
  JudgeSession fair_session(&fair, LlavaJudgeProtocol(bench, {}, /*pairwise=*/true));
  ASSERT_TRUE(JudgeLlavaPairwise(bench, items, {}, &fair_session, &result).ok());
  EXPECT_EQ(result.summary.decided, 5u);
  EXPECT_EQ(result.summary.undecided, 1u);
  EXPECT_EQ(result.summary.wins.count, 5u);
  EXPECT_EQ(result.summary.wins.rate, 1.0);
  EXPECT_EQ(result.summary.position_inconsistent.count, 0u);
  EXPECT_NEAR(result.summary.wins.ci.low, 0.5655, 1e-4);  // Wilson 95% for 5/5
  EXPECT_EQ(result.a_first[4].outcome, VerdictOutcome::kMalformed);
  EXPECT_EQ(fair_session.Record()["protocol"], "llava/eval/eval_gpt_review_bench.py (pairwise, both answer orders)");
}

void ExpectBadInput(const testing::CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(LlavaBenchInput, NeedsAJudge) {
  ExpectBadInput(Score(WildFiles(), {}), "llava-bench is scored by a judge model: give --judge-replay");
}

TEST(LlavaBenchInput, ReplayMustBelongToTheQuestions) {
  TempDir dir;
  auto reviews = ReadJsonLines(DataPath(kOracle + "wild_reviews.jsonl"));
  auto edited = reviews;
  edited[2]["category"] = "llava_bench_conv";
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r1.jsonl", edited)}),
                 "r1.jsonl:3: category 'llava_bench_conv' but question 2 is 'llava_bench_complex'");
  edited = reviews;
  edited[1]["tuple"] = {9.0, 7.0};
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r2.jsonl", edited)}),
                 "r2.jsonl:2: field 'tuple' is [9.0, 7.0] but parse_score of its content gives [9.0, 6.0]");
  edited = reviews;
  edited[4]["question_id"] = 0;
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r3.jsonl", edited)}),
                 "r3.jsonl:5: second review of question_id 0 (first on line 1)");
  edited = reviews;
  edited[0]["question_id"] = 77;
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r4.jsonl", edited)}),
                 "r4.jsonl:1: review of question_id 77, which");
  edited = reviews;
  edited[0]["answer1_id"] = "zz";
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r5.jsonl", edited)}),
                 "r5.jsonl:1: answer1_id zz but the reference answer on line 1 of");
  edited = reviews;
  edited[0].erase("content");
  ExpectBadInput(Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "r6.jsonl", edited)}),
                 "r6.jsonl:1: missing field 'content'");
}

TEST(LlavaBenchInput, ReplayWithMissingReviewsCountsThemAsFailed) {
  TempDir dir;
  auto reviews = ReadJsonLines(DataPath(kOracle + "wild_reviews.jsonl"));
  reviews.pop_back();
  auto r = Score(WildFiles(), {"--judge-replay", WriteJsonLines(dir, "partial.jsonl", reviews), "--output",
                               dir.File("out.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = ReadJsonFile(dir.File("out.json"));
  EXPECT_EQ(result["counts"]["failed"], 1);
  EXPECT_NE(result["per_sample"][5]["judge_error"].get<std::string>().find("has no review of question 5"),
            std::string::npos);
}

TEST(LlavaBenchInput, AnswerFilesArePairedByLineAndChecked) {
  TempDir dir;
  auto answers = ReadJsonLines(WildFiles().predictions);
  std::swap(answers[1], answers[2]);
  Files f = WildFiles();
  f.predictions = WriteJsonLines(dir, "swapped.jsonl", answers);
  ExpectBadInput(Score(f, {"--judge-replay", DataPath(kOracle + "wild_reviews.jsonl")}),
                 "swapped.jsonl:2: question_id 2 where " + f.questions +
                     ":2 has 1 (answer files are paired with the questions by line order)");

  answers = ReadJsonLines(WildFiles().predictions);
  answers.resize(4);
  f.predictions = WriteJsonLines(dir, "short.jsonl", answers);
  auto r = Score(f, {"--judge-replay", DataPath(kOracle + "wild_reviews.jsonl"), "--output", dir.File("o.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("line counts differ: 6 questions, 6 reference answers, 4 predictions; like "
                       "llava/eval/eval_gpt_review_bench.py (zip), only the first 4 are judged"),
            std::string::npos)
      << r.out;
  auto result = ReadJsonFile(dir.File("o.json"));
  EXPECT_EQ(result["counts"]["missing"], 2);
  EXPECT_EQ(result["per_sample"][4]["status"], "missing");
}

TEST(LlavaBenchInput, BenchmarkFilesAreChecked) {
  TempDir dir;
  Files f = WildFiles();
  auto context = ReadJsonLines(f.context);
  context.erase(context.begin());
  f.context = WriteJsonLines(dir, "context.jsonl", context);
  ExpectBadInput(Score(f, {}), f.questions + ":1: image 'a.jpg' has no record in " + f.context);

  f = WildFiles();
  auto questions = ReadJsonLines(f.questions);
  questions[3]["category"] = "poetry";
  f.questions = WriteJsonLines(dir, "q.jsonl", questions);
  ExpectBadInput(Score(f, {}), "q.jsonl:4: category 'llava_bench_poetry' not found in " + f.rule +
                                   " (llava/eval/eval_gpt_review_bench.py asserts it is there)");

  f = WildFiles();
  f.context = dir.Write("bad_context.jsonl", "{\"image\": \"a.jpg\", \"text\": \"x\"}\n");
  ExpectBadInput(Score(f, {}), "bad_context.jsonl:1: a context record needs 'caption'");

  f = CocoFiles();
  auto boxes = ReadJsonLines(f.context);
  boxes[0]["instances"][0]["bbox"] = "wide";
  f.context = WriteJsonLines(dir, "boxes.jsonl", boxes);
  ExpectBadInput(Score(f, {}), "boxes.jsonl:1: field 'bbox' must hold numbers, got a string");

  ExpectBadInput(Score(WildFiles(), {"--mode", "strict"}), "--mode must be 'default' or 'official', got 'strict'");
  ExpectBadInput(Score(WildFiles(), {"--judge-temperature", "hot"}), "--judge-temperature must be a number");
  ExpectBadInput(Score(WildFiles(), {"--judge-repeats", "3", "--judge-replay", DataPath(kOracle + "wild_reviews.jsonl")}),
                 "--judge-repeats needs a live judge");
}

}  // namespace
}  // namespace svit

// The LibTorch engine: the model-folder contract (with small TorchScript
// modules whose behaviour is known), and real predictions of the committed
// reference models on demo samples, scored against the demo annotations.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "adapters/torch/local_engine.h"
#include "tests/test_util.h"

namespace svit::local {
namespace {

using svit::testing::DataPath;
using svit::testing::ReadJsonFile;
using svit::testing::ReadText;
using svit::testing::TempDir;

const std::string kRepo = SVIT_REPO_DIR;
const std::string kDemo = kRepo + "/demo/data/";
constexpr char kShortAnswer[] = "\nAnswer the question using a single word or phrase.";

std::unique_ptr<LocalEngine> MustLoad(const std::string& dir, EngineOptions options = EngineOptions()) {
  std::unique_ptr<LocalEngine> engine;
  Status status = LocalEngine::Load(dir, options, &engine);
  EXPECT_TRUE(status.ok()) << status.message();
  return engine;
}

// ---- The contract, on modules with known behaviour ----

TEST(LocalEngine, CounterModelGeneratesExactlyTheExpectedTokens) {
  auto engine = MustLoad(DataPath("local/models/counter"));
  ASSERT_NE(engine, nullptr);
  const nlohmann::json golden = ReadJsonFile(DataPath("local/counter_golden.json"));
  for (const auto& c : golden["cases"]) {
    GenerateRequest request{"", c["prompt"], c["max_new_tokens"]};
    GenerateResult result = engine->Generate({request})[0];
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.text, c["text"].get<std::string>()) << c["prompt"];
    EXPECT_EQ(result.prompt_tokens, c["prompt_tokens"].get<int>()) << c["prompt"];
    EXPECT_EQ(result.completion_tokens, static_cast<int>(c["ids"].size())) << c["prompt"];
    EXPECT_EQ(result.stopped, c["stopped"].get<bool>()) << c["prompt"];
  }
}

TEST(LocalEngine, ModulesThatBreakTheContractAreRejectedAtLoad) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"wrong_logits", "forward returned logits of shape [1, 2, 161], expected [1, 2, 160]"},
      {"flat_features", "encode_images returned shape [1, 3], expected [1, tokens, dim]"},
      {"no_encoder", "the module has no method encode_images"},
  };
  for (const auto& [name, message] : cases) {
    std::unique_ptr<LocalEngine> engine;
    Status status = LocalEngine::Load(DataPath("local/models/" + name), EngineOptions(), &engine);
    EXPECT_EQ(status.code(), Status::Code::kInvalidInput) << name;
    EXPECT_EQ(status.exit_code(), 2);
    EXPECT_NE(status.message().find(message), std::string::npos) << name << ": " << status.message();
  }
}

TEST(LocalEngine, AFileThatIsNotTorchScriptIsRejected) {
  TempDir dir;
  nlohmann::json manifest = ReadJsonFile(DataPath("local/models/counter/manifest.json"));
  manifest["tokenizer"]["file"] = DataPath("local/tiny_sp.model");
  dir.Write("manifest.json", manifest.dump());
  dir.Write("model.pt", "definitely not a zip archive");
  std::unique_ptr<LocalEngine> engine;
  Status status = LocalEngine::Load(dir.path(), EngineOptions(), &engine);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("cannot load TorchScript module"), std::string::npos) << status.message();
}

TEST(LocalEngine, MissingManifestIsInvalidInput) {
  TempDir dir;
  std::unique_ptr<LocalEngine> engine;
  Status status = LocalEngine::Load(dir.path(), EngineOptions(), &engine);
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(status.message().find("manifest.json"), std::string::npos) << status.message();
}

TEST(LocalEngine, BadRequestsFailAloneAndTheRestAreAnswered) {
  auto engine = MustLoad(DataPath("local/models/counter"));
  ASSERT_NE(engine, nullptr);
  const std::string png = ReadText(kDemo + "scienceqa/images/test/1/image.png");
  std::vector<GenerateRequest> requests = {
      {png, "square", 2}, {"not an image at all", "square", 2}, {png, std::string(500, 'x') + " y", 2}, {"", "square", 2}};
  std::vector<GenerateResult> results = engine->Generate(requests);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].status.ok());
  EXPECT_EQ(results[1].status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(results[1].status.message().find("cannot decode image"), std::string::npos);
  EXPECT_EQ(results[2].status.code(), Status::Code::kInvalidInput);
  EXPECT_NE(results[2].status.message().find("the model takes at most 64"), std::string::npos)
      << results[2].status.message();
  EXPECT_TRUE(results[3].status.ok());
  EXPECT_EQ(results[0].text, results[3].text);
}

// ---- The reference models on the demo suite ----

struct Question {
  std::string image;
  std::string prompt;
  std::string answer;
};

// The first `count` VQAv2-format demo questions with their majority answer.
std::vector<Question> VqaQuestions(size_t count) {
  const nlohmann::json questions = ReadJsonFile(kDemo + "vqav2/v2_OpenEnded_mscoco_val2014_questions.json");
  const nlohmann::json annotations = ReadJsonFile(kDemo + "vqav2/v2_mscoco_val2014_annotations.json");
  std::vector<Question> out;
  for (size_t i = 0; i < count && i < questions["questions"].size(); ++i) {
    const auto& q = questions["questions"][i];
    char file[64];
    std::snprintf(file, sizeof file, "COCO_val2014_%012lld.jpg", q["image_id"].get<long long>());
    out.push_back({ReadText(kDemo + "coco/val2014/" + file), q["question"].get<std::string>() + kShortAnswer,
                   annotations["annotations"][i]["multiple_choice_answer"]});
  }
  return out;
}

double Accuracy(LocalEngine* engine, const std::vector<Question>& questions) {
  std::vector<GenerateRequest> requests;
  for (const Question& q : questions) requests.push_back({q.image, q.prompt, 8});
  std::vector<GenerateResult> results = engine->Generate(requests);
  int correct = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].status.ok()) << results[i].status.message();
    correct += results[i].text == questions[i].answer;
  }
  return static_cast<double>(correct) / questions.size();
}

TEST(ReferenceModels, SvitStyleModelAnswersDemoQuestionsAndBeatsTheBaseline) {
  auto svit = MustLoad(kRepo + "/demo/models/svit");
  auto baseline = MustLoad(kRepo + "/demo/models/baseline");
  ASSERT_TRUE(svit && baseline);
  const std::vector<Question> questions = VqaQuestions(90);
  const double svit_accuracy = Accuracy(svit.get(), questions);
  const double baseline_accuracy = Accuracy(baseline.get(), questions);
  std::printf("exact-match accuracy on %zu demo VQAv2 questions: svit %.3f, baseline %.3f\n", questions.size(),
              svit_accuracy, baseline_accuracy);
  EXPECT_GE(svit_accuracy, 0.45);
  EXPECT_GT(svit_accuracy, baseline_accuracy + 0.08);
}

TEST(ReferenceModels, BatchedAndUnbatchedAnswersAreIdentical) {
  EngineOptions one;
  one.max_batch_size = 1;
  EngineOptions many;
  many.max_batch_size = 16;
  many.threads = 2;
  auto unbatched = MustLoad(kRepo + "/demo/models/svit", one);
  auto batched = MustLoad(kRepo + "/demo/models/svit", many);
  ASSERT_TRUE(unbatched && batched);
  std::vector<GenerateRequest> requests;
  for (const Question& q : VqaQuestions(40)) requests.push_back({q.image, q.prompt, 8});
  // Long generations too: detailed descriptions of LLaVA-Bench images.
  for (int i = 1; i <= 6; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%03d.jpg", i);
    requests.push_back({ReadText(kDemo + "llava_bench/images/" + name), "Describe the image in detail.", 0});
  }
  std::vector<GenerateResult> a = unbatched->Generate(requests);
  std::vector<GenerateResult> b = batched->Generate(requests);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a[i].status.ok() && b[i].status.ok());
    EXPECT_EQ(a[i].text, b[i].text) << "request " << i;
    EXPECT_EQ(a[i].completion_tokens, b[i].completion_tokens);
  }
  EXPECT_EQ(unbatched->stats().batches, static_cast<int64_t>(requests.size()));
  EXPECT_LT(batched->stats().batches, static_cast<int64_t>(requests.size()));
}

TEST(ReferenceModels, ConcurrentCallersAreBatchedTogether) {
  auto engine = MustLoad(kRepo + "/demo/models/svit");
  ASSERT_NE(engine, nullptr);
  const std::vector<Question> questions = VqaQuestions(24);
  std::vector<GenerateResult> alone;
  for (const Question& q : questions) alone.push_back(engine->Generate({{q.image, q.prompt, 8}})[0]);
  const int64_t batches_before = engine->stats().batches;
  std::vector<std::future<GenerateResult>> futures(questions.size());
  std::vector<std::thread> callers;
  for (size_t t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (size_t i = t; i < questions.size(); i += 4) {
        futures[i] = engine->SubmitGenerate({questions[i].image, questions[i].prompt, 8});
      }
    });
  }
  for (std::thread& c : callers) c.join();
  for (size_t i = 0; i < questions.size(); ++i) EXPECT_EQ(futures[i].get().text, alone[i].text) << i;
  EXPECT_LT(engine->stats().batches - batches_before, static_cast<int64_t>(questions.size()));
}

TEST(ReferenceModels, RankScoresScienceQaOptionsByLikelihood) {
  auto svit = MustLoad(kRepo + "/demo/models/svit");
  ASSERT_NE(svit, nullptr);
  const nlohmann::json problems = ReadJsonFile(kDemo + "scienceqa/problems.json");
  std::vector<RankRequest> requests;
  std::vector<int> answers;
  for (const auto& [pid, p] : problems.items()) {
    std::string prompt = p["hint"].get<std::string>().empty() ? "" : "Context: " + p["hint"].get<std::string>() + "\n";
    prompt += p["question"].get<std::string>() + "\n";
    std::vector<std::string> letters;
    for (size_t i = 0; i < p["choices"].size(); ++i) {
      const std::string letter(1, static_cast<char>('A' + i));
      prompt += letter + ". " + p["choices"][i].get<std::string>() + "\n";
      letters.push_back(" " + letter);
    }
    prompt += "Answer with the option's letter from the given choices directly.";
    const std::string image = p["image"].is_null() ? "" : ReadText(kDemo + "scienceqa/images/test/" + pid + "/image.png");
    requests.push_back({image, prompt, letters});
    answers.push_back(p["answer"]);
  }
  std::vector<RankResult> ranked = svit->Rank(requests);
  EngineOptions one;
  one.max_batch_size = 1;
  std::vector<RankResult> alone = MustLoad(kRepo + "/demo/models/svit", one)->Rank(requests);
  int correct = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    ASSERT_TRUE(ranked[i].status.ok()) << ranked[i].status.message();
    const auto& ll = ranked[i].log_likelihoods;
    ASSERT_EQ(ll.size(), requests[i].continuations.size());
    const size_t best = std::max_element(ll.begin(), ll.end()) - ll.begin();
    correct += static_cast<int>(best) == answers[i];
    for (size_t c = 0; c < ll.size(); ++c) {
      EXPECT_LE(ll[c], 0.0);
      EXPECT_NEAR(ll[c], alone[i].log_likelihoods[c], 1e-4);
    }
    // Exactly the most likely single-token option is the greedy one.
    EXPECT_TRUE(ranked[i].greedy[best] || ll[best] < std::log(0.5));
  }
  // Chance is about 0.36 with 2 to 4 options.
  EXPECT_GE(static_cast<double>(correct) / ranked.size(), 0.42);
}

TEST(ReferenceModels, RankRejectsEmptyContinuations) {
  auto engine = MustLoad(DataPath("local/models/counter"));
  ASSERT_NE(engine, nullptr);
  std::vector<RankResult> results = engine->Rank({{"", "square", {}}, {"", "square", {""}}, {"", "square", {" yes"}}});
  EXPECT_NE(results[0].status.message().find("without continuations"), std::string::npos);
  EXPECT_NE(results[1].status.message().find("has no tokens of its own"), std::string::npos);
  ASSERT_TRUE(results[2].status.ok()) << results[2].status.message();
  EXPECT_EQ(results[2].log_likelihoods.size(), 1u);
}

}  // namespace
}  // namespace svit::local

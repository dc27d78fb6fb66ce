// The run record round trip: what `run` writes for a model, later commands
// read back unchanged (metrics, counts, protocol hashes, per-sample scores
// and answers, usage).
#include <gtest/gtest.h>

#include "results/run_files.h"
#include "tests/test_util.h"

namespace svit {
namespace {

using testing::ReadText;
using testing::TempDir;

RunRecord SampleRecord() {
  RunRecord record;
  record.run_id = "20240101-000000-abcdef-m";
  record.invocation = "20240101-000000-abcdef";
  record.model_name = "m";
  record.model_id = "org/m-7b";
  record.model_identity = {{"adapter", "openai"}, {"model_id", "org/m-7b"}};
  record.status = "complete_with_failures";
  record.started_at = "2024-01-01T00:00:00Z";
  record.finished_at = "2024-01-01T00:01:00Z";
  record.versions = {{"svit_eval", "0.1.0"}};
  record.config = {{"models", {{{"name", "m"}, {"api_key_env", "KEY"}}}}};
  TaskRun run;
  run.task = "vqav2";
  run.inputs = {{"questions", "/q.json"}, {"answer-processor", "raw"}};
  run.protocol.prompt_template = "{prompt}";
  run.protocol.system_prompt = "Be brief.";
  run.protocol.prompt_template_sha256 = std::string(64, 'b');
  run.protocol.prompts_sha256 = std::string(64, 'c');
  run.protocol.input_sha256 = {{"questions", std::string(64, 'a')}};
  run.protocol.dataset_sha256 = std::string(64, 'd');
  run.images = "/img";
  run.limit = 2;
  run.usage = {30, 4, 0};
  run.requests = {{"sent", 3}};
  run.timings = {{"model_wall_seconds", 1.5}};
  run.score.task = "vqav2";
  run.score.metrics = {{"overall", 100.0}};
  run.score.metrics_unrounded = {{"overall", 100.0}};
  run.score.counts = {2, 1, 0, 1, 0};
  run.score.official_output = "Overall Accuracy is: 100.00\n";
  run.score.notes = {"1 failed request is excluded"};
  run.score.judge = {{"endpoint", "gpt4"}, {"model", "gpt-4-0613"}, {"usage", {{"requests", 2}, {"cost_usd", 0.25}}}};
  SampleScore a;
  a.id = "1";
  a.prediction = "two \"dogs\"\n";
  a.extracted = "2 dogs";
  a.score = 1.0;
  a.detail = {{"question_type", "how many"}, {"prompt", "shadowed by the record's own key"}};
  SampleScore b;
  b.id = "x-2";
  b.status = SampleStatus::kFailed;
  run.score.per_sample = {a, b};
  SampleRun ra;
  ra.id = "1";
  ra.prompt = "How many?\nAnswer the question using a single word or phrase.";
  ra.response = a.prediction;
  ra.finish_reason = "stop";
  ra.usage = {30, 4, 0};
  ra.attempts = 2;
  ra.latency_ms = 12.5;
  SampleRun rb;
  rb.id = "x-2";
  rb.prompt = "Which?";
  rb.error = "context_length_exceeded: HTTP 400: too long";
  rb.attempts = 1;
  run.samples = {ra, rb};
  record.tasks.push_back(run);
  return record;
}

TEST(RunFiles, WritesAndReadsBack) {
  TempDir dir;
  RunRecord record = SampleRecord();
  ASSERT_TRUE(WriteRunRecord(record, dir.File("run/m")).ok());
  RunRecord back;
  Status status = ReadRunRecord(dir.File("run/m"), &back);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(back.run_id, record.run_id);
  EXPECT_EQ(back.invocation, record.invocation);
  EXPECT_EQ(back.model_name, "m");
  EXPECT_EQ(back.model_id, "org/m-7b");
  EXPECT_EQ(back.model_identity, record.model_identity);
  EXPECT_EQ(back.status, record.status);
  EXPECT_EQ(back.versions, record.versions);
  EXPECT_EQ(back.config, record.config);
  ASSERT_EQ(back.tasks.size(), 1u);
  const TaskRun& r = back.tasks[0];
  const TaskRun& w = record.tasks[0];
  EXPECT_EQ(r.inputs, w.inputs);
  EXPECT_EQ(r.protocol.input_sha256, w.protocol.input_sha256);
  EXPECT_EQ(r.protocol.dataset_sha256, w.protocol.dataset_sha256);
  EXPECT_EQ(r.protocol.prompt_template_sha256, w.protocol.prompt_template_sha256);
  EXPECT_EQ(r.protocol.prompts_sha256, w.protocol.prompts_sha256);
  EXPECT_EQ(r.protocol.system_prompt, "Be brief.");
  EXPECT_TRUE(r.protocol.task_default_prompt);
  EXPECT_EQ(r.limit, 2u);
  EXPECT_EQ(r.usage.prompt_tokens, 30);
  EXPECT_EQ(r.score.metrics, w.score.metrics);
  EXPECT_EQ(r.score.official_output, w.score.official_output);
  EXPECT_EQ(r.score.notes, w.score.notes);
  EXPECT_EQ(r.score.judge, w.score.judge);
  EXPECT_EQ(r.score.counts.failed, 1u);
  ASSERT_EQ(r.score.per_sample.size(), 2u);
  EXPECT_EQ(r.score.per_sample[0].prediction, "two \"dogs\"\n");
  EXPECT_EQ(r.score.per_sample[0].extracted, "2 dogs");
  EXPECT_EQ(r.score.per_sample[0].score, 1.0);
  EXPECT_EQ(r.score.per_sample[0].detail, (nlohmann::json{{"question_type", "how many"}}));
  EXPECT_EQ(r.score.per_sample[1].status, SampleStatus::kFailed);
  EXPECT_EQ(r.samples[0].prompt, w.samples[0].prompt);
  EXPECT_EQ(r.samples[0].attempts, 2);
  EXPECT_EQ(r.samples[0].latency_ms, 12.5);
  EXPECT_EQ(r.samples[1].error, w.samples[1].error);

  // The layout the reports read: run_id, model {name, id}, tasks[] in the
  // `score --output` shape with a protocol.
  std::string text = ReadText(dir.File("run/m/run.json"));
  EXPECT_EQ(text.rfind("{\"format\":\"svit-eval-run/1\",\"run_id\":", 0), 0u) << text.substr(0, 80);
  auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["model"]["name"], "m");
  EXPECT_EQ(json["tasks"][0]["task"], "vqav2");
  EXPECT_EQ(json["tasks"][0]["protocol"]["dataset_sha256"], std::string(64, 'd'));
  EXPECT_EQ(json["tasks"][0]["per_sample"][0]["question_type"], "how many");

  // The answer file holds the answered sample, with an integer id.
  std::string answers = ReadText(dir.File("run/m/answers/vqav2.jsonl"));
  auto line = nlohmann::json::parse(answers.substr(0, answers.find('\n')));
  EXPECT_EQ(line["question_id"], 1);
  EXPECT_EQ(line["text"], "two \"dogs\"\n");
  EXPECT_EQ(line["model_id"], "m");
  EXPECT_EQ(line["answer_id"].get<std::string>().size(), 22u);
  EXPECT_EQ(std::count(answers.begin(), answers.end(), '\n'), 1);
  std::string samples = ReadText(dir.File("run/m/samples.jsonl"));
  EXPECT_EQ(std::count(samples.begin(), samples.end(), '\n'), 2);
  EXPECT_EQ(nlohmann::json::parse(samples.substr(0, samples.find('\n')))["task"], "vqav2");
}

TEST(RunFiles, RejectsFilesThatAreNotRunRecords) {
  TempDir dir;
  RunRecord record;
  EXPECT_EQ(ReadRunRecord(dir.File("missing.json"), &record).code(), Status::Code::kInvalidInput);
  Status other = ReadRunRecord(dir.Write("score.json", "{\"task\": \"vqav2\"}"), &record);
  EXPECT_NE(other.message().find("not a svit-eval run record"), std::string::npos) << other.message();
  Status broken = ReadRunRecord(dir.Write("broken.json", "{\"format\": \"svit-eval-run/1\",\n  \"run_id\": }"), &record);
  EXPECT_NE(broken.message().find("broken.json:2"), std::string::npos) << broken.message();
  Status missing_field = ReadRunRecord(
      dir.Write("partial.json", R"({"format": "svit-eval-run/1", "run_id": "x", "invocation": "x",
        "model": {"name": "m", "id": "m", "identity": {}}, "status": "complete",
        "started_at": "", "finished_at": "", "versions": {}, "config": {}, "tasks": [{"inputs": {}}]})"),
      &record);
  EXPECT_NE(missing_field.message().find("tasks[0]: missing field 'task'"), std::string::npos)
      << missing_field.message();
}

}  // namespace
}  // namespace svit

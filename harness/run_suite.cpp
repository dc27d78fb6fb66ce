#include "harness/run_suite.h"

#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <random>
#include <unordered_set>

#include "adapters/http_client.h"
#include "core/sha256.h"
#include "harness/adapter_factory.h"
#include "harness/interrupt.h"
#include "harness/request_renderer.h"
#include "harness/runner.h"
#include "harness/runner_judge_client.h"
#include "harness/summary.h"
#include "results/run_files.h"
#include "tasks/judged_task.h"
#include "tasks/registry.h"

namespace fs = std::filesystem;

namespace svit {
namespace {

struct LoadedTask {
  const TaskSpec* spec = nullptr;
  std::unique_ptr<Task> task;
  TaskConfig config;
  std::map<std::string, std::string> input_sha256;
  std::vector<std::string> prompts;  // the user text of each sample, in samples() order
};

std::string UtcTimestamp(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &utc);
  return buffer;
}

// SHA-256 of a file, or of a folder (every file's relative path and digest,
// in sorted order).
Status HashInput(const std::string& path, std::string* hex) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return Sha256File(path, hex);
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), path).string());
  }
  if (ec) return Status::InvalidInput(path + ": cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  Sha256 hash;
  for (const auto& file : files) {
    std::string digest;
    SVIT_RETURN_IF_ERROR(Sha256File((fs::path(path) / file).string(), &digest));
    hash.UpdateField(file);
    hash.UpdateField(digest);
  }
  *hex = hash.HexDigest();
  return Status::OK();
}

// A judged task is scored by the suite's judge when it has one; without
// one, a task that cannot score from its own files is refused here, before
// anything is sent.
Status CheckJudge(const LoadedTask& t, const std::optional<JudgeSpec>& judge) {
  const JudgedTask* judged = dynamic_cast<const JudgedTask*>(t.task.get());
  if (!judged) return Status::OK();
  if (judge && !t.config.Get("judge-replay").empty()) {
    return Status::InvalidInput("give either the suite's judge (" + judge->model.name +
                                ") or the task's judge-replay file, not both");
  }
  if (!judge && judged->NeedsLiveJudge()) {
    return Status::InvalidInput(
        "it is scored by a judge model and the suite names none: add a \"judge\" object to the suite file "
        "(docs/suite.md) or --judge NAME=URL --judge-model ID to the quick form (docs/judge.md)");
  }
  return Status::OK();
}

Status LoadTask(const TaskSpec& spec, const std::optional<JudgeSpec>& judge, LoadedTask* out) {
  out->spec = &spec;
  SVIT_RETURN_IF_ERROR(CreateTask(spec.name, &out->task));
  for (const auto& option : out->task->info().options) {
    if (spec.files.count(option.name)) {
      out->config.Set(option.name, spec.files.at(option.name));
    } else if (spec.settings.count(option.name)) {
      out->config.Set(option.name, spec.settings.at(option.name));
    } else if (!option.default_value.empty()) {
      out->config.Set(option.name, option.default_value);
    }
  }
  SVIT_RETURN_IF_ERROR(out->task->Load(out->config));
  SVIT_RETURN_IF_ERROR(CheckJudge(*out, judge));
  const auto& all = out->task->samples();
  if (spec.limit > 0 && spec.limit < all.size()) {
    std::unordered_set<std::string> ids;
    for (size_t i = 0; i < spec.limit; ++i) ids.insert(all[i].id);
    SVIT_RETURN_IF_ERROR(out->task->Restrict(ids));
  }
  bool needs_folder = false;
  for (const auto& sample : out->task->samples()) {
    for (const auto& image : sample.images) {
      if (!image.bytes.empty()) continue;
      needs_folder = true;
      SVIT_RETURN_IF_ERROR(CheckRelativeImagePath(image.path).WithContext("sample " + sample.id));
    }
  }
  if (needs_folder) {
    if (spec.images.empty()) {
      return Status::InvalidInput("its samples show image files: give the image folder (--images DIR, or "
                                  "\"images\" in the suite)");
    }
    std::error_code ec;
    if (!fs::is_directory(spec.images, ec)) {
      return Status::InvalidInput(spec.images + ": image folder not found");
    }
  }
  PromptSettings prompt{spec.prompt_template, ""};
  for (const auto& sample : out->task->samples()) out->prompts.push_back(RenderPromptText(prompt, sample));
  for (const auto& [name, path] : spec.files) {
    SVIT_RETURN_IF_ERROR(HashInput(path, &out->input_sha256[name]));
  }
  return Status::OK();
}

// Every sample of every task, one job each, in suite order.
class SuiteJobs : public JobSource {
 public:
  void Add(const Task* task, std::unique_ptr<RequestRenderer> renderer) {
    offsets_.push_back(total_);
    total_ += task->samples().size();
    tasks_.push_back(task);
    renderers_.push_back(std::move(renderer));
  }
  size_t offset(size_t task) const { return offsets_[task]; }
  size_t size() const override { return total_; }

  Status Render(size_t index, Request* out) override {
    size_t t = static_cast<size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), index) - offsets_.begin()) - 1;
    const Sample& sample = tasks_[t]->samples()[index - offsets_[t]];
    return renderers_[t]->Render(sample, out).WithContext("sample " + sample.id);
  }

 private:
  std::vector<const Task*> tasks_;
  std::vector<std::unique_ptr<RequestRenderer>> renderers_;
  std::vector<size_t> offsets_;
  size_t total_ = 0;
};

}  // namespace

Prediction PredictionFromOutcome(const Sample& sample, const std::string& prompt, const JobOutcome& outcome,
                                 RequestKind kind, std::string* error) {
  Prediction p;
  p.id = sample.id;
  // As LLaVA's answer files record it: image questions start with the image
  // token (eval_science_qa.py, for one, tells image questions by it).
  p.prompt = sample.images.empty() ? prompt : "<image>\n" + prompt;
  const Response& r = outcome.response;
  if (!outcome.done) {
    *error = "not answered";
  } else if (!r.ok()) {
    *error = r.error.message;
  } else if (kind == RequestKind::kRank) {
    if (r.option_logprobs.size() != sample.choices.size() || r.option_logprobs.empty()) {
      *error = "malformed_response: " + std::to_string(r.option_logprobs.size()) + " log-likelihoods for " +
               std::to_string(sample.choices.size()) + " options";
    } else {
      size_t best = static_cast<size_t>(std::max_element(r.option_logprobs.begin(), r.option_logprobs.end()) -
                                        r.option_logprobs.begin());
      p.text = OptionLetter(best);
    }
  } else {
    p.text = r.text;
  }
  p.failed = !error->empty();
  return p;
}

namespace {

nlohmann::json LatencyJson(std::vector<double> ms) {
  if (ms.empty()) return nlohmann::json::object();
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double v : ms) sum += v;
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
  return {{"mean", sum / static_cast<double>(ms.size())}, {"p50", at(0.5)}, {"p95", at(0.95)}, {"max", ms.back()}};
}

#define SVIT_STRINGIFY_VALUE(x) #x
#define SVIT_STRINGIFY(x) SVIT_STRINGIFY_VALUE(x)

nlohmann::json Versions() {
  return {{"svit_eval", SVIT_VERSION},
          {"compiler", __VERSION__},
          {"libcurl", LibcurlVersion()},
          {"sqlite", sqlite3_libversion()},
          {"simdjson", SVIT_STRINGIFY(SIMDJSON_VERSION)}};
}

std::string NewRunId() {
  std::random_device device;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", device() & 0xFFFFFF);
  return UtcTimestamp("%Y%m%d-%H%M%S-") + suffix;
}

std::string ResumeAdvice(const RunSettings& settings, const Suite& suite) {
  if (settings.no_cache) {
    return "the answers were not cached (--no-cache), so running again starts over";
  }
  return "every answer received is saved in " + suite.CachePath() +
         "; run the same command again to resume (only the missing requests are sent)";
}

// How the runner serves `model` (or the judge) under the run's settings.
RunnerOptions RunnerOptionsFor(const ModelSpec& model, const RunSettings& settings) {
  RunnerOptions options;
  options.concurrency = model.concurrency;
  options.requests_per_minute = model.requests_per_minute;
  options.tokens_per_minute = model.tokens_per_minute;
  options.retry = model.retry;
  options.read_cache = !settings.no_cache && !settings.refresh;
  options.write_cache = !settings.no_cache;
  options.grace_seconds = settings.grace_seconds;
  options.progress_label = model.name;
  options.progress_live = isatty(STDERR_FILENO);
  options.progress_interval_seconds = settings.progress_interval_seconds;
  options.show_progress = settings.show_progress;
  return options;
}

// Everything a model's run shares across its tasks.
struct ModelContext {
  const Suite* suite;
  const RunSettings* settings;
  ResponseCache* cache;
  RunnerJudgeClient* judge;  // null when the suite has no judge
  std::string invocation;
  nlohmann::json config;
  nlohmann::json versions;
};

TaskProtocol MakeProtocol(const LoadedTask& t, const ModelSpec& model) {
  TaskProtocol p;
  p.task_default_prompt = t.spec->prompt_template.empty();
  p.prompt_template = p.task_default_prompt ? "{prompt}" : t.spec->prompt_template;
  p.system_prompt = t.spec->system_prompt.empty() ? model.system_prompt : t.spec->system_prompt;
  Sha256 template_hash;
  template_hash.UpdateField(p.prompt_template);
  template_hash.UpdateField(p.system_prompt);
  p.prompt_template_sha256 = template_hash.HexDigest();
  Sha256 prompts_hash;
  for (const auto& prompt : t.prompts) prompts_hash.UpdateField(prompt);
  p.prompts_sha256 = prompts_hash.HexDigest();
  p.input_sha256 = t.input_sha256;
  Sha256 dataset_hash;
  for (const auto& [name, digest] : t.input_sha256) {
    dataset_hash.UpdateField(name);
    dataset_hash.UpdateField(digest);
  }
  p.dataset_sha256 = dataset_hash.HexDigest();
  return p;
}

// Turns the outcomes of one task's jobs into Predictions, scores them with
// the task's own Score (or, for a judged task, with the judge when there is
// one), and gathers usage and timings.
Status ScoreTask(const LoadedTask& t, const ModelSpec& model, const JobOutcome* outcomes, double wall_seconds,
                 RunnerJudgeClient* judge, TaskRun* run) {
  const auto& samples = t.task->samples();
  run->task = t.spec->name;
  run->inputs = t.config.values();
  run->protocol = MakeProtocol(t, model);
  run->images = t.spec->images;
  run->limit = t.spec->limit;
  std::vector<Prediction> predictions;
  std::vector<double> latencies;
  size_t sent = 0, retries = 0, cached = 0, answered = 0, failed = 0;
  for (size_t j = 0; j < samples.size(); ++j) {
    const JobOutcome& outcome = outcomes[j];
    std::string error;
    predictions.push_back(PredictionFromOutcome(samples[j], t.prompts[j], outcome, t.spec->request_kind, &error));
    SampleRun s;
    s.id = samples[j].id;
    s.prompt = t.prompts[j];
    s.response = predictions.back().text;
    s.error = error;
    s.finish_reason = outcome.response.finish_reason;
    s.usage = outcome.response.usage;
    s.attempts = outcome.attempts;
    s.cached = outcome.cached;
    s.latency_ms = outcome.latency_seconds * 1000.0;
    run->usage.prompt_tokens += s.usage.prompt_tokens;
    run->usage.completion_tokens += s.usage.completion_tokens;
    run->usage.reasoning_tokens += s.usage.reasoning_tokens;
    sent += static_cast<size_t>(s.attempts);
    retries += s.attempts > 1 ? static_cast<size_t>(s.attempts - 1) : 0;
    cached += s.cached;
    if (s.attempts > 0 && error.empty()) latencies.push_back(s.latency_ms);
    (error.empty() ? answered : failed)++;
    run->samples.push_back(std::move(s));
  }
  run->requests = {{"sent", sent}, {"retries", retries}, {"cached", cached}, {"answered", answered}, {"failed", failed}};
  run->timings = {{"model_wall_seconds", wall_seconds}, {"latency_ms", LatencyJson(latencies)}};
  const JudgedTask* judged = dynamic_cast<const JudgedTask*>(t.task.get());
  Status status = judge && judged ? judged->ScoreWithJudge(predictions, judge, &run->score)
                                  : t.task->Score(predictions, &run->score);
  return status.WithContext("task " + run->task);
}

// Judge requests of a scored task that failed after retries (their samples
// are counted failed, not scored).
size_t JudgeFailures(const ScoreResult& score) {
  if (!score.judge.is_object()) return 0;
  return score.judge.value("usage", nlohmann::json::object()).value("failed", size_t{0});
}

// Sends every task's samples to `model`, scores them and fills `record`.
Status RunModel(const ModelSpec& model, const std::vector<LoadedTask>& tasks, const ModelContext& context,
                RunRecord* record) {
  std::unique_ptr<Adapter> adapter;
  SVIT_RETURN_IF_ERROR(CreateAdapter(model, &adapter));
  std::vector<std::unique_ptr<ImageLoader>> loaders;
  SuiteJobs jobs;
  for (const LoadedTask& t : tasks) {
    PromptSettings prompt{t.spec->prompt_template,
                          t.spec->system_prompt.empty() ? model.system_prompt : t.spec->system_prompt};
    loaders.push_back(std::make_unique<ImageLoader>(t.spec->images, model.image_max_side));
    jobs.Add(t.task.get(), std::make_unique<RequestRenderer>(prompt, t.spec->generation.Apply(model.generation),
                                                             t.spec->request_kind, loaders.back().get()));
  }
  const RunSettings& settings = *context.settings;
  Runner runner(adapter.get(), context.cache, RunnerOptionsFor(model, settings));
  std::vector<JobOutcome> outcomes;
  record->started_at = UtcTimestamp("%Y-%m-%dT%H:%M:%SZ");
  Status status = runner.Run(&jobs, &outcomes);
  if (!status.ok()) {
    size_t done = static_cast<size_t>(std::count_if(outcomes.begin(), outcomes.end(),
                                                    [](const JobOutcome& o) { return o.done && o.response.ok(); }));
    return Status::RunFailed(status.message() + " (model " + model.name + ": " + std::to_string(done) + " of " +
                             std::to_string(outcomes.size()) + " requests answered); " +
                             ResumeAdvice(settings, *context.suite));
  }
  record->run_id = context.invocation + "-" + model.name;
  record->invocation = context.invocation;
  record->model_name = model.name;
  record->model_id = model.model_id;
  record->model_identity = nlohmann::json::parse(adapter->identity().CanonicalText());
  record->versions = context.versions;
  record->config = context.config;
  size_t failed = 0;
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    TaskRun run;
    status = ScoreTask(tasks[ti], model, outcomes.data() + jobs.offset(ti), runner.stats().wall_seconds,
                       context.judge, &run);
    if (status.code() == Status::Code::kRunFailed) {
      return Status::RunFailed(status.message() + " (model " + model.name + "); " +
                               ResumeAdvice(settings, *context.suite));
    }
    SVIT_RETURN_IF_ERROR(status);
    failed += run.requests["failed"].get<size_t>() + JudgeFailures(run.score);
    record->tasks.push_back(std::move(run));
  }
  record->finished_at = UtcTimestamp("%Y-%m-%dT%H:%M:%SZ");
  record->status = failed ? "complete_with_failures" : "complete";
  return Status::OK();
}

void PrintRecordSummary(const RunRecord& record, std::ostream& out) {
  for (const TaskRun& run : record.tasks) {
    const auto& r = run.requests;
    out << "== " << record.model_name << " / " << run.task << " ==\n";
    PrintScoreSummary(run.score, out);
    out << "requests: " << r["sent"] << " sent, " << r["retries"] << " retries, " << r["cached"] << " cached, "
        << r["failed"] << " failed; tokens: " << run.usage.prompt_tokens << " prompt + "
        << run.usage.completion_tokens << " completion\n\n";
  }
}

}  // namespace

Status RunSuite(const Suite& suite, const RunSettings& settings, std::ostream& out, RunSummary* summary) {
  *summary = RunSummary();
  std::vector<LoadedTask> tasks(suite.tasks.size());
  for (size_t i = 0; i < suite.tasks.size(); ++i) {
    SVIT_RETURN_IF_ERROR(LoadTask(suite.tasks[i], suite.judge, &tasks[i]).WithContext("task " + suite.tasks[i].name));
  }
  ModelContext context;
  context.suite = &suite;
  context.settings = &settings;
  context.invocation = settings.run_id.empty() ? NewRunId() : settings.run_id;
  std::string run_dir = (fs::path(suite.output) / context.invocation).string();
  std::error_code ec;
  fs::create_directories(suite.output, ec);
  if (ec) return Status::InvalidInput(suite.output + ": cannot create the output folder: " + ec.message());
  std::unique_ptr<ResponseCache> cache;
  if (!settings.no_cache) {
    fs::path parent = fs::path(suite.CachePath()).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    SVIT_RETURN_IF_ERROR(ResponseCache::Open(suite.CachePath(), &cache));
  }
  context.cache = cache.get();
  // The judge shares the models' cache: rerunning, or adding a model,
  // re-judges nothing already judged.
  std::unique_ptr<RunnerJudgeClient> judge;
  if (suite.judge) {
    RunnerOptions options = RunnerOptionsFor(suite.judge->model, settings);
    SVIT_RETURN_IF_ERROR(RunnerJudgeClient::Create(*suite.judge, cache.get(), options, &judge));
  }
  context.judge = judge.get();
  context.versions = Versions();
  context.config = SuiteToJson(suite);
  context.config["origin"] = suite.origin;
  context.config["no_cache"] = settings.no_cache;
  context.config["refresh"] = settings.refresh;
  InstallInterruptHandlers();

  summary->run_dir = run_dir;
  for (const ModelSpec& model : suite.models) {
    RunRecord record;
    SVIT_RETURN_IF_ERROR(RunModel(model, tasks, context, &record));
    std::string model_dir = (fs::path(run_dir) / model.name).string();
    SVIT_RETURN_IF_ERROR(WriteRunRecord(record, model_dir));
    PrintRecordSummary(record, out);
    out << "run record: " << (fs::path(model_dir) / "run.json").string() << "\n\n";
    for (const TaskRun& run : record.tasks) {
      summary->failed += run.requests["failed"].get<size_t>();
      summary->judge_failed += JudgeFailures(run.score);
    }
    summary->records.push_back(model_dir);
  }
  return Status::OK();
}

}  // namespace svit

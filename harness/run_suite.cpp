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
#include "harness/summary.h"
#include "results/run_record.h"
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

Status LoadTask(const TaskSpec& spec, LoadedTask* out) {
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
  p.prompt = prompt;
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

}  // namespace

Status RunSuite(const Suite& suite, const RunSettings& settings, std::ostream& out, RunSummary* summary) {
  *summary = RunSummary();
  std::vector<LoadedTask> tasks(suite.tasks.size());
  for (size_t i = 0; i < suite.tasks.size(); ++i) {
    SVIT_RETURN_IF_ERROR(LoadTask(suite.tasks[i], &tasks[i]).WithContext("task " + suite.tasks[i].name));
  }
  std::error_code ec;
  fs::create_directories(suite.output, ec);
  if (ec) return Status::InvalidInput(suite.output + ": cannot create the output folder: " + ec.message());

  std::unique_ptr<ResponseCache> cache;
  if (!settings.no_cache) {
    std::string cache_path = suite.CachePath();
    fs::path parent = fs::path(cache_path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    SVIT_RETURN_IF_ERROR(ResponseCache::Open(cache_path, &cache));
  }
  InstallInterruptHandlers();

  RunRecord record;
  record.run_id = settings.run_id.empty() ? NewRunId() : settings.run_id;
  record.started_at = UtcTimestamp("%Y-%m-%dT%H:%M:%SZ");
  record.versions = Versions();
  record.config = SuiteToJson(suite);
  record.config["origin"] = suite.origin;
  record.config["no_cache"] = settings.no_cache;
  record.config["refresh"] = settings.refresh;
  std::string run_dir = (fs::path(suite.output) / record.run_id).string();
  if (fs::exists(fs::path(run_dir) / "run.json", ec)) {
    return Status::InvalidInput(run_dir + " already holds a run record; choose another --run-id");
  }

  for (const ModelSpec& model : suite.models) {
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
    Runner runner(adapter.get(), cache.get(), options);
    std::vector<JobOutcome> outcomes;
    Status status = runner.Run(&jobs, &outcomes);
    if (!status.ok()) {
      size_t done = static_cast<size_t>(std::count_if(outcomes.begin(), outcomes.end(),
                                                      [](const JobOutcome& o) { return o.done && o.response.ok(); }));
      return Status::RunFailed(status.message() + " (model " + model.name + ": " + std::to_string(done) + " of " +
                               std::to_string(outcomes.size()) + " requests answered); " +
                               ResumeAdvice(settings, suite));
    }
    const RunnerStats& stats = runner.stats();

    for (size_t ti = 0; ti < tasks.size(); ++ti) {
      const LoadedTask& t = tasks[ti];
      const auto& samples = t.task->samples();
      TaskRun run;
      run.model = model.name;
      run.task = t.spec->name;
      run.inputs = t.config.values();
      run.input_sha256 = t.input_sha256;
      run.images = t.spec->images;
      run.limit = t.spec->limit;
      run.model_identity = nlohmann::json::parse(adapter->identity().CanonicalText());
      std::string system = t.spec->system_prompt.empty() ? model.system_prompt : t.spec->system_prompt;
      std::string effective_template = t.spec->prompt_template.empty() ? "{prompt}" : t.spec->prompt_template;
      Sha256 template_hash;
      template_hash.UpdateField(effective_template);
      template_hash.UpdateField(system);
      Sha256 prompts_hash;
      for (const auto& p : t.prompts) prompts_hash.UpdateField(p);
      run.prompt = {{"template", effective_template},
                    {"task_default", t.spec->prompt_template.empty()},
                    {"system", system},
                    {"template_sha256", template_hash.HexDigest()},
                    {"prompts_sha256", prompts_hash.HexDigest()}};

      std::vector<Prediction> predictions;
      std::vector<double> latencies;
      size_t sent = 0, retries = 0, cached = 0, answered = 0, failed = 0;
      for (size_t j = 0; j < samples.size(); ++j) {
        const JobOutcome& outcome = outcomes[jobs.offset(ti) + j];
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
        run.usage.prompt_tokens += s.usage.prompt_tokens;
        run.usage.completion_tokens += s.usage.completion_tokens;
        run.usage.reasoning_tokens += s.usage.reasoning_tokens;
        sent += static_cast<size_t>(s.attempts);
        retries += s.attempts > 1 ? static_cast<size_t>(s.attempts - 1) : 0;
        cached += s.cached;
        if (s.attempts > 0 && error.empty()) latencies.push_back(s.latency_ms);
        (error.empty() ? answered : failed)++;
        run.samples.push_back(std::move(s));
      }
      run.requests = {{"sent", sent}, {"retries", retries}, {"cached", cached},
                      {"answered", answered}, {"failed", failed}};
      run.timings = {{"model_wall_seconds", stats.wall_seconds}, {"latency_ms", LatencyJson(latencies)}};
      SVIT_RETURN_IF_ERROR(t.task->Score(predictions, &run.score).WithContext("task " + run.task));
      summary->failed += failed;

      out << "== " << model.name << " / " << run.task << " ==\n";
      PrintScoreSummary(run.score, out);
      out << "requests: " << sent << " sent, " << retries << " retries, " << cached << " cached, " << failed
          << " failed; tokens: " << run.usage.prompt_tokens << " prompt + " << run.usage.completion_tokens
          << " completion\n\n";
      record.results.push_back(std::move(run));
    }
  }
  record.finished_at = UtcTimestamp("%Y-%m-%dT%H:%M:%SZ");
  record.status = summary->failed ? "complete_with_failures" : "complete";
  SVIT_RETURN_IF_ERROR(WriteRunRecord(record, run_dir));
  summary->run_dir = run_dir;
  out << "run record: " << (fs::path(run_dir) / "run.json").string() << "\n";
  return Status::OK();
}

}  // namespace svit

// `svit-eval run`: sends benchmark samples to models, scores the answers and
// writes a run record. Three forms:
//   svit-eval run                      the embedded default suite
//   svit-eval run --config suite.json  a suite file (docs/suite.md)
//   svit-eval run --task NAME <task files> --images DIR --model NAME=URL ...
#include <boost/program_options.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>

#include "adapters/openai_protocol.h"
#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/judge_options.h"
#include "harness/run_outputs.h"
#include "harness/default_suite.h"
#include "harness/run_suite.h"
#include "tasks/registry.h"

namespace po = boost::program_options;

namespace svit {
namespace {

// Options of the quick form that describe the model or the task.
const std::set<std::string>& QuickOptions() {
  static const std::set<std::string> names = [] {
    std::set<std::string> quick = {
        "task",        "images",          "model",       "model-id",   "profile",    "api-key-env",
        "api-version", "azure-deployment", "concurrency", "rpm",        "tpm",        "max-tokens",
        "temperature", "seed",            "timeout",     "max-attempts", "max-side", "detail",
        "prompt-template", "system-prompt", "request"};
    quick.insert(JudgeOptionNames().begin(), JudgeOptionNames().end());
    return quick;
  }();
  return names;
}

// Options that apply to any suite (the rest describe the quick form's model
// and task).
const std::set<std::string>& RunOptionNames() {
  static const std::set<std::string> names = {"help",  "config", "output", "cache", "store", "no-cache", "refresh",
                                              "run-id", "limit", "progress-interval", "grace-seconds"};
  return names;
}

po::options_description AllOptions() {
  po::options_description options("run options");
  options.add_options()
      ("help,h", "show this help")
      ("config", po::value<std::string>(), "")
      ("output,o", po::value<std::string>(), "")
      ("cache", po::value<std::string>(), "")
      ("store", po::value<std::string>(), "")
      ("no-cache", "")
      ("refresh", "")
      ("run-id", po::value<std::string>(), "")
      ("limit", po::value<size_t>(), "")
      ("progress-interval", po::value<double>(), "")
      ("grace-seconds", po::value<double>(), "")
      ("task", po::value<std::string>(), "")
      ("images", po::value<std::string>(), "")
      ("model", po::value<std::string>(), "")
      ("model-id", po::value<std::string>(), "")
      ("profile", po::value<std::string>(), "")
      ("api-key-env", po::value<std::string>(), "")
      ("api-version", po::value<std::string>(), "")
      ("azure-deployment", po::value<std::string>(), "")
      ("concurrency", po::value<size_t>(), "")
      ("rpm", po::value<double>(), "")
      ("tpm", po::value<double>(), "")
      ("max-tokens", po::value<int>(), "")
      ("temperature", po::value<double>(), "")
      ("seed", po::value<int64_t>(), "")
      ("timeout", po::value<double>(), "")
      ("max-attempts", po::value<int>(), "")
      ("max-side", po::value<int>(), "")
      ("detail", po::value<std::string>(), "")
      ("prompt-template", po::value<std::string>(), "")
      ("system-prompt", po::value<std::string>(), "")
      ("request", po::value<std::string>(), "");
  AddJudgeOptions(&options);
  std::set<std::string> added;
  for (const auto& o : options.options()) added.insert(o->long_name());
  for (const auto& name : TaskNames()) {
    std::unique_ptr<Task> task;
    CreateTask(name, &task);
    for (const auto& option : task->info().options) {
      if (!added.insert(option.name).second) continue;
      options.add_options()(option.name.c_str(), po::value<std::string>(), "");
    }
  }
  return options;
}

void PrintHelp() {
  std::string profiles;
  for (const auto& p : EndpointProfileNames()) profiles += (profiles.empty() ? "" : ", ") + p;
  std::printf(
      "usage: svit-eval run [--config SUITE.json | --task NAME <task files> --images DIR --model NAME=URL ...]\n"
      "                     [--output DIR] [--cache FILE] [--no-cache | --refresh] [--limit N] [--run-id ID]\n\n"
      "Sends every benchmark sample to the model(s), scores the answers with the task's official\n"
      "rules (the same code as 'svit-eval score') and writes, per model, OUTPUT/<run-id>/<model>/:\n"
      "run.json (config without secrets, versions, dataset and prompt hashes, metrics, per-sample\n"
      "prompt, response, prediction and score, usage, timings), samples.jsonl and\n"
      "answers/<task>.jsonl. 'svit-eval compare' and 'leaderboard' read these folders.\n"
      "Without arguments it runs the embedded default suite.\n\n"
      "Every answer is committed to a SQLite cache (default OUTPUT/cache.sqlite) as it arrives:\n"
      "after a crash, Ctrl-C or kill, the same command sends only what is missing.\n\n"
      "  --config FILE            suite file: models, tasks, output (see docs/suite.md)\n"
      "  --output, -o DIR         output folder (default runs, or the suite's)\n"
      "  --cache FILE             response cache file\n"
      "  --store FILE             results store (SQLite) the run records are added to\n"
      "                           (default $SVIT_RESULTS_DB, else OUTPUT/results.sqlite)\n"
      "  --no-cache               neither read nor write the cache\n"
      "  --refresh                send everything again and overwrite cached answers\n"
      "  --limit N                only the first N samples of every task (whole groups where a task\n"
      "                           scores groups: MMBench circular copies, MME image pairs)\n"
      "  --run-id ID              name of the run folder (default: UTC time + random suffix);\n"
      "                           a model's earlier record under the same id is replaced\n"
      "  --progress-interval S    seconds between progress lines when stderr is not a terminal (10)\n"
      "  --grace-seconds S        on Ctrl-C, wait this long for requests in flight (10)\n\n"
      "Quick form (one model, one task):\n"
      "  --task NAME              task (see 'svit-eval tasks'), plus its files as for 'score'\n"
      "  --images DIR             the benchmark's image folder\n"
      "  --model NAME=URL         model name and endpoint base URL (e.g. http://localhost:8000/v1)\n"
      "  --model-id ID            model id the endpoint serves (default: NAME)\n"
      "  --profile P              endpoint profile: %s\n"
      "  --api-key-env VAR        environment variable holding the API key\n"
      "  --api-version V          Azure api-version;  --azure-deployment D  Azure deployment\n"
      "  --concurrency N          requests in flight (8);  --rpm N / --tpm N  per-minute budgets\n"
      "  --max-tokens N (128)  --temperature T (0)  --seed N  --timeout S (600)  --max-attempts N (6)\n"
      "  --max-side PX            downscale images to this longest side;  --detail low|high|auto\n"
      "  --prompt-template T      replaces the task's prompt; {prompt} {question} {options}\n"
      "  --system-prompt S        system message;  --request generate|rank\n\n"
      "Judge of the quick form (llava-bench and mm-vet need one; mmbench, mmbench_cn, seed and\n"
      "scienceqa ask it where their rules cannot tell the option; a suite file has a \"judge\"\n"
      "object instead; docs/judge.md):\n"
      "%s\n"
      "Exit codes: 0 ok, 2 usage or bad input, 3 the run could not complete (interrupted,\n"
      "endpoint or judge unreachable, or some model or judge requests failed after retries;\n"
      "what was done is kept).\n",
      profiles.c_str(), JudgeOptionsHelp());
}

int Fail(const Status& status) { return ReportFailure("run", status); }

template <typename T>
void SetIf(const po::variables_map& vm, const char* name, T* out) {
  if (vm.count(name)) *out = vm[name].as<T>();
}

Status BuildQuickSuite(const po::variables_map& vm, Suite* suite) {
  if (!vm.count("model")) return Status::InvalidInput("--model NAME=URL is required with --task");
  std::string model_arg = vm["model"].as<std::string>();
  size_t eq = model_arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == model_arg.size()) {
    return Status::InvalidInput("--model must be NAME=URL, got '" + model_arg + "'");
  }
  ModelSpec m;
  m.name = model_arg.substr(0, eq);
  m.base_url = model_arg.substr(eq + 1);
  m.model_id = m.name;
  SetIf(vm, "model-id", &m.model_id);
  SetIf(vm, "profile", &m.profile);
  SetIf(vm, "api-key-env", &m.api_key_env);
  SetIf(vm, "api-version", &m.api_version);
  SetIf(vm, "azure-deployment", &m.azure_deployment);
  SetIf(vm, "concurrency", &m.concurrency);
  SetIf(vm, "rpm", &m.requests_per_minute);
  SetIf(vm, "tpm", &m.tokens_per_minute);
  SetIf(vm, "max-tokens", &m.generation.max_new_tokens);
  SetIf(vm, "temperature", &m.generation.temperature);
  if (vm.count("seed")) m.generation.seed = vm["seed"].as<int64_t>();
  SetIf(vm, "timeout", &m.timeout_seconds);
  SetIf(vm, "max-attempts", &m.retry.max_attempts);
  SetIf(vm, "max-side", &m.image_max_side);
  SetIf(vm, "detail", &m.image_detail);
  SetIf(vm, "system-prompt", &m.system_prompt);
  if (m.concurrency == 0 || m.retry.max_attempts < 1 || m.generation.max_new_tokens < 1 || m.timeout_seconds <= 0) {
    return Status::InvalidInput("--concurrency, --max-attempts, --max-tokens and --timeout must be positive");
  }

  TaskSpec t;
  t.name = vm["task"].as<std::string>();
  std::unique_ptr<Task> task;
  SVIT_RETURN_IF_ERROR(CreateTask(t.name, &task));
  std::set<std::string> accepted = RunOptionNames();
  accepted.insert(QuickOptions().begin(), QuickOptions().end());
  for (const auto& option : task->info().options) {
    accepted.insert(option.name);
    if (!vm.count(option.name)) continue;
    (option.is_file ? t.files : t.settings)[option.name] = vm[option.name].as<std::string>();
  }
  for (const auto& [name, value] : vm) {
    if (!accepted.count(name)) {
      return Status::InvalidInput("--" + name + " is not an option of task " + t.name + " (see 'svit-eval run --help')");
    }
  }
  SetIf(vm, "images", &t.images);
  SetIf(vm, "prompt-template", &t.prompt_template);
  std::string kind = "generate";
  SetIf(vm, "request", &kind);
  if (kind != "generate" && kind != "rank") return Status::InvalidInput("--request must be generate or rank");
  t.request_kind = kind == "rank" ? RequestKind::kRank : RequestKind::kGenerate;

  SVIT_RETURN_IF_ERROR(ReadJudgeOptions(vm, &suite->judge));

  suite->models.push_back(std::move(m));
  suite->tasks.push_back(std::move(t));
  suite->origin = "command line";
  return ValidateSuite(*suite);
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args) {
  po::options_description options = AllOptions();
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine("run", args, options, nullptr, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    PrintHelp();
    return 0;
  }

  Suite suite;
  Status status;
  if (vm.count("config")) {
    for (const auto& [name, value] : vm) {
      if (!RunOptionNames().count(name)) {
        return Fail(Status::InvalidInput("--" + name + " cannot be used with --config (set it in the suite file)"));
      }
    }
    status = LoadSuiteFile(vm["config"].as<std::string>(), &suite);
  } else if (vm.count("task")) {
    status = BuildQuickSuite(vm, &suite);
  } else {
    for (const auto& [name, value] : vm) {
      if (QuickOptions().count(name)) {
        return Fail(Status::InvalidInput("--" + name + " needs --task NAME (or use --config)"));
      }
    }
    status = LoadDefaultSuite(&suite);
  }
  if (!status.ok()) return Fail(status);

  SetIf(vm, "output", &suite.output);
  SetIf(vm, "cache", &suite.cache);
  if (vm.count("limit")) {
    for (auto& t : suite.tasks) t.limit = vm["limit"].as<size_t>();
  }
  RunSettings settings;
  settings.no_cache = vm.count("no-cache") > 0;
  settings.refresh = vm.count("refresh") > 0;
  if (settings.no_cache && settings.refresh) {
    return Fail(Status::InvalidInput("--no-cache and --refresh exclude each other"));
  }
  SetIf(vm, "run-id", &settings.run_id);
  if (settings.run_id.find('/') != std::string::npos || settings.run_id == "." || settings.run_id == "..") {
    return Fail(Status::InvalidInput("--run-id must be a plain folder name"));
  }
  SetIf(vm, "progress-interval", &settings.progress_interval_seconds);
  SetIf(vm, "grace-seconds", &settings.grace_seconds);

  RunSummary summary;
  status = RunSuite(suite, settings, std::cout, &summary);
  std::cout.flush();
  if (!status.ok()) return Fail(status);
  // The results store: --store, else $SVIT_RESULTS_DB, else <output>/results.sqlite.
  const char* store_env = std::getenv("SVIT_RESULTS_DB");
  std::string store = vm.count("store") ? vm["store"].as<std::string>()
                      : store_env && *store_env ? std::string(store_env)
                                                : suite.output + "/results.sqlite";
  status = WriteRunOutputs(suite, summary, store, std::cout);
  if (!status.ok()) return Fail(status);
  if (summary.failed > 0) {
    std::fprintf(stderr,
                 "svit-eval run: %zu request(s) failed and are recorded as failed, not scored (see samples.jsonl "
                 "under %s); run the same command again to retry them\n",
                 summary.failed, summary.run_dir.c_str());
  }
  if (summary.judge_failed > 0) {
    std::fprintf(stderr,
                 "svit-eval run: %zu judge request(s) failed after retries; their samples are recorded as failed, "
                 "not scored (see the judge usage in run.json under %s); run the same command again to retry them\n",
                 summary.judge_failed, summary.run_dir.c_str());
  }
  if (summary.failed > 0 || summary.judge_failed > 0) return 3;
  return 0;
}

}  // namespace svit

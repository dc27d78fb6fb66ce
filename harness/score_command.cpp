// `svit-eval score`: scores an existing predictions file against a
// benchmark's official files and prints/writes the official numbers.
#include <boost/program_options.hpp>


#include <cstdio>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/judge_options.h"
#include "harness/runner_judge_client.h"
#include "harness/summary.h"
#include "results/score_json.h"
#include "tasks/judged_task.h"
#include "tasks/registry.h"

namespace po = boost::program_options;

namespace svit {
namespace {

// Every task's options, merged by name (tasks share names such as
// --annotations), so one parser accepts them all; the chosen task then
// rejects the ones it does not take.
po::options_description AllOptions() {
  po::options_description options("score options");
  options.add_options()
      ("help,h", "show this help, with every task's options")
      ("task", po::value<std::string>(), "task name (see 'svit-eval tasks')")
      ("predictions", po::value<std::string>(), "the model's answers (format per task, below)")
      ("output,o", po::value<std::string>(), "write the JSON result here");
  options.add_options()("judge-cache", po::value<std::string>(), "");
  AddJudgeOptions(&options);
  std::set<std::string> added = {"help", "task", "predictions", "output", "judge-cache"};
  added.insert(JudgeOptionNames().begin(), JudgeOptionNames().end());
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
  std::printf(
      "usage: svit-eval score --task NAME <official files> --predictions FILE [--output result.json]\n\n"
      "Scores a model's answers exactly as the benchmark's official script does and prints\n"
      "the official numbers. --output writes {task, inputs, counts, metrics (official names\n"
      "and rounding), metrics_unrounded (same keys, full float64), official_output, notes,\n"
      "per_sample: [{id, prediction, extracted, score, status, ...}]}.\n\n"
      "  --task NAME          task name (see 'svit-eval tasks')\n"
      "  --predictions FILE   the model's answers, in the format the task names below\n"
      "  --output, -o FILE    write the JSON result\n\n"
      "Live judge (docs/judge.md): llava-bench, mm-vet: the judge scores (instead of --judge-replay);\n"
      "mmbench, mmbench_cn, seed, scienceqa: it picks the option where the rules cannot tell:\n"
      "%s"
      "  --judge-cache FILE           SQLite response cache: re-scoring re-judges only changed answers\n\n"
      "Exit codes: 0 ok, 2 usage or bad input (the message names the file, line and field),\n"
      "3 the judge could not be reached.\n\n"
      "Options of each task:\n",
      JudgeOptionsHelp());
  for (const auto& name : TaskNames()) {
    std::unique_ptr<Task> task;
    CreateTask(name, &task);
    const TaskInfo& info = task->info();
    std::printf("\n  %s (%s): %s\n", info.name.c_str(), TaskFamilyName(info.family),
                info.description.c_str());
    for (const auto& option : info.options) {
      std::string flag = "--" + option.name + (option.is_file ? " PATH" : " VALUE");
      std::string extra = option.required ? "" : option.default_value.empty()
                                                     ? " (optional)"
                                                     : " (default: " + option.default_value + ")";
      std::printf("    %-28s %s%s\n", flag.c_str(), option.description.c_str(), extra.c_str());
    }
    if (!info.predictions_format.empty()) {
      std::printf("    %-28s %s%s\n", "--predictions FILE", info.predictions_format.c_str(),
                  info.predictions_optional ? " (optional)" : "");
    }
  }
}

int Fail(const Status& status) { return ReportFailure("score", status); }

}  // namespace

int RunScoreCommand(const std::vector<std::string>& args) {
  po::options_description options = AllOptions();
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine("score", args, options, nullptr, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    PrintHelp();
    return 0;
  }
  if (!vm.count("task")) return Fail(Status::InvalidInput("--task is required (see 'svit-eval tasks')"));

  std::unique_ptr<Task> task;
  Status status = CreateTask(vm["task"].as<std::string>(), &task);
  if (!status.ok()) return Fail(status);
  const TaskInfo& info = task->info();

  std::optional<JudgeSpec> judge_spec;
  status = ReadJudgeOptions(vm, &judge_spec);
  if (!status.ok()) return Fail(status);
  if (vm.count("judge-cache") && !judge_spec) return Fail(Status::InvalidInput("--judge-cache needs --judge"));
  bool live_judge = judge_spec.has_value();
  JudgedTask* judged = dynamic_cast<JudgedTask*>(task.get());
  if (live_judge && !judged) return Fail(Status::InvalidInput("task " + info.name + " is not judged; drop --judge"));

  TaskConfig config;
  std::set<std::string> accepted = {"task", "predictions", "output", "help"};
  accepted.insert(JudgeOptionNames().begin(), JudgeOptionNames().end());
  accepted.insert("judge-cache");
  for (const auto& option : info.options) {
    accepted.insert(option.name);
    if (vm.count(option.name)) {
      config.Set(option.name, vm[option.name].as<std::string>());
    } else if (option.required) {
      return Fail(Status::InvalidInput("task " + info.name + " needs --" + option.name + " (" +
                                       option.description + ")"));
    } else if (!option.default_value.empty()) {
      config.Set(option.name, option.default_value);
    }
  }
  for (const auto& [name, value] : vm) {
    if (!accepted.count(name)) {
      return Fail(Status::InvalidInput("--" + name + " is not an option of task " + info.name +
                                       " (see 'svit-eval score --help')"));
    }
  }
  if (!info.predictions_format.empty()) {
    if (vm.count("predictions")) {
      config.Set("predictions", vm["predictions"].as<std::string>());
    } else if (!info.predictions_optional) {
      return Fail(Status::InvalidInput("--predictions is required for task " + info.name + " (" +
                                       info.predictions_format + ")"));
    }
  } else if (vm.count("predictions")) {
    return Fail(Status::InvalidInput("task " + info.name +
                                     " reads its predictions from its own files; drop --predictions"));
  }

  if (live_judge && !config.Get("judge-replay").empty()) {
    return Fail(Status::InvalidInput("give either --judge (a live judge) or --judge-replay (recorded verdicts)"));
  }

  std::vector<Prediction> predictions;
  ScoreResult result;
  status = task->Load(config);
  if (status.ok()) status = task->ReadPredictions(config, &predictions);
  if (!status.ok()) return Fail(status);
  if (live_judge) {
    std::unique_ptr<ResponseCache> cache;
    if (vm.count("judge-cache")) status = ResponseCache::Open(vm["judge-cache"].as<std::string>(), &cache);
    std::unique_ptr<RunnerJudgeClient> client;
    if (status.ok()) status = RunnerJudgeClient::Create(*judge_spec, cache.get(), RunnerOptions(), &client);
    if (status.ok()) status = judged->ScoreWithJudge(predictions, client.get(), &result);
  } else {
    status = task->Score(predictions, &result);
  }
  if (!status.ok()) return Fail(status);

  PrintScoreSummary(result, std::cout);
  if (vm.count("output")) {
    const std::string& path = vm["output"].as<std::string>();
    ScoreInputs inputs(config.values().begin(), config.values().end());
    // The judge's endpoint and settings, never its key (only the variable's name).
    std::vector<std::string> judge_options = JudgeOptionNames();
    judge_options.push_back("judge-cache");
    for (const std::string& name : judge_options) {
      if (!vm.count(name)) continue;
      const std::string& value = vm[name].as<std::string>();
      inputs[name] = name == "judge" ? MaskUrlCredentials(value) : value;
    }
    status = WriteScoreJsonFile(result, inputs, path);
    if (!status.ok()) return Fail(status);
    std::cout << "result written to " << path << "\n";
  }
  return 0;
}

}  // namespace svit

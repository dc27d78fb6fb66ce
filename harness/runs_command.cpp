// `svit-eval runs`: lists the runs in the results store; `runs add RUN...`
// puts run records or score results into it.
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "results/store.h"

namespace po = boost::program_options;

namespace svit {
namespace {

int Fail(const Status& status) { return ReportFailure("runs", status); }

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

}  // namespace

int RunRunsCommand(const std::vector<std::string>& args) {
  po::options_description options("runs options");
  options.add_options()
      ("help,h", "show this help")
      ("store", po::value<std::string>(), "results store (default $SVIT_RESULTS_DB or runs/results.sqlite)")
      ("json", "list as JSON");
  po::options_description hidden;
  hidden.add_options()("word", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("word", -1);
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine("runs", args, all, &positional, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    std::printf("usage: svit-eval runs [--store PATH] [--json]      list the stored runs\n"
                "       svit-eval runs add RUN... [--store PATH]    store runs (replacing same ids)\n\n"
                "RUN: a run folder or run.json, a score result file or a folder of them.\n\n");
    std::cout << options;
    return 0;
  }
  const std::string path = vm.count("store") ? vm["store"].as<std::string>() : DefaultStorePath();
  std::vector<std::string> words;
  if (vm.count("word")) words = vm["word"].as<std::vector<std::string>>();

  if (!words.empty() && words[0] == "add") {
    if (words.size() < 2) return Fail(Status::InvalidInput("runs add: name at least one RUN"));
    std::unique_ptr<ResultsStore> store;
    Status status = ResultsStore::Open(path, &store);
    if (!status.ok()) return Fail(status);
    for (size_t i = 1; i < words.size(); ++i) {
      RunSet run;
      status = LoadRunArgument(words[i], path, &run);
      if (status.ok()) status = store->Put(run);
      if (!status.ok()) return Fail(status);
      std::printf("stored %s (%zu tasks) in %s\n", run.run_id.c_str(), run.tasks.size(), path.c_str());
    }
    return 0;
  }
  if (!words.empty() && words[0] != "list") {
    return Fail(Status::InvalidInput("unknown runs subcommand '" + words[0] + "' (list, add)"));
  }
  std::unique_ptr<ResultsStore> store;
  bool found = false;
  Status status = ResultsStore::OpenExisting(path, &store, &found);
  if (!status.ok()) return Fail(status);
  std::vector<StoredRunSummary> runs;
  if (found) {
    status = store->List(&runs);
    if (!status.ok()) return Fail(status);
  }
  if (vm.count("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : runs) {
      list.push_back({{"run_id", r.run_id}, {"model", r.model_name}, {"model_id", r.model_id},
                      {"created_at", r.created_at}, {"stored_at", r.stored_at}, {"source", r.source},
                      {"tasks", r.tasks}, {"samples", r.samples}});
    }
    std::cout << list.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (runs.empty()) {
    std::printf("no runs in %s\n", path.c_str());
    return 0;
  }
  std::printf("%-28s %-24s %-21s %8s  %s\n", "run", "model", "created", "samples", "tasks");
  for (const auto& r : runs) {
    std::printf("%-28s %-24s %-21s %8zu  %s\n", r.run_id.c_str(), r.model_name.c_str(),
                (r.created_at.empty() ? r.stored_at : r.created_at).c_str(), r.samples,
                Join(r.tasks).c_str());
  }
  return 0;
}

}  // namespace svit

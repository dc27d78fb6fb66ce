// `svit-eval compare BASE CANDIDATE`: paired comparison of two runs, with
// the regression gate and its CI outputs (JUnit XML, Markdown).
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "results/comparison.h"
#include "results/gate.h"
#include "results/store.h"

namespace po = boost::program_options;

namespace svit {
namespace {

void PrintHelp(const po::options_description& options) {
  std::printf(
      "usage: svit-eval compare BASE CANDIDATE [options]\n\n"
      "Compares two runs task by task over the same samples: both values of each metric, the\n"
      "delta with its paired bootstrap interval, a p-value (exact McNemar for binary outcomes,\n"
      "else a paired permutation test; whole images move together when samples carry an image),\n"
      "Holm-adjusted across the suite, and a verdict; per-category breakdowns; changed samples.\n"
      "Refuses runs whose prompt template or dataset hashes, or sample sets, differ.\n\n"
      "BASE and CANDIDATE: a score result file, a folder of them, a run folder or run.json, or a\n"
      "run id in the results store; LABEL=PATH renames the model.\n\n"
      "Gate rules (exit 1 when one fails):\n"
      "  any-significant-drop          a headline metric got significantly worse\n"
      "  significant-drop=SELECTOR     the same for selected metrics\n"
      "  max-drop=[SELECTOR:]POINTS    a selected metric fell by more than POINTS (metric units)\n"
      "  SELECTOR: TASK, TASK/METRIC, METRIC (any task) or '*'.\n\n");
  std::cout << options << "\n"
            << "Exit codes: 0 ok, 1 a gate rule failed, 2 usage or bad input (incl. protocol mismatch).\n";
}

int Fail(const Status& status) { return ReportFailure("compare", status); }

}  // namespace

int RunCompareCommand(const std::vector<std::string>& args) {
  po::options_description options("compare options");
  options.add_options()
      ("help,h", "show this help")
      ("gate", po::value<std::vector<std::string>>(), "a gate rule (repeatable)")
      ("junit", po::value<std::string>(), "write JUnit XML here")
      ("markdown", po::value<std::string>(), "write a Markdown summary here")
      ("json", po::value<std::string>(), "write the whole comparison as JSON here")
      ("allow-protocol-mismatch", "compare even when prompt/dataset hashes or sample sets differ")
      ("all-metrics", "test every numeric metric, not only the headline ones")
      ("alpha", po::value<std::string>(), "significance level (default 0.05)")
      ("cluster-by", po::value<std::string>(),
       "per-sample field grouping samples (default: image_id or image when present; 'none')")
      ("store", po::value<std::string>(), "results store to look run ids up in");
  AddResampleOptions(&options);
  po::variables_map vm;
  std::vector<std::string> runs;
  int usage_exit = 0;
  if (!ParseRunCommandLine("compare", args, options, &vm, &runs, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    PrintHelp(options);
    return 0;
  }
  if (runs.size() != 2) {
    return Fail(Status::InvalidInput("expected BASE and CANDIDATE, got " + std::to_string(runs.size()) +
                                     " run argument(s) (see 'svit-eval compare --help')"));
  }
  CompareOptions compare;
  Status status = ReadResampleOptions(vm, &compare.resample);
  if (status.ok() && vm.count("alpha")) {
    status = ParseFraction("alpha", vm["alpha"].as<std::string>(), &compare.alpha);
  }
  if (!status.ok()) return Fail(status);
  compare.allow_protocol_mismatch = vm.count("allow-protocol-mismatch") > 0;
  compare.all_metrics = vm.count("all-metrics") > 0;
  if (vm.count("cluster-by")) compare.cluster_field = vm["cluster-by"].as<std::string>();

  std::vector<GateRule> rules;
  if (vm.count("gate")) {
    for (const auto& text : vm["gate"].as<std::vector<std::string>>()) {
      GateRule rule;
      status = ParseGateRule(text, &rule);
      if (!status.ok()) return Fail(status);
      rules.push_back(rule);
    }
  }

  const std::string store = vm.count("store") ? vm["store"].as<std::string>() : DefaultStorePath();
  RunSet base, candidate;
  status = LoadRunArgument(runs[0], store, &base);
  if (status.ok()) status = LoadRunArgument(runs[1], store, &candidate);
  if (!status.ok()) return Fail(status);

  Comparison comparison;
  status = CompareRuns(base, candidate, compare, &comparison);
  if (!status.ok()) return Fail(status);
  GateOutcome gate;
  status = ApplyGate(comparison, rules, &gate);
  if (!status.ok()) return Fail(status);
  const GateOutcome* gate_or_null = rules.empty() ? nullptr : &gate;

  std::cout << ComparisonText(comparison, gate_or_null);
  if (vm.count("junit")) status = WriteTextFile(vm["junit"].as<std::string>(), GateJunitXml(comparison, gate));
  if (status.ok() && vm.count("markdown")) {
    status = WriteTextFile(vm["markdown"].as<std::string>(), ComparisonMarkdown(comparison, gate_or_null));
  }
  if (status.ok() && vm.count("json")) {
    status = WriteTextFile(vm["json"].as<std::string>(),
                           ComparisonToJson(comparison).dump(1, ' ', false,
                                                             nlohmann::json::error_handler_t::replace) + "\n");
  }
  if (!status.ok()) return Fail(status);
  return gate.passed() ? 0 : 1;
}

}  // namespace svit

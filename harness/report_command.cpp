// `svit-eval report RUN... -o report.html`: the self-contained HTML report.
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "results/html_report.h"
#include "results/store.h"

namespace po = boost::program_options;

namespace svit {
namespace {

int Fail(const Status& status) { return ReportFailure("report", status); }

}  // namespace

int RunReportCommand(const std::vector<std::string>& args) {
  po::options_description options("report options");
  options.add_options()
      ("help,h", "show this help")
      ("output,o", po::value<std::string>(), "the HTML file to write (required)")
      ("title", po::value<std::string>(), "page title")
      ("images", po::value<std::string>(), "folder of sample images to embed as thumbnails")
      ("max-image-mb", po::value<std::string>(), "budget for embedded images in MB (default 64)")
      ("allow-protocol-mismatch", "compare runs even when their protocols differ")
      ("store", po::value<std::string>(), "results store to look run ids up in");
  AddResampleOptions(&options);
  po::variables_map vm;
  std::vector<std::string> arguments;
  int usage_exit = 0;
  if (!ParseRunCommandLine("report", args, options, &vm, &arguments, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    std::printf("usage: svit-eval report RUN... -o report.html [--images DIR]\n\n"
                "One self-contained HTML file: leaderboard with intervals, per-benchmark bar charts,\n"
                "a capability radar, comparisons of every run against the first, and a sample browser.\n"
                "RUN: a score result file, a folder of them, a run folder or run.json, or a run id in\n"
                "the results store; LABEL=PATH names the model.\n\n");
    std::cout << options;
    return 0;
  }
  if (arguments.empty()) return Fail(Status::InvalidInput("name at least one RUN"));
  if (!vm.count("output")) return Fail(Status::InvalidInput("-o/--output is required"));
  ReportOptions report;
  Status status = ReadResampleOptions(vm, &report.resample);
  if (!status.ok()) return Fail(status);
  if (vm.count("title")) report.title = vm["title"].as<std::string>();
  if (vm.count("images")) report.images_dir = vm["images"].as<std::string>();
  if (vm.count("max-image-mb")) {
    size_t mb = 0;
    status = ParseCount("max-image-mb", vm["max-image-mb"].as<std::string>(), &mb);
    if (!status.ok()) return Fail(status);
    report.max_image_bytes = mb << 20;
  }
  report.allow_protocol_mismatch = vm.count("allow-protocol-mismatch") > 0;
  const std::string store = vm.count("store") ? vm["store"].as<std::string>() : DefaultStorePath();
  std::vector<RunSet> runs(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    status = LoadRunArgument(arguments[i], store, &runs[i]);
    if (!status.ok()) return Fail(status);
  }
  std::string html;
  status = BuildHtmlReport(runs, report, &html);
  const std::string output = vm["output"].as<std::string>();
  if (status.ok()) status = WriteTextFile(output, html);
  if (!status.ok()) return Fail(status);
  std::printf("report written to %s\n", output.c_str());
  return 0;
}

}  // namespace svit

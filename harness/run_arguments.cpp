#include "harness/run_arguments.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "harness/command_line.h"
#include "results/store.h"

namespace svit {

bool ParseRunCommandLine(const char* command, const std::vector<std::string>& args,
                         const boost::program_options::options_description& options,
                         boost::program_options::variables_map* vm, std::vector<std::string>* runs,
                         int* exit_code) {
  namespace po = boost::program_options;
  po::options_description hidden;
  hidden.add_options()("run", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("run", -1);
  if (!ParseCommandLine(command, args, all, &positional, vm, exit_code)) return false;
  if (vm->count("run")) *runs = (*vm)["run"].as<std::vector<std::string>>();
  return true;
}

Status LoadRunArgument(const std::string& argument, const std::string& store_path, RunSet* out) {
  std::string label, path;
  SplitRunArgument(argument, &label, &path);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    SVIT_RETURN_IF_ERROR(LoadRunSet(path, out));
  } else {
    std::unique_ptr<ResultsStore> store;
    bool store_found = false, run_found = false;
    SVIT_RETURN_IF_ERROR(ResultsStore::OpenExisting(store_path, &store, &store_found));
    if (store_found) SVIT_RETURN_IF_ERROR(store->Get(path, out, &run_found));
    if (!run_found) {
      return Status::InvalidInput(path + ": no such file or folder, and no run with this id in the "
                                  "results store " + store_path);
    }
  }
  if (!label.empty()) out->model_name = label;
  return Status::OK();
}

Status ParseCount(const std::string& option, const std::string& text, size_t* out) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-') {
    return Status::InvalidInput("--" + option + " must be a whole number, got '" + text + "'");
  }
  *out = static_cast<size_t>(value);
  return Status::OK();
}

Status ParseFraction(const std::string& option, const std::string& text, double* out) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > 0.0 && value < 1.0)) {
    return Status::InvalidInput("--" + option + " must be a number between 0 and 1, got '" + text + "'");
  }
  *out = value;
  return Status::OK();
}

void AddResampleOptions(boost::program_options::options_description* options) {
  namespace po = boost::program_options;
  options->add_options()
      ("resamples", po::value<std::string>(), "bootstrap / permutation resamples (default 2000)")
      ("seed", po::value<std::string>(), "random seed (default 20230707)")
      ("confidence", po::value<std::string>(), "confidence level of intervals (default 0.95)");
}

Status ReadResampleOptions(const boost::program_options::variables_map& vm,
                           stats::ResampleOptions* out) {
  if (vm.count("resamples")) {
    SVIT_RETURN_IF_ERROR(ParseCount("resamples", vm["resamples"].as<std::string>(), &out->resamples));
    if (out->resamples == 0) return Status::InvalidInput("--resamples must be at least 1");
  }
  if (vm.count("seed")) {
    size_t seed = 0;
    SVIT_RETURN_IF_ERROR(ParseCount("seed", vm["seed"].as<std::string>(), &seed));
    out->seed = seed;
  }
  if (vm.count("confidence")) {
    SVIT_RETURN_IF_ERROR(ParseFraction("confidence", vm["confidence"].as<std::string>(), &out->confidence));
  }
  return Status::OK();
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  std::error_code ec;
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::RunFailed(path + ": cannot write");
    out << text;
    out.flush();
    if (!out) return Status::RunFailed(path + ": write error");
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) return Status::RunFailed(path + ": cannot move into place: " + ec.message());
  return Status::OK();
}

}  // namespace svit

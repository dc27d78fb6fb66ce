#include "harness/summary.h"

namespace svit {
namespace {

void PrintMetrics(const nlohmann::json& metrics, const std::string& prefix, std::ostream& out) {
  for (const auto& [key, value] : metrics.items()) {
    std::string name = prefix.empty() ? key : prefix + "/" + key;
    if (value.is_object()) {
      PrintMetrics(value, name, out);
    } else {
      out << "  " << name << ": " << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          << "\n";
    }
  }
}

}  // namespace

void PrintScoreSummary(const ScoreResult& result, std::ostream& out) {
  const ScoreCounts& c = result.counts;
  out << result.task << ": " << c.total << " samples, " << c.answered << " answered, " << c.failed
      << " failed, " << c.missing << " missing, " << c.unparseable << " unparseable\n";
  if (!result.official_output.empty()) {
    out << "\n" << result.official_output;
    if (result.official_output.back() != '\n') out << "\n";
  }
  if (result.judge.is_object()) {
    out << "\njudge: " << result.judge.value("description", std::string()) << "\n";
  }
  out << "\nmetrics:\n";
  PrintMetrics(result.metrics, "", out);
  for (const auto& note : result.notes) out << "note: " << note << "\n";
}

}  // namespace svit

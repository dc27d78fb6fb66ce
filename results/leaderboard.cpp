#include "results/leaderboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/sha256.h"
#include "results/recompute.h"
#include "results/text_format.h"

namespace svit {
namespace {

std::string OneDecimal(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string CellText(const LeaderboardCell& cell, bool with_ci) {
  if (!cell.present) return "-";
  std::string text = OneDecimal(cell.value);
  if (with_ci && cell.ci) text += " [" + OneDecimal(cell.ci->low) + ", " + OneDecimal(cell.ci->high) + "]";
  return text;
}

// Best value of each column (all leaderboard metrics are higher-is-better),
// compared as printed so that visually equal values tie.
std::vector<std::string> BestTexts(const Leaderboard& board) {
  std::vector<std::string> best(board.columns.size());
  for (size_t c = 0; c < board.columns.size(); ++c) {
    double max = -INFINITY;
    for (const auto& row : board.cells) {
      if (row[c].present) max = std::max(max, std::stod(OneDecimal(row[c].value)));
    }
    if (std::isfinite(max)) best[c] = OneDecimal(max);
  }
  return best;
}

std::string ColumnProtocol(const Leaderboard& board, size_t c) {
  const auto& list = board.column_protocols[c];
  if (list.empty()) return "-";
  if (list.size() == 1) return list[0];
  std::string text = "MIXED:";
  for (const auto& p : list) text += " " + p;
  return text;
}

std::string Short(const std::string& hash) { return hash.substr(0, 8); }

}  // namespace

const std::vector<LeaderboardColumn>& DefaultColumns() {
  static const std::vector<LeaderboardColumn> kColumns = {
      {"MME-P", {"mme"}, {"Perception_total", "perception", "Perception", "perception/total"}, false},
      {"MME-C", {"mme"}, {"Cognition_total", "cognition", "Cognition", "cognition/total"}, false},
      {"MMBench", {"mmbench", "mmbench_en"}, {"overall", "accuracy"}, true},
      {"MMBench-CN", {"mmbench_cn"}, {"overall", "accuracy"}, true},
      {"SEED", {"seed", "seed_bench", "seedbench"}, {"image_accuracy", "image", "accuracy_image", "img_accuracy", "overall", "accuracy"}, true},
      {"VQAv2", {"vqav2"}, {"overall"}, true},
      {"GQA", {"gqa"}, {"accuracy", "overall"}, true},
      {"VizWiz", {"vizwiz"}, {"overall", "accuracy"}, true},
      {"SQA-IMG", {"scienceqa", "scienceqa_img", "sqa"}, {"img_acc", "img_accuracy", "IMG-Accuracy", "image_accuracy", "acc"}, true},
      {"TextVQA", {"textvqa"}, {"accuracy", "overall"}, true},
      {"POPE", {"pope"}, {"f1_mean", "mean_f1", "f1", "adversarial/f1+popular/f1+random/f1"}, true},
      {"LLaVA-W", {"llava-bench", "llava_bench", "llava_bench_wild", "llava_wild", "llava_w"}, {"all/relative_score", "relative_score", "overall"}, false},
      {"MM-Vet", {"mm-vet", "mmvet", "mm_vet"}, {"total", "overall"}, true},
  };
  return kColumns;
}

Status ParseColumn(const std::string& text, LeaderboardColumn* out) {
  const size_t equals = text.find('=');
  const size_t colon = text.find(':', equals == std::string::npos ? 0 : equals);
  if (equals == std::string::npos || colon == std::string::npos || equals == 0 ||
      colon == equals + 1 || colon + 1 == text.size()) {
    return Status::InvalidInput("--column '" + text + "': expected LABEL=TASK:PATH (e.g. VQAv2=vqav2:overall)");
  }
  *out = LeaderboardColumn();
  out->label = text.substr(0, equals);
  out->tasks = {text.substr(equals + 1, colon - equals - 1)};
  out->paths = {text.substr(colon + 1)};
  return Status::OK();
}

std::string ProtocolLabel(const Protocol& protocol) {
  if (protocol.dataset_sha256.empty() && protocol.prompt_template_sha256.empty() && protocol.judge.empty()) {
    return "unknown";
  }
  std::string label =
      "d:" + (protocol.dataset_sha256.empty() ? std::string("?") : Short(protocol.dataset_sha256)) +
      " p:" + (protocol.prompt_template_sha256.empty() ? std::string("?") : Short(protocol.prompt_template_sha256));
  if (!protocol.judge.empty()) label += " j:" + Short(Sha256Hex(protocol.judge));
  return label;
}

void BuildLeaderboard(const std::vector<RunSet>& runs, const std::vector<LeaderboardColumn>& columns,
                      bool with_ci, const stats::ResampleOptions& resample, Leaderboard* out) {
  *out = Leaderboard();
  out->with_ci = with_ci;
  out->resample = resample;
  std::vector<std::vector<LeaderboardCell>> all(runs.size(), std::vector<LeaderboardCell>(columns.size()));
  for (size_t r = 0; r < runs.size(); ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      const LeaderboardColumn& column = columns[c];
      const TaskResult* task = nullptr;
      for (const auto& name : column.tasks) {
        auto it = runs[r].tasks.find(name);
        if (it != runs[r].tasks.end()) {
          task = &it->second;
          break;
        }
      }
      if (!task) continue;
      const nlohmann::json& metrics = task->score.metrics_unrounded;
      for (const auto& path : column.paths) {
        // "a/b+c/d": the mean of several paths, all of which must be present.
        std::vector<std::string> parts;
        std::stringstream stream(path);
        for (std::string part; std::getline(stream, part, '+');) parts.push_back(part);
        double sum = 0.0;
        bool present = true;
        for (const auto& part : parts) {
          auto value = MetricAt(metrics, part);
          present = present && value.has_value();
          if (value) sum += *value;
        }
        if (!present) continue;
        LeaderboardCell& cell = all[r][c];
        cell.present = true;
        cell.task = task->score.task;
        cell.path = path;
        cell.protocol = ProtocolLabel(task->protocol);
        const double raw = sum / static_cast<double>(parts.size());
        const double scale = column.percent && std::fabs(raw) <= 1.0 ? 100.0 : 1.0;
        cell.value = raw * scale;
        if (with_ci) {
          MetricEstimate e = EstimateMetric(task->score, raw, SplitPath(parts.back()), "", resample);
          if (e.ci) cell.ci = stats::Interval{e.ci->low * scale, e.ci->high * scale};
        }
        break;
      }
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    bool any = false;
    std::vector<std::string> protocols;
    for (size_t r = 0; r < runs.size(); ++r) {
      if (!all[r][c].present) continue;
      any = true;
      if (std::find(protocols.begin(), protocols.end(), all[r][c].protocol) == protocols.end()) {
        protocols.push_back(all[r][c].protocol);
      }
    }
    if (!any) continue;
    out->columns.push_back(columns[c]);
    out->column_protocols.push_back(protocols);
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    out->models.push_back(runs[r].model_name);
    out->run_ids.push_back(runs[r].run_id);
    std::vector<LeaderboardCell> row;
    for (size_t c = 0; c < columns.size(); ++c) {
      bool kept = false;
      for (const auto& k : out->columns) kept = kept || k.label == columns[c].label;
      if (kept) row.push_back(all[r][c]);
    }
    out->cells.push_back(std::move(row));
  }
}

std::string LeaderboardMarkdown(const Leaderboard& board) {
  std::ostringstream out;
  const auto best = BestTexts(board);
  out << "| Model |";
  for (const auto& c : board.columns) out << " " << EscapeMarkdownCell(c.label) << " |";
  out << "\n|---|";
  for (size_t c = 0; c < board.columns.size(); ++c) out << "---:|";
  out << "\n";
  for (size_t r = 0; r < board.models.size(); ++r) {
    out << "| " << EscapeMarkdownCell(board.models[r]) << " |";
    for (size_t c = 0; c < board.columns.size(); ++c) {
      const auto& cell = board.cells[r][c];
      const std::string text = CellText(cell, board.with_ci);
      const bool bold = cell.present && OneDecimal(cell.value) == best[c] && board.models.size() > 1;
      out << " " << (bold ? "**" + text + "**" : text) << " |";
    }
    out << "\n";
  }
  out << "| *protocol* |";
  for (size_t c = 0; c < board.columns.size(); ++c) out << " " << EscapeMarkdownCell(ColumnProtocol(board, c)) << " |";
  out << "\n";
  if (board.with_ci) {
    out << "\nIntervals: " << static_cast<int>(std::lround(board.resample.confidence * 100))
        << "% bootstrap percentile, " << board.resample.resamples << " resamples, seed "
        << board.resample.seed << ".\n";
  }
  return out.str();
}

std::string LeaderboardLatex(const Leaderboard& board) {
  std::ostringstream out;
  const auto best = BestTexts(board);
  out << "% Generated by svit-eval leaderboard; needs \\usepackage{booktabs}.\n";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    out << "% " << board.columns[c].label << " protocol: " << ColumnProtocol(board, c) << "\n";
  }
  out << "\\begin{tabular}{l" << std::string(board.columns.size(), 'c') << "}\n\\toprule\nModel";
  for (const auto& c : board.columns) out << " & " << EscapeLatex(c.label);
  out << " \\\\\n\\midrule\n";
  for (size_t r = 0; r < board.models.size(); ++r) {
    out << EscapeLatex(board.models[r]);
    for (size_t c = 0; c < board.columns.size(); ++c) {
      const auto& cell = board.cells[r][c];
      if (!cell.present) {
        out << " & --";
        continue;
      }
      std::string value = OneDecimal(cell.value);
      if (value == best[c] && board.models.size() > 1) value = "\\textbf{" + value + "}";
      out << " & " << value;
      if (board.with_ci && cell.ci) {
        out << "\\,{\\scriptsize[" << OneDecimal(cell.ci->low) << ", " << OneDecimal(cell.ci->high) << "]}";
      }
    }
    out << " \\\\\n";
  }
  out << "\\bottomrule\n\\end{tabular}\n";
  return out.str();
}

std::string LeaderboardCsv(const Leaderboard& board) {
  std::ostringstream out;
  out << "model,run_id";
  for (const auto& c : board.columns) {
    out << "," << EscapeCsv(c.label);
    if (board.with_ci) out << "," << EscapeCsv(c.label + " ci_low") << "," << EscapeCsv(c.label + " ci_high");
  }
  out << "\n";
  auto number = [](double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", v);
    return std::string(buffer);
  };
  for (size_t r = 0; r < board.models.size(); ++r) {
    out << EscapeCsv(board.models[r]) << "," << EscapeCsv(board.run_ids[r]);
    for (size_t c = 0; c < board.columns.size(); ++c) {
      const auto& cell = board.cells[r][c];
      out << "," << (cell.present ? number(cell.value) : "");
      if (board.with_ci) {
        out << "," << (cell.ci ? number(cell.ci->low) : "") << "," << (cell.ci ? number(cell.ci->high) : "");
      }
    }
    out << "\n";
  }
  out << "protocol,";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    out << "," << EscapeCsv(ColumnProtocol(board, c));
    if (board.with_ci) out << ",,";
  }
  out << "\n";
  return out.str();
}

nlohmann::json LeaderboardJson(const Leaderboard& board) {
  nlohmann::json j;
  j["columns"] = nlohmann::json::array();
  for (size_t c = 0; c < board.columns.size(); ++c) {
    j["columns"].push_back({{"label", board.columns[c].label}, {"protocols", board.column_protocols[c]}});
  }
  j["rows"] = nlohmann::json::array();
  for (size_t r = 0; r < board.models.size(); ++r) {
    nlohmann::json row = {{"model", board.models[r]}, {"run_id", board.run_ids[r]}};
    nlohmann::json cells = nlohmann::json::object();
    for (size_t c = 0; c < board.columns.size(); ++c) {
      const auto& cell = board.cells[r][c];
      if (!cell.present) {
        cells[board.columns[c].label] = nullptr;
        continue;
      }
      nlohmann::json value = {{"value", cell.value}, {"task", cell.task}, {"metric", cell.path},
                              {"protocol", cell.protocol}};
      if (cell.ci) value["ci"] = {cell.ci->low, cell.ci->high};
      cells[board.columns[c].label] = value;
    }
    row["cells"] = cells;
    j["rows"].push_back(row);
  }
  if (board.with_ci) {
    j["settings"] = {{"resamples", board.resample.resamples}, {"seed", board.resample.seed},
                     {"confidence", board.resample.confidence}};
  }
  return j;
}

}  // namespace svit

#include "results/gate.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "results/text_format.h"

namespace svit {
namespace {

bool Matches(const std::string& selector, const MetricRow& row) {
  return selector == "*" || (selector == row.task && row.headline) ||
         selector == row.task + "/" + row.metric || selector == row.metric;
}

std::string Interval(const std::optional<stats::Interval>& ci) {
  if (!ci) return "";
  return " [" + FormatSigned(ci->low) + ", " + FormatSigned(ci->high) + "]";
}

std::string RowPValue(const MetricRow& row) {
  if (!row.p_value) return "n/a";
  return FormatPValue(*row.p_value) + " (" + FormatPValue(row.p_adjusted.value_or(*row.p_value)) + ")";
}

std::string Settings(const Comparison& c) {
  std::ostringstream out;
  out << "Intervals: " << static_cast<int>(std::lround(c.options.resample.confidence * 100))
      << "% paired bootstrap percentile, " << c.options.resample.resamples
      << " resamples, seed " << c.options.resample.seed
      << ". p: exact McNemar for binary outcomes, else paired permutation; Holm-adjusted across "
         "the suite (in parentheses); alpha "
      << c.options.alpha << ".";
  return out.str();
}

const char* VerdictMark(Verdict v) {
  switch (v) {
    case Verdict::kBetter: return "better";
    case Verdict::kWorse: return "**worse**";
    case Verdict::kChanged: return "changed";
    case Verdict::kNoSignificantChange: return "no significant change";
    case Verdict::kUntested: return "not tested";
  }
  return "";
}

void MarkdownRows(const std::vector<MetricRow>& rows, std::ostringstream& out) {
  out << "| task | metric | base | candidate | delta [CI] | p (Holm) | verdict |\n"
      << "|---|---|---:|---:|---:|---:|---|\n";
  for (const auto& row : rows) {
    out << "| " << EscapeMarkdownCell(row.task) << " | " << EscapeMarkdownCell(row.metric) << " | "
        << FormatNumber(row.base) << " | " << FormatNumber(row.candidate) << " | "
        << FormatSigned(row.delta) << Interval(row.delta_ci) << " | " << RowPValue(row) << " | "
        << VerdictMark(row.verdict) << " |\n";
  }
}

}  // namespace

Status ParseGateRule(const std::string& text, GateRule* out) {
  *out = GateRule();
  out->text = text;
  const size_t equals = text.find('=');
  const std::string name = text.substr(0, equals);
  const std::string argument = equals == std::string::npos ? "" : text.substr(equals + 1);
  auto bad = [&](const std::string& why) {
    return Status::InvalidInput("--gate '" + text + "': " + why +
                                " (rules: any-significant-drop, significant-drop=SELECTOR, "
                                "max-drop=[SELECTOR:]POINTS)");
  };
  if (name == "any-significant-drop") {
    if (equals != std::string::npos) return bad("takes no argument");
    out->kind = GateRule::Kind::kAnySignificantDrop;
    return Status::OK();
  }
  if (name == "significant-drop") {
    if (argument.empty()) return bad("needs a selector");
    out->kind = GateRule::Kind::kSignificantDrop;
    out->selector = argument;
    return Status::OK();
  }
  if (name == "max-drop") {
    out->kind = GateRule::Kind::kMaxDrop;
    const size_t colon = argument.rfind(':');
    std::string points = argument;
    if (colon != std::string::npos) {
      out->selector = argument.substr(0, colon);
      points = argument.substr(colon + 1);
      if (out->selector.empty()) return bad("empty selector");
    }
    char* end = nullptr;
    out->points = std::strtod(points.c_str(), &end);
    if (points.empty() || *end != '\0' || !std::isfinite(out->points) || out->points < 0) {
      return bad("POINTS must be a non-negative number");
    }
    return Status::OK();
  }
  return bad("unknown rule");
}

Status ApplyGate(const Comparison& comparison, const std::vector<GateRule>& rules, GateOutcome* out) {
  *out = GateOutcome();
  out->rules = rules;
  for (const auto& rule : rules) {
    size_t matched = 0;
    for (const auto& task : comparison.tasks) {
      for (const auto& row : task.metrics) {
        const bool selected = rule.kind == GateRule::Kind::kAnySignificantDrop
                                  ? row.headline
                                  : Matches(rule.selector, row);
        if (!selected) continue;
        ++matched;
        const Direction direction = MetricDirection(row.metric);
        std::string message;
        if (rule.kind == GateRule::Kind::kMaxDrop) {
          if (direction == Direction::kNeutral) continue;
          const double drop = direction == Direction::kHigherIsBetter ? -row.delta : row.delta;
          if (drop > rule.points) {
            message = "dropped by " + FormatNumber(drop) + " (limit " + FormatNumber(rule.points) + ")";
          }
        } else if (row.verdict == Verdict::kWorse) {
          message = "significantly worse: " + FormatSigned(row.delta) + Interval(row.delta_ci) +
                    ", p (Holm) " + FormatPValue(row.p_adjusted.value_or(1.0));
        }
        if (!message.empty()) out->failures.push_back({rule.text, row.task, row.metric, message});
      }
    }
    if (matched == 0 && rule.kind != GateRule::Kind::kAnySignificantDrop) {
      return Status::InvalidInput("--gate '" + rule.text + "': selector '" + rule.selector +
                                  "' matches no compared metric");
    }
  }
  return Status::OK();
}

std::string GateJunitXml(const Comparison& comparison, const GateOutcome& gate) {
  size_t tests = 0;
  for (const auto& task : comparison.tasks) tests += task.metrics.size();
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"svit-eval gate\" tests=\"" << tests << "\" failures=\""
      << gate.failures.size() << "\">\n"
      << "  <testsuite name=\"" << EscapeHtml(comparison.candidate_run + " vs " + comparison.base_run)
      << "\" tests=\"" << tests << "\" failures=\"" << gate.failures.size() << "\">\n"
      << "    <properties>\n"
      << "      <property name=\"base\" value=\"" << EscapeHtml(comparison.base_run) << "\"/>\n"
      << "      <property name=\"candidate\" value=\"" << EscapeHtml(comparison.candidate_run) << "\"/>\n";
  for (const auto& rule : gate.rules) {
    out << "      <property name=\"rule\" value=\"" << EscapeHtml(rule.text) << "\"/>\n";
  }
  out << "    </properties>\n";
  for (const auto& task : comparison.tasks) {
    for (const auto& row : task.metrics) {
      out << "    <testcase classname=\"svit-eval." << EscapeHtml(row.task) << "\" name=\""
          << EscapeHtml(row.metric) << "\">\n";
      for (const auto& f : gate.failures) {
        if (f.task != row.task || f.metric != row.metric) continue;
        out << "      <failure type=\"regression\" message=\"" << EscapeHtml(f.rule + ": " + f.message)
            << "\">" << EscapeHtml(row.task + "/" + row.metric + ": base " + FormatNumber(row.base) +
                                   ", candidate " + FormatNumber(row.candidate))
            << "</failure>\n";
      }
      out << "      <system-out>" << EscapeHtml("delta " + FormatSigned(row.delta) +
                                                  Interval(row.delta_ci) + ", p " + RowPValue(row) +
                                                  ", " + VerdictName(row.verdict))
          << "</system-out>\n"
          << "    </testcase>\n";
    }
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

std::string ComparisonMarkdown(const Comparison& c, const GateOutcome* gate) {
  std::ostringstream out;
  out << "## svit-eval: " << EscapeMarkdownCell(c.candidate_model) << " vs "
      << EscapeMarkdownCell(c.base_model) << "\n\n"
      << "Base run `" << EscapeMarkdownCell(c.base_run) << "`, candidate run `"
      << EscapeMarkdownCell(c.candidate_run) << "`.\n\n";
  if (gate) {
    if (gate->passed()) {
      out << "**Gate: passed** (";
    } else {
      out << "**Gate: FAILED** (";
    }
    for (size_t i = 0; i < gate->rules.size(); ++i) {
      out << (i ? ", " : "") << "`" << EscapeMarkdownCell(gate->rules[i].text) << "`";
    }
    out << ")\n\n";
    for (const auto& f : gate->failures) {
      out << "- " << EscapeMarkdownCell(f.task + "/" + f.metric) << ": "
          << EscapeMarkdownCell(f.message) << " (`" << EscapeMarkdownCell(f.rule) << "`)\n";
    }
    if (!gate->failures.empty()) out << "\n";
  }
  for (const auto& d : c.protocol_differences) {
    out << "> Protocol difference (allowed): " << EscapeMarkdownCell(d) << "\n";
  }
  if (!c.protocol_differences.empty()) out << "\n";
  std::vector<MetricRow> rows;
  for (const auto& t : c.tasks) rows.insert(rows.end(), t.metrics.begin(), t.metrics.end());
  MarkdownRows(rows, out);
  out << "\n" << Settings(c) << "\n";
  for (const auto& t : c.tasks) {
    if (!t.breakdowns.empty()) {
      out << "\n<details><summary>" << EscapeHtml(t.task) << ": breakdown by category</summary>\n\n";
      MarkdownRows(t.breakdowns, out);
      out << "\n</details>\n";
    }
    if (t.changed_total > 0) {
      out << "\n<details><summary>" << EscapeHtml(t.task) << ": " << t.changed_total
          << " changed samples (" << t.improved << " improved, " << t.regressed
          << " regressed)</summary>\n\n| id | category | base | candidate | base answer | candidate answer |\n"
          << "|---|---|---:|---:|---|---|\n";
      size_t shown = 0;
      for (const auto& s : t.changed) {
        if (++shown > 20) break;
        out << "| " << EscapeMarkdownCell(s.id) << " | " << EscapeMarkdownCell(s.category) << " | "
            << FormatNumber(s.base_score) << " | " << FormatNumber(s.candidate_score) << " | "
            << EscapeMarkdownCell(Truncate(s.base_prediction, 60)) << " | "
            << EscapeMarkdownCell(Truncate(s.candidate_prediction, 60)) << " |\n";
      }
      out << "\n</details>\n";
    }
  }
  if (!c.only_in_base.empty() || !c.only_in_candidate.empty()) {
    out << "\nNot compared:";
    for (const auto& t : c.only_in_base) out << " " << EscapeMarkdownCell(t) << " (base only)";
    for (const auto& t : c.only_in_candidate) out << " " << EscapeMarkdownCell(t) << " (candidate only)";
    out << "\n";
  }
  return out.str();
}

std::string ComparisonText(const Comparison& c, const GateOutcome* gate) {
  std::ostringstream out;
  out << "candidate " << c.candidate_model << " (" << c.candidate_run << ") vs base " << c.base_model
      << " (" << c.base_run << ")\n";
  for (const auto& d : c.protocol_differences) out << "warning: protocol difference allowed: " << d << "\n";
  char line[512];
  auto rows = [&](const std::vector<MetricRow>& list) {
    for (const auto& row : list) {
      std::snprintf(line, sizeof line, "  %-10s %-28s %10s %10s %10s%-24s %-18s %s\n",
                    row.task.c_str(), Truncate(row.metric, 28).c_str(), FormatNumber(row.base).c_str(),
                    FormatNumber(row.candidate).c_str(), FormatSigned(row.delta).c_str(),
                    Interval(row.delta_ci).c_str(), RowPValue(row).c_str(), VerdictName(row.verdict));
      out << line;
    }
  };
  std::snprintf(line, sizeof line, "  %-10s %-28s %10s %10s %10s%-24s %-18s %s\n", "task", "metric",
                "base", "candidate", "delta", " [CI]", "p (Holm)", "verdict");
  out << line;
  for (const auto& t : c.tasks) rows(t.metrics);
  for (const auto& t : c.tasks) {
    if (!t.breakdowns.empty()) {
      out << "\n" << t.task << " by category:\n";
      rows(t.breakdowns);
    }
    if (t.changed_total) {
      out << t.task << ": " << t.changed_total << " samples changed (" << t.improved << " improved, "
          << t.regressed << " regressed)\n";
    }
    for (const auto& note : t.notes) out << t.task << ": note: " << note << "\n";
  }
  for (const auto& t : c.only_in_base) out << "not compared: " << t << " (only in base)\n";
  for (const auto& t : c.only_in_candidate) out << "not compared: " << t << " (only in candidate)\n";
  out << Settings(c) << "\n";
  if (gate) {
    out << "gate: " << (gate->passed() ? "passed" : "FAILED") << "\n";
    for (const auto& f : gate->failures) {
      out << "  " << f.task << "/" << f.metric << ": " << f.message << " [" << f.rule << "]\n";
    }
  }
  return out.str();
}

}  // namespace svit

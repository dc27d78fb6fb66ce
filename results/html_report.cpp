#include "results/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "results/comparison.h"
#include "results/leaderboard.h"
#include "results/recompute.h"
#include "results/text_format.h"

namespace svit {
namespace {

namespace fs = std::filesystem;

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
const char* Color(size_t i) { return kColors[i % (sizeof kColors / sizeof kColors[0])]; }

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string DetailString(const nlohmann::json& detail, std::initializer_list<const char*> keys) {
  if (!detail.is_object()) return {};
  for (const char* key : keys) {
    auto it = detail.find(key);
    if (it != detail.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The MIME type of an image the report may embed; "" for anything else
// (notably SVG, which could carry script).
std::string ImageMime(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  if (ext == ".gif") return "image/gif";
  if (ext == ".webp") return "image/webp";
  return {};
}

// Embeds images found under `dir` (paths may not leave it), within budgets.
class ImageEmbedder {
 public:
  ImageEmbedder(const ReportOptions& options) : options_(options) {}
  // Returns the key to use in the sample record, or "" when not embedded.
  std::string Add(const std::string& name) {
    if (options_.images_dir.empty() || name.empty()) return {};
    if (images_.count(name)) return name;
    if (rejected_.count(name)) return {};
    std::string data = Load(name);
    if (data.empty()) {
      rejected_.insert(name);
      return {};
    }
    images_[name] = std::move(data);
    return name;
  }
  const std::map<std::string, std::string>& images() const { return images_; }
  size_t skipped() const { return rejected_.size(); }

 private:
  std::string Load(const std::string& name) {
    const std::string mime = ImageMime(name);
    if (mime.empty()) return {};
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(options_.images_dir, ec);
    const fs::path file = fs::weakly_canonical(root / name, ec);
    const auto relative = file.lexically_relative(root).string();
    if (ec || relative.empty() || relative.rfind("..", 0) == 0) return {};
    const auto size = fs::file_size(file, ec);
    if (ec || size > options_.max_single_image_bytes || used_ + size > options_.max_image_bytes) return {};
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != size) return {};
    used_ += size;
    return "data:" + mime + ";base64," + Base64(bytes);
  }

  const ReportOptions& options_;
  std::map<std::string, std::string> images_;
  std::set<std::string> rejected_;
  size_t used_ = 0;
};

// One SVG panel per leaderboard column: a bar per model with its interval.
std::string BarCharts(const Leaderboard& board) {
  std::ostringstream out;
  const double width = 240, height = 180, left = 44, bottom = 24, top = 22;
  for (size_t c = 0; c < board.columns.size(); ++c) {
    double max = 0.0;
    for (const auto& row : board.cells) {
      if (!row[c].present) continue;
      max = std::max(max, row[c].ci ? std::max(row[c].value, row[c].ci->high) : row[c].value);
    }
    if (board.columns[c].percent && max <= 100.0) max = 100.0;
    if (max <= 0.0) max = 1.0;
    const double plot_h = height - top - bottom;
    const double slot = (width - left - 8) / static_cast<double>(std::max<size_t>(1, board.models.size()));
    out << "<svg class=\"bars\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
        << width << " " << height << "\" role=\"img\" aria-label=\"" << EscapeHtml(board.columns[c].label)
        << "\"><text x=\"" << width / 2 << "\" y=\"15\" text-anchor=\"middle\" class=\"title\">"
        << EscapeHtml(board.columns[c].label) << "</text>";
    for (int tick = 0; tick <= 4; ++tick) {
      const double v = max * tick / 4.0, y = top + plot_h * (1 - tick / 4.0);
      out << "<line x1=\"" << left << "\" x2=\"" << width - 8 << "\" y1=\"" << y << "\" y2=\"" << y
          << "\" class=\"grid\"/><text x=\"" << left - 4 << "\" y=\"" << y + 4
          << "\" text-anchor=\"end\" class=\"tick\">" << Fixed(v, max >= 100 ? 0 : 1) << "</text>";
    }
    for (size_t r = 0; r < board.models.size(); ++r) {
      const auto& cell = board.cells[r][c];
      if (!cell.present) continue;
      const double x = left + slot * r + slot * 0.15, w = slot * 0.7;
      const double y = top + plot_h * (1 - std::clamp(cell.value / max, 0.0, 1.0));
      out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\""
          << top + plot_h - y << "\" fill=\"" << Color(r) << "\"><title>"
          << EscapeHtml(board.models[r] + ": " + Fixed(cell.value, 1)) << "</title></rect>";
      if (cell.ci) {
        const double y_low = top + plot_h * (1 - std::clamp(cell.ci->low / max, 0.0, 1.0));
        const double y_high = top + plot_h * (1 - std::clamp(cell.ci->high / max, 0.0, 1.0));
        const double mid = x + w / 2;
        out << "<path class=\"whisker\" d=\"M" << mid << " " << y_low << "V" << y_high << "M" << mid - 5
            << " " << y_low << "h10M" << mid - 5 << " " << y_high << "h10\"/>";
      }
      out << "<text x=\"" << x + w / 2 << "\" y=\"" << height - 8
          << "\" text-anchor=\"middle\" class=\"tick\">" << Fixed(cell.value, 1) << "</text>";
    }
    out << "</svg>\n";
  }
  return out.str();
}

// Axis maximum of the radar: the benchmark's own full scale where it has one.
double RadarMax(const Leaderboard& board, size_t c) {
  const std::string& label = board.columns[c].label;
  if (label == "MME-P") return 2000.0;
  if (label == "MME-C") return 800.0;
  double max = 0.0;
  for (const auto& row : board.cells) {
    if (row[c].present) max = std::max(max, row[c].value);
  }
  return max <= 100.0 ? 100.0 : max;
}

std::string Radar(const Leaderboard& board) {
  const size_t n = board.columns.size();
  if (n < 3) return "<p class=\"note\">The capability radar needs at least three benchmarks.</p>";
  const double size = 420, cx = size / 2, cy = size / 2 + 10, radius = 150;
  auto point = [&](size_t axis, double fraction) {
    const double angle = -M_PI / 2 + 2 * M_PI * static_cast<double>(axis) / static_cast<double>(n);
    return std::make_pair(cx + radius * fraction * std::cos(angle), cy + radius * fraction * std::sin(angle));
  };
  std::ostringstream out;
  out << "<svg class=\"radar\" width=\"" << size << "\" height=\"" << size + 20 << "\" viewBox=\"0 0 " << size
      << " " << size + 20 << "\" role=\"img\" aria-label=\"capability radar\">";
  for (double ring : {0.25, 0.5, 0.75, 1.0}) {
    out << "<polygon class=\"grid\" points=\"";
    for (size_t a = 0; a < n; ++a) {
      auto [x, y] = point(a, ring);
      out << Fixed(x, 1) << "," << Fixed(y, 1) << " ";
    }
    out << "\"/>";
  }
  for (size_t a = 0; a < n; ++a) {
    auto [x, y] = point(a, 1.0);
    auto [lx, ly] = point(a, 1.13);
    out << "<line class=\"grid\" x1=\"" << cx << "\" y1=\"" << cy << "\" x2=\"" << Fixed(x, 1) << "\" y2=\""
        << Fixed(y, 1) << "\"/><text class=\"tick\" text-anchor=\"middle\" x=\"" << Fixed(lx, 1) << "\" y=\""
        << Fixed(ly + 4, 1) << "\">" << EscapeHtml(board.columns[a].label) << "</text>";
  }
  for (size_t r = 0; r < board.models.size(); ++r) {
    out << "<polygon class=\"model\" fill=\"" << Color(r) << "\" stroke=\"" << Color(r) << "\" points=\"";
    for (size_t a = 0; a < n; ++a) {
      const auto& cell = board.cells[r][a];
      const double fraction = cell.present ? std::clamp(cell.value / RadarMax(board, a), 0.0, 1.0) : 0.0;
      auto [x, y] = point(a, fraction);
      out << Fixed(x, 1) << "," << Fixed(y, 1) << " ";
    }
    out << "\"><title>" << EscapeHtml(board.models[r]) << "</title></polygon>";
  }
  out << "</svg>";
  return out.str();
}

std::string Legend(const std::vector<std::string>& models) {
  std::ostringstream out;
  out << "<p class=\"legend\">";
  for (size_t r = 0; r < models.size(); ++r) {
    out << "<span><i style=\"background:" << Color(r) << "\"></i>" << EscapeHtml(models[r]) << "</span>";
  }
  out << "</p>";
  return out.str();
}

std::string LeaderboardTable(const Leaderboard& board) {
  std::ostringstream out;
  out << "<table><thead><tr><th>Model</th>";
  for (const auto& c : board.columns) out << "<th>" << EscapeHtml(c.label) << "</th>";
  out << "</tr></thead><tbody>";
  std::vector<double> best(board.columns.size(), -INFINITY);
  for (const auto& row : board.cells) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (row[c].present) best[c] = std::max(best[c], std::round(row[c].value * 10) / 10);
    }
  }
  for (size_t r = 0; r < board.models.size(); ++r) {
    out << "<tr><th>" << EscapeHtml(board.models[r]) << "</th>";
    for (size_t c = 0; c < board.columns.size(); ++c) {
      const auto& cell = board.cells[r][c];
      if (!cell.present) {
        out << "<td>-</td>";
        continue;
      }
      const bool is_best = board.models.size() > 1 && std::round(cell.value * 10) / 10 == best[c];
      out << "<td" << (is_best ? " class=\"best\"" : "") << ">" << Fixed(cell.value, 1);
      if (cell.ci) out << "<small> [" << Fixed(cell.ci->low, 1) << ", " << Fixed(cell.ci->high, 1) << "]</small>";
      out << "</td>";
    }
    out << "</tr>";
  }
  out << "<tr class=\"protocol\"><th>protocol</th>";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    std::string text;
    for (const auto& p : board.column_protocols[c]) text += (text.empty() ? "" : " | ") + p;
    out << "<td>" << (board.column_protocols[c].size() > 1 ? "MIXED: " : "") << EscapeHtml(text) << "</td>";
  }
  out << "</tr></tbody></table>";
  return out.str();
}

std::string Interval(const std::optional<stats::Interval>& ci) {
  return ci ? " [" + FormatSigned(ci->low) + ", " + FormatSigned(ci->high) + "]" : "";
}

std::string RowsTable(const std::vector<MetricRow>& rows) {
  std::ostringstream out;
  out << "<table><thead><tr><th>task</th><th>metric</th><th>base</th><th>candidate</th><th>delta [CI]</th>"
         "<th>p</th><th>p (Holm)</th><th>verdict</th><th>method</th></tr></thead><tbody>";
  for (const auto& row : rows) {
    const std::string verdict = VerdictName(row.verdict);
    out << "<tr><td>" << EscapeHtml(row.task) << "</td><td>" << EscapeHtml(row.metric) << "</td><td>"
        << FormatNumber(row.base) << "</td><td>" << FormatNumber(row.candidate) << "</td><td>"
        << FormatSigned(row.delta) << Interval(row.delta_ci) << "</td><td>"
        << (row.p_value ? FormatPValue(*row.p_value) : "n/a") << "</td><td>"
        << (row.p_adjusted ? FormatPValue(*row.p_adjusted) : "n/a") << "</td><td class=\"verdict "
        << (row.verdict == Verdict::kBetter ? "better" : row.verdict == Verdict::kWorse ? "worse" : "")
        << "\">" << EscapeHtml(verdict) << "</td><td title=\"" << EscapeHtml(row.recipe) << "\">"
        << EscapeHtml(row.method.empty() ? "-" : row.method) << "</td></tr>";
  }
  out << "</tbody></table>";
  return out.str();
}

std::string ComparisonSection(const std::vector<RunSet>& runs, const ReportOptions& options) {
  std::ostringstream out;
  for (size_t i = 1; i < runs.size(); ++i) {
    CompareOptions compare;
    compare.resample = options.resample;
    compare.allow_protocol_mismatch = options.allow_protocol_mismatch;
    Comparison comparison;
    Status status = CompareRuns(runs[0], runs[i], compare, &comparison);
    out << "<h3>" << EscapeHtml(runs[i].model_name) << " vs " << EscapeHtml(runs[0].model_name) << "</h3>";
    if (!status.ok()) {
      out << "<pre class=\"warn\">" << EscapeHtml(status.message()) << "</pre>";
      continue;
    }
    for (const auto& d : comparison.protocol_differences) {
      out << "<p class=\"warn\">Protocol difference (allowed): " << EscapeHtml(d) << "</p>";
    }
    std::vector<MetricRow> rows;
    for (const auto& t : comparison.tasks) rows.insert(rows.end(), t.metrics.begin(), t.metrics.end());
    out << RowsTable(rows);
    for (const auto& t : comparison.tasks) {
      if (!t.breakdowns.empty()) {
        out << "<details><summary>" << EscapeHtml(t.task) << ": by category</summary>" << RowsTable(t.breakdowns)
            << "</details>";
      }
      out << "<p class=\"note\">" << EscapeHtml(t.task) << ": " << t.changed_total << " samples changed ("
          << t.improved << " improved, " << t.regressed << " regressed)"
          << (t.cluster_field.empty() ? "" : "; resampled by " + EscapeHtml(t.cluster_field)) << ".</p>";
    }
  }
  return out.str();
}

// The per-sample data: for each task, samples joined by id over the runs.
nlohmann::json SampleData(const std::vector<RunSet>& runs, ImageEmbedder* images) {
  std::set<std::string> task_names;
  for (const auto& run : runs) {
    for (const auto& [name, task] : run.tasks) task_names.insert(name);
  }
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& name : task_names) {
    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<const SampleScore*>> by_id;
    for (size_t r = 0; r < runs.size(); ++r) {
      auto it = runs[r].tasks.find(name);
      if (it == runs[r].tasks.end()) continue;
      for (const auto& s : it->second.score.per_sample) {
        auto [entry, added] = by_id.try_emplace(s.id, runs.size(), nullptr);
        if (added) order.push_back(s.id);
        entry->second[r] = &s;
      }
    }
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& id : order) {
      const auto& per_run = by_id[id];
      const SampleScore* first = nullptr;
      for (const SampleScore* s : per_run) {
        if (s && !first) first = s;
      }
      std::string category;
      for (const auto& field : CategoryFields()) {
        category = DetailString(first->detail, {field.c_str()});
        if (!category.empty()) break;
      }
      nlohmann::json models = nlohmann::json::array();
      bool failed = false, changed = false;
      const SampleScore* reference = nullptr;
      for (const SampleScore* s : per_run) {
        if (!s) {
          models.push_back(nullptr);
          continue;
        }
        failed = failed || s->status != SampleStatus::kAnswered;
        if (reference && (reference->status != s->status ||
                          !(reference->score == s->score ||
                            (std::isnan(reference->score) && std::isnan(s->score))))) {
          changed = true;
        }
        if (!reference) reference = s;
        models.push_back({s->prediction, std::isfinite(s->score) ? nlohmann::json(s->score) : nlohmann::json(nullptr),
                          SampleStatusName(s->status), s->extracted,
                          DetailString(s->detail, {"rationale", "judge_rationale", "review", "explanation", "content"})});
      }
      samples.push_back({{"id", id},
                         {"c", category},
                         {"q", DetailString(first->detail, {"question", "prompt", "text"})},
                         {"i", images->Add(DetailString(first->detail, {"image", "image_path", "image_file"}))},
                         {"m", std::move(models)},
                         {"f", changed},
                         {"x", failed}});
    }
    tasks.push_back({{"name", name}, {"samples", std::move(samples)}});
  }
  return tasks;
}

constexpr char kStyle[] = R"CSS(
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}td.best{font-weight:bold}
tr.protocol td{font-size:11px;color:#666}small{color:#666}
.verdict.better{color:#1a7f37;font-weight:bold}.verdict.worse{color:#cf222e;font-weight:bold}
.warn{color:#9a6700;background:#fff8c5;padding:6px}.note{color:#555}
svg .grid{stroke:#ddd;fill:none}svg .tick{font-size:10px;fill:#555}svg .title{font-size:12px;font-weight:bold}
svg .whisker{stroke:#222;stroke-width:1.5;fill:none}svg .model{fill-opacity:.15;stroke-width:2}
.legend span{margin-right:16px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
#browser .controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:8px 0}
#samples td{text-align:left;white-space:pre-wrap;word-break:break-word;max-width:360px}
#samples td.score{white-space:nowrap}#samples img{max-width:160px;max-height:160px;display:block}
#samples tr.changed{background:#fffbe6}#samples .status{color:#cf222e}
)CSS";

constexpr char kScript[] = R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('svit-data').textContent);
  var PAGE = 50;
  var state = { task: data.tasks.length ? data.tasks[0].name : '', filter: 'all', q: '', page: 0 };
  (location.hash || '').replace(/^#/, '').split('&').forEach(function (part) {
    var kv = part.split('=');
    if (kv.length !== 2) return;
    var key = decodeURIComponent(kv[0]), value = decodeURIComponent(kv[1]);
    if (key === 'task' || key === 'filter' || key === 'q') state[key] = value;
    if (key === 'page') state.page = Math.max(0, (parseInt(value, 10) || 1) - 1);
  });
  var SAFE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+\/=]+$/;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  var taskSelect = document.getElementById('task'), filterSelect = document.getElementById('filter');
  var search = document.getElementById('search'), info = document.getElementById('info');
  var head = document.querySelector('#samples thead'), body = document.querySelector('#samples tbody');
  data.tasks.forEach(function (t) {
    var o = el('option', t.name + ' (' + t.samples.length + ')');
    o.value = t.name;
    taskSelect.appendChild(o);
  });
  taskSelect.value = state.task;
  filterSelect.value = state.filter;
  search.value = state.q;
  function currentTask() {
    for (var i = 0; i < data.tasks.length; i++) if (data.tasks[i].name === state.task) return data.tasks[i];
    return data.tasks[0];
  }
  function matches(s) {
    if (state.filter === 'changed' && !s.f) return false;
    if (state.filter === 'failed' && !s.x) return false;
    if (!state.q) return true;
    var q = state.q.toLowerCase();
    if (String(s.id).toLowerCase().indexOf(q) >= 0 || String(s.q).toLowerCase().indexOf(q) >= 0) return true;
    return s.m.some(function (m) { return m && String(m[0]).toLowerCase().indexOf(q) >= 0; });
  }
  function render() {
    var task = currentTask();
    if (!task) { info.textContent = 'no samples'; return; }
    var rows = task.samples.filter(matches);
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    info.textContent = rows.length + ' of ' + task.samples.length + ' samples, page ' + (state.page + 1) + ' of ' + pages;
    head.replaceChildren();
    var hr = el('tr');
    ['id', 'category', 'question'].concat(data.models).forEach(function (h) { hr.appendChild(el('th', h)); });
    head.appendChild(hr);
    body.replaceChildren();
    rows.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (s) {
      var tr = el('tr', undefined, s.f ? 'changed' : '');
      tr.setAttribute('data-sample-id', String(s.id));
      tr.appendChild(el('td', s.id));
      tr.appendChild(el('td', s.c));
      var q = el('td', s.q);
      var src = s.i ? data.images[s.i] : '';
      if (src && SAFE_IMAGE.test(src)) {
        var img = document.createElement('img');
        img.src = src;
        img.alt = s.i;
        q.insertBefore(img, q.firstChild);
      }
      tr.appendChild(q);
      s.m.forEach(function (m) {
        var td = el('td');
        if (!m) { td.textContent = '(not in this run)'; tr.appendChild(td); return; }
        td.appendChild(el('div', m[0], 'answer'));
        var meta = 'score ' + (m[1] === null ? 'n/a' : m[1]) + (m[3] ? ' | extracted: ' + m[3] : '');
        td.appendChild(el('div', meta, 'score'));
        if (m[2] !== 'answered') td.appendChild(el('div', m[2], 'status'));
        if (m[4]) {
          var d = el('details');
          d.appendChild(el('summary', 'judge rationale'));
          d.appendChild(el('div', m[4]));
          td.appendChild(d);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function update() { state.page = 0; state.task = taskSelect.value; state.filter = filterSelect.value; state.q = search.value; render(); }
  taskSelect.addEventListener('change', update);
  filterSelect.addEventListener('change', update);
  search.addEventListener('input', update);
  document.getElementById('prev').addEventListener('click', function () { state.page = Math.max(0, state.page - 1); render(); });
  document.getElementById('next').addEventListener('click', function () { state.page += 1; render(); });
  render();
  document.body.setAttribute('data-rendered', 'yes');
})();
)JS";

}  // namespace

Status BuildHtmlReport(const std::vector<RunSet>& runs, const ReportOptions& options, std::string* html) {
  if (runs.empty()) return Status::InvalidInput("a report needs at least one run");
  Leaderboard board;
  BuildLeaderboard(runs, DefaultColumns(), true, options.resample, &board);
  ImageEmbedder images(options);
  nlohmann::json data;
  data["models"] = nlohmann::json::array();
  for (const auto& run : runs) data["models"].push_back(run.model_name);
  data["tasks"] = SampleData(runs, &images);
  data["images"] = images.images();

  std::random_device device;
  char nonce[33];
  std::snprintf(nonce, sizeof nonce, "%08x%08x%08x%08x", device(), device(), device(), device());

  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
         "style-src 'unsafe-inline'; script-src 'nonce-" << nonce << "'\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << EscapeHtml(options.title) << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n"
      << "<h1>" << EscapeHtml(options.title) << "</h1>\n<p>Runs:";
  for (const auto& run : runs) {
    out << " <b>" << EscapeHtml(run.model_name) << "</b> (" << EscapeHtml(run.run_id)
        << (run.created_at.empty() ? "" : ", " + EscapeHtml(run.created_at)) << ")";
  }
  out << ".</p>\n<h2>Leaderboard</h2>\n";
  if (board.columns.empty()) {
    out << "<p class=\"note\">No run has a task of the paper columns (docs/reports.md).</p>\n";
  } else {
    out << LeaderboardTable(board) << "\n<p class=\"note\">Brackets: "
        << static_cast<int>(std::lround(options.resample.confidence * 100)) << "% bootstrap percentile intervals, "
        << options.resample.resamples << " resamples, seed " << options.resample.seed
        << ". Protocol: d = dataset hash, p = prompt template hash.</p>\n<h2>Benchmarks</h2>\n"
        << Legend(board.models) << "<div>" << BarCharts(board) << "</div>\n<h2>Capability radar</h2>\n"
        << Legend(board.models) << Radar(board) << "\n";
  }
  if (runs.size() > 1) {
    out << "<h2>Comparisons (each run against " << EscapeHtml(runs[0].model_name) << ")</h2>\n"
        << ComparisonSection(runs, options) << "\n";
  }
  out << "<h2>Samples</h2>\n<div id=\"browser\"><div class=\"controls\">"
      << "<label>task <select id=\"task\"></select></label>"
      << "<label>show <select id=\"filter\"><option value=\"all\">all</option>"
         "<option value=\"changed\">changed between runs</option><option value=\"failed\">failed or "
         "unparsed</option></select></label>"
      << "<label>search <input id=\"search\" type=\"search\"></label>"
      << "<button id=\"prev\" type=\"button\">previous</button><button id=\"next\" type=\"button\">next</button>"
      << "<span id=\"info\"></span></div>\n<table id=\"samples\"><thead></thead><tbody></tbody></table></div>\n";
  if (images.skipped()) {
    out << "<p class=\"note\">" << images.skipped()
        << " images were not embedded (not found, not jpeg/png/gif/webp, outside the folder, or over the size "
           "budget).</p>\n";
  }
  out << "<script type=\"application/json\" id=\"svit-data\">"
      << EscapeJsonForScript(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      << "</script>\n<script nonce=\"" << nonce << "\">" << kScript << "</script>\n</body></html>\n";
  *html = out.str();
  return Status::OK();
}

}  // namespace svit

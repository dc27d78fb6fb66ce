#include "results/store.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "results/recompute.h"

namespace svit {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, model_name TEXT, model_id TEXT, created_at TEXT, source TEXT,
  stored_at TEXT);
CREATE TABLE IF NOT EXISTS tasks (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, task TEXT NOT NULL,
  prompt_template_sha256 TEXT, dataset_sha256 TEXT,
  total INTEGER, answered INTEGER, missing INTEGER, failed INTEGER, unparseable INTEGER,
  inputs_json TEXT, metrics_json TEXT, metrics_unrounded_json TEXT, notes_json TEXT,
  official_output TEXT, judge_json TEXT, PRIMARY KEY (run_id, task));
CREATE TABLE IF NOT EXISTS metrics (
  run_id TEXT NOT NULL, task TEXT NOT NULL, path TEXT NOT NULL, value REAL, rounded REAL,
  PRIMARY KEY (run_id, task, path),
  FOREIGN KEY (run_id, task) REFERENCES tasks(run_id, task) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL, task TEXT NOT NULL, position INTEGER NOT NULL, sample_id TEXT NOT NULL,
  prediction TEXT, extracted TEXT, score REAL, status TEXT, detail_json TEXT,
  PRIMARY KEY (run_id, task, sample_id),
  FOREIGN KEY (run_id, task) REFERENCES tasks(run_id, task) ON DELETE CASCADE);
)sql";

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, double value) {
    if (std::isfinite(value)) {
      sqlite3_bind_double(stmt_, i, value);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }
  void Bind(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  double Double(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL ? std::nan("")
                                                             : sqlite3_column_double(stmt_, column);
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

std::string NowUtc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json ParseOr(const std::string& text, nlohmann::json fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

}  // namespace

std::string DefaultStorePath() {
  const char* env = std::getenv("SVIT_RESULTS_DB");
  return env && *env ? env : "runs/results.sqlite";
}

Status ResultsStore::Open(const std::string& path, std::unique_ptr<ResultsStore>* out) {
  std::error_code ec;
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::InvalidInput(path + ": cannot open results store: " + message);
  }
  out->reset(new ResultsStore(db, path));
  sqlite3_busy_timeout(db, 10000);
  SVIT_RETURN_IF_ERROR((*out)->Exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"));
  SVIT_RETURN_IF_ERROR((*out)->Exec(kSchema));
  // Stores written before judges were recorded lack the column.
  if (!(*out)->TasksHaveJudgeColumn()) return (*out)->Exec("ALTER TABLE tasks ADD COLUMN judge_json TEXT");
  return Status::OK();
}

bool ResultsStore::TasksHaveJudgeColumn() const {
  Statement columns(db_, "SELECT 1 FROM pragma_table_info('tasks') WHERE name = 'judge_json'");
  return columns.ok() && columns.Step() == SQLITE_ROW;
}

Status ResultsStore::OpenExisting(const std::string& path, std::unique_ptr<ResultsStore>* out,
                                  bool* found) {
  std::error_code ec;
  *found = std::filesystem::is_regular_file(path, ec);
  if (!*found) return Status::OK();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::InvalidInput(path + ": cannot open results store: " + message);
  }
  out->reset(new ResultsStore(db, path));
  sqlite3_busy_timeout(db, 10000);
  Statement check(db, "SELECT 1 FROM runs LIMIT 1");
  if (!check.ok()) return Status::InvalidInput(path + ": not a svit-eval results store");
  return Status::OK();
}

ResultsStore::~ResultsStore() { sqlite3_close(db_); }

Status ResultsStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return Status::RunFailed(path_ + ": " + text);
  }
  return Status::OK();
}

Status ResultsStore::Error(const std::string& what) const {
  return Status::RunFailed(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status ResultsStore::Put(const RunSet& run) {
  SVIT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](const std::string& what) {
    Status status = Error(what);
    Exec("ROLLBACK");
    return status;
  };
  {
    Statement remove(db_, "DELETE FROM runs WHERE run_id = ?");
    remove.Bind(1, run.run_id);
    if (!remove.ok() || remove.Step() != SQLITE_DONE) return fail("cannot replace run");
    Statement insert(db_, "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)");
    insert.Bind(1, run.run_id);
    insert.Bind(2, run.model_name);
    insert.Bind(3, run.model_id);
    insert.Bind(4, run.created_at);
    insert.Bind(5, run.source);
    insert.Bind(6, NowUtc());
    if (insert.Step() != SQLITE_DONE) return fail("cannot insert run");

    Statement task_row(db_, "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Statement metric_row(db_, "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)");
    Statement sample_row(db_, "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!task_row.ok() || !metric_row.ok() || !sample_row.ok()) return fail("cannot prepare");
    for (const auto& [name, task] : run.tasks) {
      const ScoreResult& s = task.score;
      task_row.Reset();
      task_row.Bind(1, run.run_id);
      task_row.Bind(2, name);
      task_row.Bind(3, task.protocol.prompt_template_sha256);
      task_row.Bind(4, task.protocol.dataset_sha256);
      task_row.Bind(5, static_cast<int64_t>(s.counts.total));
      task_row.Bind(6, static_cast<int64_t>(s.counts.answered));
      task_row.Bind(7, static_cast<int64_t>(s.counts.missing));
      task_row.Bind(8, static_cast<int64_t>(s.counts.failed));
      task_row.Bind(9, static_cast<int64_t>(s.counts.unparseable));
      task_row.Bind(10, Dump(nlohmann::json(task.inputs)));
      task_row.Bind(11, Dump(s.metrics));
      task_row.Bind(12, Dump(s.metrics_unrounded));
      task_row.Bind(13, Dump(nlohmann::json(s.notes)));
      task_row.Bind(14, s.official_output);
      task_row.Bind(15, s.judge.is_null() ? std::string() : Dump(s.judge));
      if (task_row.Step() != SQLITE_DONE) return fail("cannot insert task " + name);
      for (const auto& [path, value] : NumericLeaves(s.metrics_unrounded)) {
        metric_row.Reset();
        metric_row.Bind(1, run.run_id);
        metric_row.Bind(2, name);
        metric_row.Bind(3, JoinPath(path));
        metric_row.Bind(4, value);
        metric_row.Bind(5, MetricAt(s.metrics, path).value_or(std::nan("")));
        if (metric_row.Step() != SQLITE_DONE) return fail("cannot insert metric " + JoinPath(path));
      }
      int64_t position = 0;
      for (const auto& sample : s.per_sample) {
        sample_row.Reset();
        sample_row.Bind(1, run.run_id);
        sample_row.Bind(2, name);
        sample_row.Bind(3, position++);
        sample_row.Bind(4, sample.id);
        sample_row.Bind(5, sample.prediction);
        sample_row.Bind(6, sample.extracted);
        sample_row.Bind(7, sample.score);
        sample_row.Bind(8, std::string(SampleStatusName(sample.status)));
        sample_row.Bind(9, sample.detail.is_null() ? std::string() : Dump(sample.detail));
        if (sample_row.Step() != SQLITE_DONE) return fail("cannot insert sample " + sample.id);
      }
    }
  }
  return Exec("COMMIT");
}

Status ResultsStore::List(std::vector<StoredRunSummary>* out) {
  out->clear();
  Statement runs(db_,
                 "SELECT run_id, model_name, model_id, created_at, source, stored_at FROM runs "
                 "ORDER BY stored_at, run_id");
  Statement tasks(db_, "SELECT task, total FROM tasks WHERE run_id = ? ORDER BY task");
  if (!runs.ok() || !tasks.ok()) return Error("cannot list runs");
  int rc;
  while ((rc = runs.Step()) == SQLITE_ROW) {
    StoredRunSummary summary{runs.Text(0), runs.Text(1), runs.Text(2), runs.Text(3), runs.Text(4),
                             runs.Text(5), {}, 0};
    tasks.Reset();
    tasks.Bind(1, summary.run_id);
    while (tasks.Step() == SQLITE_ROW) {
      summary.tasks.push_back(tasks.Text(0));
      summary.samples += static_cast<size_t>(tasks.Int(1));
    }
    out->push_back(std::move(summary));
  }
  if (rc != SQLITE_DONE) return Error("cannot list runs");
  return Status::OK();
}

Status ResultsStore::Get(const std::string& run_id, RunSet* out, bool* found) {
  *out = RunSet();
  Statement run(db_, "SELECT model_name, model_id, created_at, source FROM runs WHERE run_id = ?");
  if (!run.ok()) return Error("cannot read run");
  run.Bind(1, run_id);
  *found = run.Step() == SQLITE_ROW;
  if (!*found) return Status::OK();
  out->run_id = run_id;
  out->model_name = run.Text(0);
  out->model_id = run.Text(1);
  out->created_at = run.Text(2);
  out->source = path_ + "#" + run_id;

  const std::string tasks_sql =
      std::string("SELECT task, prompt_template_sha256, dataset_sha256, total, answered, missing, failed, "
                  "unparseable, inputs_json, metrics_json, metrics_unrounded_json, notes_json, official_output, ") +
      (TasksHaveJudgeColumn() ? "judge_json" : "NULL") + " FROM tasks WHERE run_id = ? ORDER BY task";
  Statement tasks(db_, tasks_sql.c_str());
  Statement samples(db_,
                    "SELECT sample_id, prediction, extracted, score, status, detail_json FROM samples "
                    "WHERE run_id = ? AND task = ? ORDER BY position");
  if (!tasks.ok() || !samples.ok()) return Error("cannot read tasks");
  tasks.Bind(1, run_id);
  while (tasks.Step() == SQLITE_ROW) {
    TaskResult task;
    ScoreResult& s = task.score;
    s.task = tasks.Text(0);
    task.protocol = {tasks.Text(1), tasks.Text(2)};
    s.counts = {static_cast<size_t>(tasks.Int(3)), static_cast<size_t>(tasks.Int(4)),
                static_cast<size_t>(tasks.Int(5)), static_cast<size_t>(tasks.Int(6)),
                static_cast<size_t>(tasks.Int(7))};
    task.inputs = ParseOr(tasks.Text(8), nlohmann::json::object()).get<std::map<std::string, std::string>>();
    s.metrics = ParseOr(tasks.Text(9), nlohmann::json::object());
    s.metrics_unrounded = ParseOr(tasks.Text(10), nlohmann::json::object());
    s.notes = ParseOr(tasks.Text(11), nlohmann::json::array()).get<std::vector<std::string>>();
    s.official_output = tasks.Text(12);
    const std::string judge = tasks.Text(13);
    if (!judge.empty()) s.judge = ParseOr(judge, nullptr);
    task.protocol.judge = JudgeIdentity(s.judge);
    samples.Reset();
    samples.Bind(1, run_id);
    samples.Bind(2, s.task);
    while (samples.Step() == SQLITE_ROW) {
      SampleScore sample;
      sample.id = samples.Text(0);
      sample.prediction = samples.Text(1);
      sample.extracted = samples.Text(2);
      sample.score = samples.Double(3);
      const std::string status = samples.Text(4);
      for (SampleStatus st : {SampleStatus::kAnswered, SampleStatus::kMissing, SampleStatus::kFailed,
                              SampleStatus::kUnparseable}) {
        if (status == SampleStatusName(st)) sample.status = st;
      }
      const std::string detail = samples.Text(5);
      if (!detail.empty()) sample.detail = ParseOr(detail, nullptr);
      s.per_sample.push_back(std::move(sample));
    }
    std::string name = s.task;
    out->tasks.emplace(name, std::move(task));
  }
  return Status::OK();
}

}  // namespace svit

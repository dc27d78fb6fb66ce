#include "harness/response_cache.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "core/sha256.h"

namespace svit {

std::string CacheKey(const std::string& identity_text, const Request& request) {
  Sha256 hash;
  hash.UpdateField("svit-cache-v1");
  hash.UpdateField(identity_text);
  hash.UpdateField(request.ContentHash());
  return hash.HexDigest();
}

std::string SerializeResponse(const Response& response) {
  nlohmann::json j = {{"text", response.text},
                      {"finish_reason", response.finish_reason},
                      {"usage",
                       {{"prompt_tokens", response.usage.prompt_tokens},
                        {"completion_tokens", response.usage.completion_tokens},
                        {"reasoning_tokens", response.usage.reasoning_tokens}}}};
  if (!response.option_logprobs.empty()) j["option_logprobs"] = response.option_logprobs;
  if (!response.model.empty()) j["model"] = response.model;
  if (!response.system_fingerprint.empty()) j["system_fingerprint"] = response.system_fingerprint;
  if (!response.refusal.empty()) j["refusal"] = response.refusal;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool DeserializeResponse(std::string_view text, Response* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    *out = Response();
    out->text = j.at("text").get<std::string>();
    out->finish_reason = j.value("finish_reason", "");
    const auto& usage = j.at("usage");
    out->usage.prompt_tokens = usage.value("prompt_tokens", int64_t{0});
    out->usage.completion_tokens = usage.value("completion_tokens", int64_t{0});
    out->usage.reasoning_tokens = usage.value("reasoning_tokens", int64_t{0});
    if (j.contains("option_logprobs")) out->option_logprobs = j["option_logprobs"].get<std::vector<double>>();
    out->model = j.value("model", "");
    out->system_fingerprint = j.value("system_fingerprint", "");
    out->refusal = j.value("refusal", "");
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

Status ResponseCache::Open(const std::string& path, std::unique_ptr<ResponseCache>* out) {
  std::unique_ptr<ResponseCache> cache(new ResponseCache());
  cache->path_ = path;
  auto fail = [&](const std::string& what) {
    std::string message = path + ": cannot open the response cache (" + what + ": " +
                          (cache->db_ ? sqlite3_errmsg(cache->db_) : "out of memory") + ")";
    return Status::InvalidInput(message);
  };
  if (sqlite3_open_v2(path.c_str(), &cache->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return fail("open");
  }
  sqlite3_busy_timeout(cache->db_, 10'000);
  // NORMAL: a commit survives the process being killed; only a power loss
  // may take back the last transactions.
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "PRAGMA cache_size=-65536;"  // 64 MB of pages: lookups of a big cache stay in memory
      "CREATE TABLE IF NOT EXISTS responses ("
      "  key TEXT PRIMARY KEY, model TEXT NOT NULL, prompt TEXT NOT NULL,"
      "  response TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;";
  if (sqlite3_exec(cache->db_, setup, nullptr, nullptr, nullptr) != SQLITE_OK) return fail("setup");
  if (sqlite3_prepare_v2(cache->db_, "SELECT response FROM responses WHERE key = ?1", -1, &cache->get_,
                         nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(cache->db_,
                         "INSERT OR REPLACE INTO responses (key, model, prompt, response, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
                         -1, &cache->put_, nullptr) != SQLITE_OK) {
    return fail("prepare");
  }
  *out = std::move(cache);
  return Status::OK();
}

ResponseCache::~ResponseCache() {
  sqlite3_finalize(get_);
  sqlite3_finalize(put_);
  sqlite3_close(db_);
}

bool ResponseCache::Get(const std::string& key, Response* out) {
  sqlite3_reset(get_);
  sqlite3_bind_text(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  bool found = false;
  if (sqlite3_step(get_) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(get_, 0));
    int size = sqlite3_column_bytes(get_, 0);
    found = text && DeserializeResponse(std::string_view(text, static_cast<size_t>(size)), out);
  }
  sqlite3_reset(get_);
  return found;
}

Status ResponseCache::Put(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::OK();
  auto failed = [&] {
    std::string message = path_ + ": cannot write to the response cache: " + sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Status::RunFailed(message);
  };
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return failed();
  std::string stored;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const Entry& e : entries) {
    stored = SerializeResponse(*e.response);
    sqlite3_reset(put_);
    sqlite3_bind_text(put_, 1, e.key.data(), static_cast<int>(e.key.size()), SQLITE_STATIC);
    sqlite3_bind_text(put_, 2, e.model.data(), static_cast<int>(e.model.size()), SQLITE_STATIC);
    sqlite3_bind_text(put_, 3, e.prompt.data(), static_cast<int>(e.prompt.size()), SQLITE_STATIC);
    sqlite3_bind_text(put_, 4, stored.data(), static_cast<int>(stored.size()), SQLITE_STATIC);
    sqlite3_bind_int64(put_, 5, now);
    int rc = sqlite3_step(put_);
    sqlite3_reset(put_);
    if (rc != SQLITE_DONE) return failed();
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return failed();
  return Status::OK();
}

size_t ResponseCache::Count() {
  sqlite3_stmt* statement = nullptr;
  size_t count = 0;
  if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM responses", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    count = static_cast<size_t>(sqlite3_column_int64(statement, 0));
  }
  sqlite3_finalize(statement);
  return count;
}

}  // namespace svit

// ResponseCache: every answered request, keyed by the SHA-256 of the model's
// identity and the request's content (image bytes included), in a SQLite
// file (WAL mode). Responses are committed as they arrive (the runner's
// CacheWriter puts those arriving while it writes into one transaction), so
// a crash, Ctrl-C or kill -9 loses at most the responses in flight or not
// yet reported done; re-running the same command sends only what is missing.
// Only successful responses are stored: failures are retried by the next run. Several processes may share
// one file (SQLite locking; writers wait up to 10 s).
//
// Rows also keep the model label and the prompt text, to make the file
// inspectable with the sqlite3 shell; neither is part of the key.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "core/request.h"
#include "core/status.h"

namespace svit {

// The cache key of `request` sent to the model whose identity's canonical
// text (ModelIdentity::CanonicalText) is `identity_text`: 64 hex chars.
std::string CacheKey(const std::string& identity_text, const Request& request);

class ResponseCache {
 public:
  // Opens (creating if needed) the cache at `path`; its folder must exist.
  static Status Open(const std::string& path, std::unique_ptr<ResponseCache>* out);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // True and fills `out` when `key` is cached.
  bool Get(const std::string& key, Response* out);
  struct Entry {
    std::string key;
    std::string model;
    std::string prompt;
    const Response* response;  // a successful one
  };
  // Stores (or replaces) the entries in one transaction and commits it.
  Status Put(const std::vector<Entry>& entries);
  size_t Count();
  const std::string& path() const { return path_; }

 private:
  ResponseCache() = default;

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
};

// The stored form of a Response (text, finish reason, usage, option
// log-likelihoods, reported model, system fingerprint, refusal) and back.
std::string SerializeResponse(const Response& response);
bool DeserializeResponse(std::string_view text, Response* out);

}  // namespace svit

// CacheWriter: commits answers to a response cache on a thread of its own,
// so the runner's thread goes on sending and receiving while SQLite writes.
// Add queues entries; the thread commits everything queued since its last
// commit in one transaction (group commit: the faster answers arrive, the
// bigger the transactions, never a timer). committed() says how many queued
// entries are durable (survive a kill -9), so callers report an answer as
// done only once it is. The writer has its own SQLite connection to the
// cache file (WAL: the runner's lookups on the other connection go on
// meanwhile).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/response_cache.h"

namespace svit {

class CacheWriter {
 public:
  // Opens a second connection to the cache at `path` and starts the thread.
  static Status Open(const std::string& path, std::unique_ptr<CacheWriter>* out);
  ~CacheWriter();  // commits what is queued, then stops
  CacheWriter(const CacheWriter&) = delete;
  CacheWriter& operator=(const CacheWriter&) = delete;

  // Queues entries; their responses must stay alive and unchanged until
  // Finish returns (or the writer is destroyed).
  void Add(const std::vector<ResponseCache::Entry>& entries);

  // Entries committed so far (those queued first are committed first).
  size_t committed() const { return committed_.load(std::memory_order_acquire); }
  size_t queued() const { return queued_; }

  // Not OK once a commit failed (nothing queued after it is committed).
  Status status();

  // Waits until everything queued is committed (or a commit failed).
  Status Finish();

 private:
  CacheWriter() = default;
  void Work();

  std::unique_ptr<ResponseCache> cache_;
  std::thread thread_;
  std::mutex mutex_;  // guards the fields below
  std::condition_variable changed_;
  std::vector<ResponseCache::Entry> pending_;
  bool stop_ = false;
  bool busy_ = false;  // a transaction is being written
  Status status_;
  size_t queued_ = 0;  // the caller's thread only
  std::atomic<size_t> committed_{0};
};

}  // namespace svit

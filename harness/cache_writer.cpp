#include "harness/cache_writer.h"

namespace svit {

Status CacheWriter::Open(const std::string& path, std::unique_ptr<CacheWriter>* out) {
  std::unique_ptr<CacheWriter> writer(new CacheWriter());
  SVIT_RETURN_IF_ERROR(ResponseCache::Open(path, &writer->cache_));
  CacheWriter* self = writer.get();
  writer->thread_ = std::thread([self] { self->Work(); });
  *out = std::move(writer);
  return Status::OK();
}

CacheWriter::~CacheWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CacheWriter::Add(const std::vector<ResponseCache::Entry>& entries) {
  if (entries.empty()) return;
  queued_ += entries.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.insert(pending_.end(), entries.begin(), entries.end());
  }
  changed_.notify_all();
}

Status CacheWriter::status() {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

Status CacheWriter::Finish() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return (pending_.empty() && !busy_) || !status_.ok(); });
  return status_;
}

void CacheWriter::Work() {
  std::vector<ResponseCache::Entry> batch;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return !pending_.empty() || stop_; });
    if (pending_.empty()) return;  // stopping with nothing left
    if (!status_.ok()) {           // after a failed commit nothing more is written
      pending_.clear();
      changed_.notify_all();
      continue;
    }
    batch.swap(pending_);
    busy_ = true;
    lock.unlock();
    Status status = cache_->Put(batch);
    size_t count = batch.size();
    batch.clear();
    lock.lock();
    busy_ = false;
    if (status.ok()) {
      committed_.fetch_add(count, std::memory_order_release);
    } else {
      status_ = status;
    }
    changed_.notify_all();
  }
}

}  // namespace svit

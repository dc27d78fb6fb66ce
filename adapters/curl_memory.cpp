#include "adapters/curl_memory.h"

#include <curl/curl.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace svit {
namespace {

// Blocks carry a 16-byte header (keeps malloc's alignment) holding their
// size class; class c holds up to 2^(c + kMinShift) bytes of payload.
constexpr size_t kHeader = 16;
constexpr int kMinShift = 5;                        // 32 bytes
constexpr int kClasses = 16;                        // ... up to 1 MiB
constexpr uint32_t kUncached = 0xFFFFFFFF;          // bigger: straight to malloc
constexpr size_t kCacheBytesPerClass = 1u << 21;    // per thread: <= 2 MiB idle per class
constexpr size_t kMaxBlocksPerClass = 64;

size_t ClassBytes(int size_class) { return size_t{1} << (size_class + kMinShift); }

int ClassOf(size_t size) {
  if (size > ClassBytes(kClasses - 1)) return -1;
  int size_class = 0;
  while (ClassBytes(size_class) < size) ++size_class;
  return size_class;
}

uint32_t& ClassField(void* block) { return *static_cast<uint32_t*>(block); }

// Freed blocks of this thread, by size class: reused by the next allocation
// of the class on this thread. A thread may free blocks another allocated
// (they are plain malloc blocks either way).
class ThreadCache {
 public:
  ~ThreadCache() {
    for (auto& list : free_) {
      for (size_t i = 0; i < list.count; ++i) std::free(list.blocks[i]);
    }
  }

  void* Take(int size_class) {
    List& list = free_[size_class];
    return list.count ? list.blocks[--list.count] : nullptr;
  }

  bool Keep(int size_class, void* block) {
    List& list = free_[size_class];
    if (list.count == kMaxBlocksPerClass || (list.count + 1) * ClassBytes(size_class) > kCacheBytesPerClass) {
      return false;
    }
    list.blocks[list.count++] = block;
    return true;
  }

 private:
  struct List {
    void* blocks[kMaxBlocksPerClass];
    size_t count = 0;
  };
  List free_[kClasses];
};

// The cache lives from the thread's first libcurl allocation to its exit;
// libcurl memory freed later in the thread's exit (by other thread_local or
// atexit destructors) goes straight to free(). The pointer and the flag are
// trivially destructible, so reading them is safe at any point of an exit.
thread_local ThreadCache* t_cache = nullptr;
thread_local bool t_cache_gone = false;
struct CacheOwner {
  ~CacheOwner() {
    delete t_cache;
    t_cache = nullptr;
    t_cache_gone = true;
  }
};
thread_local CacheOwner t_cache_owner;

ThreadCache* Cache() {
  if (t_cache || t_cache_gone) return t_cache;
  (void)&t_cache_owner;  // the first use registers its destructor
  t_cache = new ThreadCache;
  return t_cache;
}

void* Allocate(size_t size) {
  int size_class = ClassOf(size);
  void* block = nullptr;
  if (size_class >= 0) {
    if (ThreadCache* cache = Cache()) block = cache->Take(size_class);
    if (!block) block = std::malloc(kHeader + ClassBytes(size_class));
  } else {
    block = std::malloc(kHeader + size);
  }
  if (!block) return nullptr;
  ClassField(block) = size_class >= 0 ? static_cast<uint32_t>(size_class) : kUncached;
  return static_cast<char*>(block) + kHeader;
}

void Release(void* pointer) {
  if (!pointer) return;
  void* block = static_cast<char*>(pointer) - kHeader;
  uint32_t size_class = ClassField(block);
  if (size_class != kUncached) {
    ThreadCache* cache = Cache();
    if (cache && cache->Keep(static_cast<int>(size_class), block)) return;
  }
  std::free(block);
}

void* CurlMalloc(size_t size) { return Allocate(size); }

void CurlFree(void* pointer) { Release(pointer); }

void* CurlRealloc(void* pointer, size_t size) {
  if (!pointer) return Allocate(size);
  void* block = static_cast<char*>(pointer) - kHeader;
  uint32_t size_class = ClassField(block);
  if (size_class == kUncached) {
    void* grown = std::realloc(block, kHeader + size);  // the header moves with it
    return grown ? static_cast<char*>(grown) + kHeader : nullptr;
  }
  size_t capacity = ClassBytes(static_cast<int>(size_class));
  if (size <= capacity) return pointer;
  void* moved = Allocate(size);
  if (!moved) return nullptr;
  std::memcpy(moved, pointer, capacity);
  Release(pointer);
  return moved;
}

char* CurlStrdup(const char* text) {
  size_t size = std::strlen(text) + 1;
  void* copy = Allocate(size);
  if (copy) std::memcpy(copy, text, size);
  return static_cast<char*>(copy);
}

void* CurlCalloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return nullptr;
  void* zeroed = Allocate(count * size);
  if (zeroed) std::memset(zeroed, 0, count * size);
  return zeroed;
}

}  // namespace

bool InitCurlWithThreadCaches() {
  return curl_global_init_mem(CURL_GLOBAL_DEFAULT, &CurlMalloc, &CurlFree, &CurlRealloc, &CurlStrdup,
                              &CurlCalloc) == CURLE_OK;
}

}  // namespace svit

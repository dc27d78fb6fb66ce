// libcurl's memory, served from per-thread caches.
//
// libcurl 7.88 makes about 40 short-lived allocations per transfer (URL
// parts, the connection it builds and then drops for a reused one, header
// lines, a 16 KB receive buffer, a 512 KB upload buffer for big bodies).
// In a worker thread glibc serves each from a locked per-thread arena, and
// every free of the 16 KB buffer next to the heap top consolidates the fast
// bins: together more CPU than libcurl's own code. Here each thread keeps the
// blocks libcurl frees, by power-of-two size class (bounded per class), and
// hands them back on the next allocation of that class.
#pragma once

namespace svit {

// curl_global_init(CURL_GLOBAL_DEFAULT) with the cached allocator. Call once,
// before any other libcurl function; false if libcurl refused.
bool InitCurlWithThreadCaches();

}  // namespace svit

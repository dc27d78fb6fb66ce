// HttpClient: many concurrent HTTP POSTs to one URL over libcurl's
// multi-socket interface and epoll, driven entirely by one thread (Post
// starts a transfer, Poll moves bytes and returns finished ones). No thread
// of its own, no locks: the cost per request is libcurl's plus one
// epoll_wait per batch of ready sockets.
//
// Connections are kept alive and reused (the pool lives in the multi handle;
// idle connections up to `max_idle_connections` stay open). The caller bounds
// concurrency; libcurl's per-host queue is not used, so a request's timeout
// starts when it is really sent. Bodies of any size go out without an
// `Expect: 100-continue` round trip. Proxies follow libcurl's environment
// variables (https_proxy, no_proxy, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/openai_protocol.h"
#include "core/request.h"
#include "core/status.h"

namespace svit {

struct HttpClientOptions {
  long connect_timeout_ms = 10'000;
  long timeout_ms = 600'000;  // generation can take minutes
  size_t max_idle_connections = 64;
};

struct HttpResult {
  uint64_t tag = 0;
  HttpReply reply;          // status 0 when no complete reply arrived
  int curl_code = 0;        // CURLE_OK when the exchange completed
  std::string curl_error;   // libcurl's explanation when curl_code != 0
  double seconds = 0;       // from Post to completion
};

// "libcurl/7.88.1 OpenSSL/3.0.19 ..." for run records.
std::string LibcurlVersion();

// The typed error for a transfer that failed below HTTP (connect, reset,
// truncated body, timeout, TLS).
ResponseError TransportError(const HttpResult& result);

class HttpClient {
 public:
  // `headers` are complete header lines ("Name: value"); they are sent with
  // every request and never logged.
  static Status Create(const std::string& url, const std::vector<std::string>& headers,
                       const HttpClientOptions& options, std::unique_ptr<HttpClient>* out);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts POSTing `*body`. The client takes the bytes by swapping `*body`
  // with a spare buffer, so the caller's string keeps a reusable capacity.
  void Post(uint64_t tag, std::string* body);

  // Waits up to `timeout_ms` for at least one transfer to finish (or for
  // Wake); appends all finished ones to `out`.
  void Poll(int timeout_ms, std::vector<HttpResult>* out);

  // Ends the current or next Poll early. The only member that may be called
  // from another thread.
  void Wake();

  // Aborts every active transfer (their results are dropped).
  void CancelAll();

  size_t active() const;

 private:
  struct State;
  explicit HttpClient(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace svit

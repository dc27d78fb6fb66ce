#include "adapters/http_client.h"

#include "adapters/curl_memory.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <malloc.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_set>

namespace svit {
namespace {

using Clock = std::chrono::steady_clock;

bool HeaderIs(const char* line, size_t size, const char* name, size_t name_size) {
  return size > name_size && line[name_size] == ':' && strncasecmp(line, name, name_size) == 0;
}

std::string HeaderValue(const char* line, size_t size, size_t name_size) {
  std::string value(line + name_size + 1, size - name_size - 1);
  size_t begin = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
}

}  // namespace

struct Transfer {
  CURL* easy = nullptr;
  uint64_t tag = 0;
  std::string request_body;
  HttpReply reply;
  char error[CURL_ERROR_SIZE];
  Clock::time_point started;
};

struct HttpClient::State {
  std::string url;
  // The URL parsed once: given as CURLOPT_CURLU, libcurl copies the parts
  // for each transfer instead of parsing and printing the URL again.
  CURLU* parsed_url = nullptr;
  curl_slist* headers = nullptr;
  HttpClientOptions options;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  int wake_fd = -1;  // eventfd: Wake() from another thread ends a Poll
  // Per socket: the epoll events registered (0 = not registered) and whether
  // libcurl still watches it. A socket libcurl stops watching (an idle
  // keep-alive connection) stays registered ("parked"), which saves the
  // DEL + ADD pair every request would otherwise cost; libcurl closes
  // sockets through OnClose, so a closed one is never mistaken for parked.
  std::vector<uint32_t> registered;
  std::vector<bool> watched;
  bool timer_armed = false;
  Clock::time_point timer_deadline;
  std::vector<std::unique_ptr<Transfer>> all;  // owns every Transfer (and its handle)
  std::vector<Transfer*> idle;                 // ready for the next Post
  std::unordered_set<Transfer*> active;

  ~State() {
    for (Transfer* t : active) curl_multi_remove_handle(multi, t->easy);
    for (auto& t : all) curl_easy_cleanup(t->easy);
    if (multi) curl_multi_cleanup(multi);
    if (epoll_fd >= 0) close(epoll_fd);
    if (wake_fd >= 0) close(wake_fd);
    curl_slist_free_all(headers);
    curl_url_cleanup(parsed_url);
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->reply.body.append(data, size * count);
    return size * count;
  }

  // Keeps only the headers the protocol reads; a new status line (after
  // `100 Continue`) starts over.
  static size_t OnHeader(char* line, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (n == 0) return n;
    char first = static_cast<char>(line[0] | 0x20);
    if (first == 'h' && n > 5 && strncmp(line, "HTTP/", 5) == 0) {
      t->reply.retry_after.clear();
      t->reply.retry_after_ms.clear();
      t->reply.should_retry.clear();
      t->reply.ratelimit_reset_requests.clear();
      t->reply.ratelimit_reset_tokens.clear();
    } else if (first == 'r') {
      if (HeaderIs(line, n, "retry-after", 11)) t->reply.retry_after = HeaderValue(line, n, 11);
      if (HeaderIs(line, n, "retry-after-ms", 14)) t->reply.retry_after_ms = HeaderValue(line, n, 14);
    } else if (first == 'x') {
      if (HeaderIs(line, n, "x-should-retry", 14)) t->reply.should_retry = HeaderValue(line, n, 14);
      if (HeaderIs(line, n, "x-ratelimit-reset-requests", 26)) {
        t->reply.ratelimit_reset_requests = HeaderValue(line, n, 26);
      }
      if (HeaderIs(line, n, "x-ratelimit-reset-tokens", 24)) {
        t->reply.ratelimit_reset_tokens = HeaderValue(line, n, 24);
      }
    }
    return n;
  }

  void Grow(curl_socket_t socket) {
    if (static_cast<size_t>(socket) >= registered.size()) {
      registered.resize(static_cast<size_t>(socket) + 1, 0);
      watched.resize(static_cast<size_t>(socket) + 1, false);
    }
  }

  static int OnSocket(CURL*, curl_socket_t socket, int what, void* user, void*) {
    auto* state = static_cast<State*>(user);
    state->Grow(socket);
    size_t i = static_cast<size_t>(socket);
    if (what == CURL_POLL_REMOVE) {
      state->watched[i] = false;  // parked: stays registered
      return 0;
    }
    uint32_t events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    state->watched[i] = true;
    if (state->registered[i] == events) return 0;
    epoll_event event{};
    event.events = events;
    event.data.fd = socket;
    int op = state->registered[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(state->epoll_fd, op, socket, &event) != 0) {
      epoll_ctl(state->epoll_fd, op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, socket, &event);
    }
    state->registered[i] = events;
    return 0;
  }

  static int OnClose(void* user, curl_socket_t socket) {
    auto* state = static_cast<State*>(user);
    state->Grow(socket);
    if (state->registered[static_cast<size_t>(socket)]) {
      epoll_ctl(state->epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    }
    state->registered[static_cast<size_t>(socket)] = 0;
    state->watched[static_cast<size_t>(socket)] = false;
    return close(socket);
  }

  // An event on a parked socket: the server closed an idle connection (or
  // sent something unasked). Stop listening; libcurl checks a connection
  // before it reuses it.
  void Unpark(int socket) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    registered[static_cast<size_t>(socket)] = 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* user) {
    auto* state = static_cast<State*>(user);
    state->timer_armed = timeout_ms >= 0;
    if (state->timer_armed) state->timer_deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  Transfer* NewTransfer() {
    all.push_back(std::make_unique<Transfer>());
    Transfer* t = all.back().get();
    t->easy = curl_easy_init();
    CURL* e = t->easy;
    if (parsed_url) {
      curl_easy_setopt(e, CURLOPT_CURLU, parsed_url);
    } else {
      curl_easy_setopt(e, CURLOPT_URL, url.c_str());  // libcurl reports what is wrong with it
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    // Bodies up to this size leave in one send() instead of 64 KB pieces
    // (each piece wakes the server once more). Only the bytes a body really
    // uses are touched.
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &State::OnBody);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &State::OnHeader);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &State::OnClose);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    return t;
  }

  void Finish(Transfer* t, CURLcode code, std::vector<HttpResult>* out) {
    HttpResult result;
    result.tag = t->tag;
    result.curl_code = code;
    result.seconds = std::chrono::duration<double>(Clock::now() - t->started).count();
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) {
      result.curl_error = t->error[0] ? t->error : curl_easy_strerror(code);
      status = 0;  // a partial reply is not a reply
    }
    t->reply.status = status;
    result.reply = std::move(t->reply);
    t->reply = HttpReply();
    out->push_back(std::move(result));
  }

  void Release(Transfer* t) {
    curl_multi_remove_handle(multi, t->easy);
    active.erase(t);
    idle.push_back(t);
  }

  void DrainMessages(std::vector<HttpResult>* out) {
    int remaining = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &remaining)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
      CURLcode code = message->data.result;
      Finish(t, code, out);
      Release(t);
    }
  }
};

std::string LibcurlVersion() { return curl_version(); }

ResponseError TransportError(const HttpResult& result) {
  ResponseError error;
  error.message = result.curl_error;
  switch (static_cast<CURLcode>(result.curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      error.kind = ResponseError::Kind::kConnect;
      error.retryable = true;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      error.kind = ResponseError::Kind::kTimeout;
      error.retryable = true;
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_AGAIN:
      error.kind = ResponseError::Kind::kTransport;
      error.retryable = true;
      break;
    default:  // bad URL, certificate rejected, ...: sending again cannot help
      error.kind = ResponseError::Kind::kTransport;
      error.retryable = false;
  }
  return error;
}

HttpClient::HttpClient(std::unique_ptr<State> state) : state_(std::move(state)) {}
HttpClient::~HttpClient() = default;

Status HttpClient::Create(const std::string& url, const std::vector<std::string>& headers,
                          const HttpClientOptions& options, std::unique_ptr<HttpClient>* out) {
  static std::once_flag global_init;
  std::call_once(global_init, [] {
    InitCurlWithThreadCaches();
    // Request bodies and libcurl's upload buffers are hundreds of KB; by
    // default glibc maps and unmaps blocks that large on every request (or
    // trims the heap under them), and the page faults cost more than the
    // transfer itself. Serve them from the heap and keep freed memory.
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
  });
  auto state = std::make_unique<State>();
  state->url = url;
  state->parsed_url = curl_url();
  if (state->parsed_url && curl_url_set(state->parsed_url, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    curl_url_cleanup(state->parsed_url);
    state->parsed_url = nullptr;
  }
  state->options = options;
  for (const auto& header : headers) state->headers = curl_slist_append(state->headers, header.c_str());
  state->headers = curl_slist_append(state->headers, "Content-Type: application/json");
  state->headers = curl_slist_append(state->headers, "Expect:");
  state->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  state->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (state->epoll_fd < 0 || state->wake_fd < 0) {
    return Status::RunFailed(std::string("epoll/eventfd: ") + std::strerror(errno));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = state->wake_fd;
  epoll_ctl(state->epoll_fd, EPOLL_CTL_ADD, state->wake_fd, &wake);
  state->multi = curl_multi_init();
  if (!state->multi) return Status::RunFailed("curl_multi_init failed");
  curl_multi_setopt(state->multi, CURLMOPT_SOCKETFUNCTION, &State::OnSocket);
  curl_multi_setopt(state->multi, CURLMOPT_SOCKETDATA, state.get());
  curl_multi_setopt(state->multi, CURLMOPT_TIMERFUNCTION, &State::OnTimer);
  curl_multi_setopt(state->multi, CURLMOPT_TIMERDATA, state.get());
  curl_multi_setopt(state->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_idle_connections));
  out->reset(new HttpClient(std::move(state)));
  return Status::OK();
}

void HttpClient::Post(uint64_t tag, std::string* body) {
  State& s = *state_;
  Transfer* t;
  if (!s.idle.empty()) {
    t = s.idle.back();
    s.idle.pop_back();
  } else {
    t = s.NewTransfer();
  }
  t->tag = tag;
  t->error[0] = '\0';
  t->request_body.swap(*body);
  body->clear();
  t->started = Clock::now();
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->request_body.data());
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request_body.size()));
  s.active.insert(t);
  curl_multi_add_handle(s.multi, t->easy);
}

void HttpClient::Poll(int timeout_ms, std::vector<HttpResult>* out) {
  State& s = *state_;
  size_t before = out->size();
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
  epoll_event events[64];
  while (true) {
    Clock::time_point now = Clock::now();
    Clock::time_point wake = deadline;
    if (s.timer_armed) wake = std::min(wake, s.timer_deadline);
    int wait_ms = static_cast<int>(
        std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(wake - now).count()));
    int n = epoll_wait(s.epoll_fd, events, 64, wait_ms);
    int running = 0;
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == s.wake_fd) {
        uint64_t count;
        woken = read(s.wake_fd, &count, sizeof count) > 0 || woken;
        continue;
      }
      if (!s.watched[static_cast<size_t>(fd)]) {
        s.Unpark(fd);
        continue;
      }
      int flags = 0;
      if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(s.multi, fd, flags, &running);
    }
    if (s.timer_armed && Clock::now() >= s.timer_deadline) {
      s.timer_armed = false;
      curl_multi_socket_action(s.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    s.DrainMessages(out);
    if (woken || out->size() > before || Clock::now() >= deadline) return;
  }
}

void HttpClient::CancelAll() {
  State& s = *state_;
  std::vector<Transfer*> all(s.active.begin(), s.active.end());
  for (Transfer* t : all) {
    t->reply = HttpReply();
    s.Release(t);
  }
}

size_t HttpClient::active() const { return state_->active.size(); }

void HttpClient::Wake() {
  uint64_t one = 1;
  ssize_t written = write(state_->wake_fd, &one, sizeof one);
  (void)written;  // a full counter already means "woken"
}

}  // namespace svit

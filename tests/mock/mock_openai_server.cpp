// mock_openai_server: a deterministic OpenAI-compatible chat server for the
// tests (Boost.Beast, one thread, 127.0.0.1, port chosen by the kernel and
// written to --port-file). It answers
//   POST /v1/chat/completions                               (OpenAI style)
//   POST /openai/deployments/<d>/chat/completions?api-version=V  (Azure)
//   POST /api/chat                                          (Ollama native)
//   GET  /stats    {"total", "by_text": {text: count}, "last": {path,
//                  target, headers, body, images: [{mime, width, height}]},
//                  "peak_in_progress": most requests read and not yet
//                  answered at one time}
// The answer to a request is config.answers[text] (text = the user
// message's text), else config.default_answer. Faults are injected by rule:
// the first `times` requests whose text contains `match` get `kind`:
//   429 (with retry_after / retry_after_ms headers), quota (429
//   insufficient_quota), 500, 503, reset (connection reset, no reply), slow
//   (delay_ms, then the answer), malformed (invalid JSON with status 200),
//   truncated (Content-Length larger than the body, then close),
//   context_length (dialect openai | vllm | llamacpp | tgi), unauthorized.
// Answer rules (a judge with deterministic verdicts): the first rule whose
// `match` the text contains answers instead, with {"answer" (string or null),
// "finish_reason" (default "stop"), "refusal"}. Replies report the model as
// config.reported_model (default: the requested one) and carry
// config.system_fingerprint when set.
// Config: {"answers", "default_answer", "rules", "reported_model",
// "system_fingerprint", "delay_ms", "api_key", "faults": [...]}.
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "core/base64.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

struct Fault {
  std::string match;
  std::string kind;
  int times = 1;  // < 0: always
  int used = 0;
  std::string retry_after;
  std::string retry_after_ms;
  int delay_ms = 0;
  std::string dialect = "openai";
};

struct Rule {
  std::string match;
  json answer;  // string or null
  std::string finish_reason = "stop";
  std::string refusal;
};

struct Server {
  json answers = json::object();
  std::vector<Rule> rules;
  std::string reported_model;
  std::string system_fingerprint;
  std::string default_answer = "mock answer";
  int delay_ms = 0;
  std::string api_key;
  std::vector<Fault> faults;
  int total = 0;
  int in_progress = 0;
  int peak_in_progress = 0;
  std::map<std::string, int> by_text;
  json last = json::object();
};

Server g_server;

struct Reply {
  enum class Kind { kHttp, kReset, kRaw };
  Kind kind = Kind::kHttp;
  unsigned status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string raw;
  int delay_ms = 0;
};

json ErrorBody(const std::string& message, const std::string& type, const json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
}

int Words(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  int n = 0;
  while (in >> word) ++n;
  return n;
}

// The text of the last user message and its images.
void ReadMessages(const json& body, bool ollama, std::string* text, json* images, std::string* error) {
  const json* user = nullptr;
  auto messages = body.find("messages");
  if (messages != body.end() && messages->is_array()) {
    for (const auto& m : *messages) {
      if (m.is_object() && m.value("role", "") == "user") user = &m;
    }
  }
  if (!user) {
    *error = "no user message";
    return;
  }
  auto add_image = [&](const std::string& mime, const std::string& b64) {
    std::string bytes;
    if (!svit::DecodeBase64(b64, &bytes)) {
      *error = "invalid base64 image";
      return;
    }
    int w = 0, h = 0, c = 0;
    if (!stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w,
                               &h, &c)) {
      *error = "undecodable image";
      return;
    }
    images->push_back({{"mime", mime}, {"width", w}, {"height", h}, {"bytes", bytes.size()}});
  };
  const json& content = (*user)["content"];
  if (content.is_string()) {
    *text = content.get<std::string>();
  } else if (content.is_array()) {
    for (const auto& part : content) {
      std::string type = part.value("type", "");
      if (type == "text") {
        if (!text->empty()) *text += "\n";
        *text += part.value("text", "");
      } else if (type == "image_url") {
        std::string url = part["image_url"].value("url", "");
        size_t comma = url.find(',');
        if (url.rfind("data:", 0) != 0 || comma == std::string::npos ||
            url.substr(comma - 7, 7) != ";base64") {
          *error = "image_url is not a base64 data URL";
          return;
        }
        add_image(url.substr(5, comma - 12), url.substr(comma + 1));
      }
    }
  }
  if (ollama) {
    for (const auto& b64 : user->value("images", json::array())) add_image("", b64.get<std::string>());
  }
}

Reply Answer(const std::string& text, const json& images, bool ollama, const std::string& requested_model) {
  json answer = g_server.answers.contains(text) ? g_server.answers[text] : json(g_server.default_answer);
  std::string finish_reason = "stop";
  json message_refusal = nullptr;
  for (const Rule& rule : g_server.rules) {
    if (text.find(rule.match) == std::string::npos) continue;
    answer = rule.answer;
    finish_reason = rule.finish_reason;
    if (!rule.refusal.empty()) message_refusal = rule.refusal;
    break;
  }
  std::string model = g_server.reported_model.empty() ? requested_model : g_server.reported_model;
  int prompt_tokens = Words(text) + 10 * static_cast<int>(images.size());
  int completion_tokens = answer.is_string() ? Words(answer.get<std::string>()) : 0;
  Reply r;
  r.delay_ms = g_server.delay_ms;
  if (ollama) {
    r.body = json({{"model", model},
                   {"created_at", "2024-01-01T00:00:00Z"},
                   {"message", {{"role", "assistant"}, {"content", answer}}},
                   {"done", true},
                   {"done_reason", "stop"},
                   {"prompt_eval_count", prompt_tokens},
                   {"eval_count", completion_tokens}})
                 .dump();
  } else {
    json reply = json({{"id", "chatcmpl-mock"},
                   {"object", "chat.completion"},
                   {"created", 1700000000},
                   {"model", model},
                   {"choices",
                    {{{"index", 0},
                      {"message", {{"role", "assistant"}, {"content", answer}, {"refusal", message_refusal}}},
                      {"logprobs", nullptr},
                      {"finish_reason", finish_reason}}}},
                   {"usage",
                    {{"prompt_tokens", prompt_tokens},
                     {"completion_tokens", completion_tokens},
                     {"total_tokens", prompt_tokens + completion_tokens}}}});
    if (!g_server.system_fingerprint.empty()) reply["system_fingerprint"] = g_server.system_fingerprint;
    r.body = reply.dump();
  }
  return r;
}

Reply ApplyFault(Fault& f, const std::string& text, const json& images, bool ollama, const std::string& model) {
  Reply r;
  if (f.kind == "429") {
    r.status = 429;
    r.body = ErrorBody("Rate limit reached", "requests", "rate_limit_exceeded").dump();
    if (!f.retry_after.empty()) r.headers["Retry-After"] = f.retry_after;
    if (!f.retry_after_ms.empty()) r.headers["retry-after-ms"] = f.retry_after_ms;
  } else if (f.kind == "quota") {
    r.status = 429;
    r.body = ErrorBody("You exceeded your current quota", "insufficient_quota", "insufficient_quota").dump();
  } else if (f.kind == "500") {
    r.status = 500;
    r.body = ErrorBody("Internal server error", "server_error", nullptr).dump();
  } else if (f.kind == "503") {
    r.status = 503;
    r.body = json({{"error", {{"code", 503}, {"message", "Loading model"}, {"type", "unavailable_error"}}}}).dump();
  } else if (f.kind == "reset") {
    r.kind = Reply::Kind::kReset;
  } else if (f.kind == "slow") {
    r = Answer(text, images, ollama, model);
    r.delay_ms = f.delay_ms;
  } else if (f.kind == "malformed") {
    r.body = "{\"id\": \"chatcmpl-mock\", \"choices\": [{\"message\": ";
  } else if (f.kind == "truncated") {
    r.kind = Reply::Kind::kRaw;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"chatcmpl-mo";
  } else if (f.kind == "context_length") {
    r.status = 400;
    if (f.dialect == "vllm") {
      r.body = ErrorBody("This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
                         "(4000 in the messages, 1000 in the completion).",
                         "BadRequestError", 400)
                   .dump();
    } else if (f.dialect == "llamacpp") {
      r.body = json({{"error",
                      {{"code", 400},
                       {"message", "the request exceeds the available context size, try increasing it"},
                       {"type", "exceed_context_size_error"},
                       {"n_prompt_tokens", 4476},
                       {"n_ctx", 4096}}}})
                   .dump();
    } else if (f.dialect == "tgi") {
      r.status = 422;
      r.body = json({{"error", "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: "
                               "4000 `inputs` tokens and 1000 `max_new_tokens`"},
                     {"error_type", "validation"}})
                   .dump();
    } else {
      r.body = ErrorBody("This model's maximum context length is 128000 tokens.", "invalid_request_error",
                         "context_length_exceeded")
                   .dump();
    }
  } else if (f.kind == "unauthorized") {
    r.status = 401;
    r.body = ErrorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key").dump();
  } else {
    r.status = 500;
    r.body = ErrorBody("mock: unknown fault kind " + f.kind, "server_error", nullptr).dump();
  }
  return r;
}

Reply Handle(const http::request<http::string_body>& request) {
  std::string target(request.target());
  std::string path = target.substr(0, target.find('?'));
  if (request.method() == http::verb::get && path == "/stats") {
    Reply r;
    r.body = json({{"total", g_server.total},
                   {"by_text", g_server.by_text},
                   {"last", g_server.last},
                   {"peak_in_progress", g_server.peak_in_progress}})
                 .dump();
    return r;
  }
  bool azure = path.rfind("/openai/deployments/", 0) == 0 && path.size() > 17 &&
               path.substr(path.size() - 17) == "/chat/completions";
  bool ollama = path == "/api/chat";
  if (request.method() != http::verb::post || !(path == "/v1/chat/completions" || azure || ollama)) {
    Reply r;
    r.status = 404;
    r.body = ErrorBody("not found: " + path, "invalid_request_error", nullptr).dump();
    return r;
  }
  json headers = json::object();
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[name] = std::string(field.value());
  }
  json body = json::parse(request.body(), nullptr, false);
  g_server.total++;
  g_server.last = {{"path", path}, {"target", target}, {"headers", headers}, {"body", body}};
  if (!g_server.api_key.empty()) {
    std::string given = azure ? headers.value("api-key", "") : headers.value("authorization", "");
    std::string wanted = azure ? g_server.api_key : "Bearer " + g_server.api_key;
    if (given != wanted) {
      Reply r;
      r.status = 401;
      r.body = ErrorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key").dump();
      return r;
    }
  }
  if (azure && target.find("api-version=") == std::string::npos) {
    Reply r;
    r.status = 404;
    r.body = ErrorBody("Resource not found", "invalid_request_error", "404").dump();
    return r;
  }
  if (body.is_discarded() || !body.is_object()) {
    Reply r;
    r.status = 400;
    r.body = ErrorBody("request body is not JSON", "invalid_request_error", nullptr).dump();
    return r;
  }
  std::string text, error;
  json images = json::array();
  ReadMessages(body, ollama, &text, &images, &error);
  g_server.last["images"] = images;
  if (!error.empty()) {
    Reply r;
    r.status = 400;
    r.body = ErrorBody("mock: " + error, "invalid_request_error", nullptr).dump();
    return r;
  }
  g_server.by_text[text]++;
  std::string model = body.value("model", "");
  for (auto& f : g_server.faults) {
    if (text.find(f.match) == std::string::npos) continue;
    if (f.times >= 0 && f.used >= f.times) continue;
    f.used++;
    return ApplyFault(f, text, images, ollama, model);
  }
  return Answer(text, images, ollama, model);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(256 * 1024 * 1024);
    http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->request_ = self->parser_->release();
      self->counted_ = self->request_.target() != "/stats";
      if (self->counted_) {
        g_server.peak_in_progress = std::max(g_server.peak_in_progress, ++g_server.in_progress);
      }
      self->reply_ = Handle(self->request_);
      if (self->reply_.delay_ms > 0) {
        self->timer_.expires_after(std::chrono::milliseconds(self->reply_.delay_ms));
        self->timer_.async_wait([self](beast::error_code) { self->Send(); });
      } else {
        self->Send();
      }
    });
  }

  void Send() {
    if (counted_) {
      --g_server.in_progress;
      counted_ = false;
    }
    if (reply_.kind == Reply::Kind::kReset) {
      beast::error_code ec;
      socket_.set_option(asio::socket_base::linger(true, 0), ec);
      socket_.close(ec);
      return;
    }
    if (reply_.kind == Reply::Kind::kRaw) {
      raw_ = reply_.raw;
      asio::async_write(socket_, asio::buffer(raw_), [self = shared_from_this()](beast::error_code, size_t) {
        self->Close();
      });
      return;
    }
    response_ = {};
    response_.version(11);
    response_.result(reply_.status);
    response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply_.headers) response_.set(name, value);
    response_.keep_alive(request_.keep_alive());
    response_.body() = reply_.body;
    response_.prepare_payload();
    http::async_write(socket_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->response_.keep_alive()) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  Reply reply_;
  std::string raw_;
  bool counted_ = false;  // in g_server.in_progress until Send
};

void Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket))->Start();
    Accept(acceptor);
  });
}

bool LoadConfig(const std::string& path) {
  std::ifstream in(path);
  json config = json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.is_object()) return false;
  g_server.answers = config.value("answers", json::object());
  g_server.default_answer = config.value("default_answer", g_server.default_answer);
  for (const auto& r : config.value("rules", json::array())) {
    Rule rule;
    rule.match = r.value("match", "");
    rule.answer = r.contains("answer") ? r["answer"] : json(nullptr);
    rule.finish_reason = r.value("finish_reason", "stop");
    rule.refusal = r.value("refusal", "");
    g_server.rules.push_back(rule);
  }
  g_server.reported_model = config.value("reported_model", "");
  g_server.system_fingerprint = config.value("system_fingerprint", "");
  g_server.delay_ms = config.value("delay_ms", 0);
  g_server.api_key = config.value("api_key", "");
  for (const auto& f : config.value("faults", json::array())) {
    Fault fault;
    fault.match = f.value("match", "");
    fault.kind = f.value("kind", "");
    fault.times = f.value("times", 1);
    fault.retry_after = f.value("retry_after", "");
    fault.retry_after_ms = f.value("retry_after_ms", "");
    fault.delay_ms = f.value("delay_ms", 0);
    fault.dialect = f.value("dialect", "openai");
    g_server.faults.push_back(fault);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, port_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--config") config_path = argv[i + 1];
    if (flag == "--port-file") port_file = argv[i + 1];
  }
  if (port_file.empty() || (!config_path.empty() && !LoadConfig(config_path))) {
    std::fprintf(stderr, "usage: mock_openai_server --port-file FILE [--config CONFIG.json]\n");
    return 2;
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  {
    std::string temp = port_file + ".tmp";
    std::ofstream(temp) << acceptor.local_endpoint().port() << "\n";
    std::rename(temp.c_str(), port_file.c_str());
  }
  Accept(acceptor);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](beast::error_code, int) { io.stop(); });
  io.run();
  return 0;
}

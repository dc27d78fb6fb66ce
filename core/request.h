// Request and Response: what a model is asked and what it answers, shared by
// the runner (harness/), every adapter (adapters/) and the response cache.
// A Request is either `generate` (chat messages with text and image parts,
// generation parameters) or `rank` (the log-likelihood of each given option
// as the continuation of the messages). ContentHash() is a stable SHA-256
// over everything that can change the answer, image bytes included; the
// cache key combines it with the model's identity. No task or adapter
// knowledge lives here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svit {

// Encoded image bytes (JPEG, PNG, ...) with their MIME type. Shared between
// requests that show the same image; the digest and base64 text are computed
// once, on first use, from any thread.
class ImageData {
 public:
  ImageData(std::string bytes, std::string mime) : bytes_(std::move(bytes)), mime_(std::move(mime)) {}

  const std::string& bytes() const { return bytes_; }
  const std::string& mime() const { return mime_; }
  const std::string& sha256() const;
  const std::string& base64() const;

 private:
  std::string bytes_;
  std::string mime_;
  mutable std::once_flag sha256_once_, base64_once_;
  mutable std::string sha256_, base64_;
};

// The MIME type of encoded image bytes from their magic numbers ("" when the
// format is not one of JPEG, PNG, GIF, WebP, BMP).
std::string SniffImageMime(std::string_view bytes);

struct ContentPart {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;                          // kText
  std::shared_ptr<const ImageData> image;    // kImage
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::vector<ContentPart> parts;
};

// Decoding settings. Unset optionals are left to the server's default.
struct GenerationParams {
  int max_new_tokens = 128;
  double temperature = 0.0;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
};

enum class RequestKind { kGenerate, kRank };

struct Request {
  RequestKind kind = RequestKind::kGenerate;
  std::vector<ChatMessage> messages;
  GenerationParams params;
  std::vector<std::string> options;  // kRank: continuations to score, in order
  // Not sent. Distinguishes otherwise identical requests that must get
  // independent answers (repeated judging, retries of the same judge
  // prompt): each value is a separate cache entry.
  int repeat = 0;

  // SHA-256 (hex) of the kind, messages (image bytes by their digest),
  // parameters and options, each field written as its 8-byte little-endian
  // length and its bytes: "svit-request-v1", kind, #messages, then per
  // message role, #parts and per part "text" + text or "image" + MIME +
  // image SHA-256; then max_new_tokens, temperature (shortest round-trip
  // decimal), top_p or "-", seed or "-", #stop + stops, #options + options;
  // then, only when repeat is not 0, "repeat" + repeat (so requests without
  // repeats keep their hash).
  // Stable across runs, platforms and versions that keep this encoding.
  std::string ContentHash() const;
  // The text of every user message's text parts, joined by newlines: what a
  // run record shows as the sample's prompt.
  std::string UserText() const;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t reasoning_tokens = 0;  // part of completion_tokens, when the server reports it
};

// Why a request got no answer. `retryable` says whether sending the same
// request again may succeed (the runner decides whether it will).
struct ResponseError {
  enum class Kind {
    kNone,
    kHttp,           // an HTTP error status not covered below
    kConnect,        // could not connect or resolve the host
    kTransport,      // connection reset, truncated body, send/receive error
    kTimeout,        // the request timed out
    kMalformed,      // a success status with a body that is not a valid answer
    kContextLength,  // prompt (+ max tokens) exceeds the model's context
    kContentFilter,  // refused by the provider's content policy
    kUnsupported,    // the adapter cannot answer this kind of request
    kInvalidInput,   // the request could not be built (e.g. unreadable image)
    kCancelled,      // abandoned by the runner (interrupt)
  };
  Kind kind = Kind::kNone;
  bool retryable = false;
  int http_status = 0;             // 0 when no HTTP status was received
  double retry_after_seconds = -1;  // the server's hint, < 0 when absent
  std::string message;
};
const char* ResponseErrorKindName(ResponseError::Kind kind);

struct Response {
  std::string text;                    // generate: the answer
  std::vector<double> option_logprobs;  // rank: one log-likelihood per option
  std::string finish_reason;           // "stop", "length", "content_filter", ...
  std::string model;                   // the model id the endpoint reported, if any
  std::string system_fingerprint;      // the backend version it reported, if any
  std::string refusal;                 // the endpoint's refusal message, if any
  Usage usage;
  ResponseError error;

  bool ok() const { return error.kind == ResponseError::Kind::kNone; }
};

}  // namespace svit

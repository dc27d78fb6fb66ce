#include "core/request.h"

#include <charconv>
#include <cstring>

#include "core/base64.h"
#include "core/sha256.h"

namespace svit {
namespace {

std::string NumberText(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

bool StartsWith(std::string_view bytes, std::string_view magic, size_t offset = 0) {
  return bytes.size() >= offset + magic.size() && bytes.substr(offset, magic.size()) == magic;
}

}  // namespace

const std::string& ImageData::sha256() const {
  std::call_once(sha256_once_, [this] { sha256_ = Sha256Hex(bytes_); });
  return sha256_;
}

const std::string& ImageData::base64() const {
  std::call_once(base64_once_, [this] { base64_ = EncodeBase64(bytes_); });
  return base64_;
}

std::string SniffImageMime(std::string_view bytes) {
  if (StartsWith(bytes, "\xFF\xD8\xFF")) return "image/jpeg";
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (StartsWith(bytes, "GIF87a") || StartsWith(bytes, "GIF89a")) return "image/gif";
  if (StartsWith(bytes, "RIFF") && StartsWith(bytes, "WEBP", 8)) return "image/webp";
  if (StartsWith(bytes, "BM") && bytes.size() > 14) return "image/bmp";
  return "";
}

std::string Request::ContentHash() const {
  Sha256 hash;
  hash.UpdateField("svit-request-v1");
  hash.UpdateField(kind == RequestKind::kGenerate ? "generate" : "rank");
  hash.UpdateField(std::to_string(messages.size()));
  for (const auto& message : messages) {
    hash.UpdateField(message.role);
    hash.UpdateField(std::to_string(message.parts.size()));
    for (const auto& part : message.parts) {
      if (part.kind == ContentPart::Kind::kText) {
        hash.UpdateField("text");
        hash.UpdateField(part.text);
      } else {
        hash.UpdateField("image");
        hash.UpdateField(part.image ? part.image->mime() : "");
        hash.UpdateField(part.image ? part.image->sha256() : "");
      }
    }
  }
  hash.UpdateField(std::to_string(params.max_new_tokens));
  hash.UpdateField(NumberText(params.temperature));
  hash.UpdateField(params.top_p ? NumberText(*params.top_p) : "-");
  hash.UpdateField(params.seed ? std::to_string(*params.seed) : "-");
  hash.UpdateField(std::to_string(params.stop.size()));
  for (const auto& stop : params.stop) hash.UpdateField(stop);
  hash.UpdateField(std::to_string(options.size()));
  for (const auto& option : options) hash.UpdateField(option);
  if (repeat != 0) {
    hash.UpdateField("repeat");
    hash.UpdateField(std::to_string(repeat));
  }
  return hash.HexDigest();
}

std::string Request::UserText() const {
  std::string out;
  for (const auto& message : messages) {
    if (message.role != "user") continue;
    for (const auto& part : message.parts) {
      if (part.kind != ContentPart::Kind::kText) continue;
      if (!out.empty()) out += '\n';
      out += part.text;
    }
  }
  return out;
}

const char* ResponseErrorKindName(ResponseError::Kind kind) {
  using Kind = ResponseError::Kind;
  switch (kind) {
    case Kind::kNone: return "none";
    case Kind::kHttp: return "http_error";
    case Kind::kConnect: return "connect_error";
    case Kind::kTransport: return "transport_error";
    case Kind::kTimeout: return "timeout";
    case Kind::kMalformed: return "malformed_response";
    case Kind::kContextLength: return "context_length_exceeded";
    case Kind::kContentFilter: return "content_filter";
    case Kind::kUnsupported: return "unsupported";
    case Kind::kInvalidInput: return "invalid_input";
    case Kind::kCancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace svit

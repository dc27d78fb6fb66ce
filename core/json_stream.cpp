#include "core/json_stream.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "metrics/python_text.h"

namespace svit {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ValidNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits) return false;
  }
  return i == n;
}

const char* TokenName(JsonStream::Token token, std::string_view text = {}) {
  switch (token) {
    case JsonStream::Token::kBeginObject: return "an object";
    case JsonStream::Token::kEndObject: return "'}'";
    case JsonStream::Token::kBeginArray: return "an array";
    case JsonStream::Token::kEndArray: return "']'";
    case JsonStream::Token::kString: return "a string";
    case JsonStream::Token::kNumber:
      return text.find_first_of(".eE") == std::string_view::npos && !text.empty() ? "an integer" : "a number";
    case JsonStream::Token::kTrue:
    case JsonStream::Token::kFalse: return "a boolean";
    case JsonStream::Token::kNull: return "null";
    case JsonStream::Token::kEndOfInput: return "end of file";
  }
  return "a value";
}

}  // namespace

JsonStream::~JsonStream() {
  if (file_) std::fclose(file_);
}

Status JsonStream::Open(const std::string& path, size_t chunk_size) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return Status::InvalidInput(path + ": cannot open file (missing or unreadable)");
  buffer_.resize(std::max<size_t>(chunk_size, 64));
  return Status::OK();
}

Status JsonStream::OpenInside(const std::string& path, uint64_t offset, std::string_view open,
                              size_t chunk_size) {
  SVIT_RETURN_IF_ERROR(Open(path, chunk_size));
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0) {
    return Status::InvalidInput(path + ": cannot seek to byte " + std::to_string(offset));
  }
  consumed_ = column_base_ = offset;
  stack_.assign(open.begin(), open.end());
  expect_ = stack_.empty() ? Expect::kValue : stack_.back() == '[' ? Expect::kValue : Expect::kKey;
  return Status::OK();
}

bool JsonStream::Refill() {
  if (eof_ || !file_) return false;
  size_t unread = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, unread);
    consumed_ += begin_;
    begin_ = 0;
    end_ = unread;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

bool JsonStream::EnsureByte() { return begin_ < end_ || Refill(); }

std::string JsonStream::Position() const {
  return path_ + ":" + std::to_string(token_line_) + ":" +
         std::to_string(token_offset_ - column_base_ + 1);
}

Status JsonStream::Error(const std::string& message) const {
  std::string record;
  if (!record_.array.empty()) {
    record = std::string(record_.array) + "[" + std::to_string(record_.index) + "]";
    if (!sub_record_.array.empty()) {
      record += "." + std::string(sub_record_.array) + "[" + std::to_string(sub_record_.index) + "]";
    }
    record += ": ";
  }
  return Status::InvalidInput(Position() + ": " + record + message);
}

Status JsonStream::SyntaxError(const std::string& message) const {
  return Status::InvalidInput(Position() + ": invalid JSON: " + message);
}

Status JsonStream::ScanString() {
  // begin_ is at the opening quote.
  ++begin_;
  scratch_.clear();
  bool copied = false, non_ascii = false;
  size_t start = begin_;
  for (;;) {
    if (begin_ == end_) {
      scratch_.append(buffer_.data() + start, begin_ - start);
      copied = true;
      if (!Refill()) return SyntaxError("unterminated string");
      start = begin_;
    }
    const char* data = buffer_.data();
    size_t i = begin_;
    // Eight bytes at a time: a byte that is a quote, a backslash or a control
    // character is "special". Each mask below flags the first such byte
    // exactly (bits above it may be false alarms), so the lowest flag of
    // their union is the first special byte. Non-ASCII bytes only mark the
    // string for UTF-8 validation (a false alarm past the closing quote just
    // validates a valid string).
    static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");
    while (i + 8 <= end_) {
      uint64_t v;
      std::memcpy(&v, data + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
      uint64_t special = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                          ((v - kOnes * 0x20) & ~v)) & kHigh;
      non_ascii |= (v & kHigh) != 0;
      if (special) {
        i += std::countr_zero(special) / 8;
        break;
      }
      i += 8;
    }
    while (i < end_) {  // the last few bytes of the buffer
      auto c = static_cast<unsigned char>(data[i]);
      if (c == '"' || c == '\\' || c < 0x20) break;
      non_ascii |= c >= 0x80;
      ++i;
    }
    begin_ = i;
    if (i == end_) continue;
    char c = data[i];
    if (c == '"') {
      if (copied) {
        scratch_.append(data + start, i - start);
        text_ = scratch_;
      } else {
        text_ = std::string_view(data + start, i - start);
      }
      ++begin_;
      if (non_ascii && !py::IsValidUtf8(text_)) return SyntaxError("invalid UTF-8 in string");
      return Status::OK();
    }
    if (c != '\\') return SyntaxError("control character in string (unescaped newline or tab?)");
    scratch_.append(data + start, i - start);
    copied = true;
    ++begin_;
    // Escapes need up to 12 bytes (\uD83D\uDE00); make them contiguous.
    while (end_ - begin_ < 12 && Refill()) {}
    if (begin_ >= end_) return SyntaxError("unterminated string");
    char e = buffer_[begin_++];
    switch (e) {
      case '"': scratch_ += '"'; break;
      case '\\': scratch_ += '\\'; break;
      case '/': scratch_ += '/'; break;
      case 'b': scratch_ += '\b'; break;
      case 'f': scratch_ += '\f'; break;
      case 'n': scratch_ += '\n'; break;
      case 'r': scratch_ += '\r'; break;
      case 't': scratch_ += '\t'; break;
      case 'u': {
        auto hex4 = [&](size_t at, uint32_t* out) {
          if (at + 4 > end_) return false;
          uint32_t v = 0;
          for (size_t k = 0; k < 4; ++k) {
            int h = HexValue(buffer_[at + k]);
            if (h < 0) return false;
            v = v * 16 + h;
          }
          *out = v;
          return true;
        };
        uint32_t cp;
        if (!hex4(begin_, &cp)) return SyntaxError("bad \\u escape in string");
        begin_ += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (begin_ + 2 <= end_ && buffer_[begin_] == '\\' && buffer_[begin_ + 1] == 'u' &&
              hex4(begin_ + 2, &low) && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            begin_ += 6;
          } else {
            return SyntaxError("unpaired surrogate in \\u escape");
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return SyntaxError("unpaired surrogate in \\u escape");
        }
        py::AppendUtf8(cp, &scratch_);
        break;
      }
      default: return SyntaxError(std::string("bad escape '\\") + e + "' in string");
    }
    start = begin_;
  }
}

Status JsonStream::ScanNumber() {
  auto is_number_char = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  // Fast path: the number ends inside the buffer.
  size_t i = begin_;
  while (i < end_ && is_number_char(buffer_[i])) ++i;
  if (i < end_) {
    text_ = std::string_view(buffer_.data() + begin_, i - begin_);
    begin_ = i;
    if (!ValidNumber(text_)) return SyntaxError("invalid number '" + std::string(text_) + "'");
    return Status::OK();
  }
  scratch_.clear();
  for (;;) {
    if (begin_ == end_ && !Refill()) break;
    char c = buffer_[begin_];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
      scratch_ += c;
      ++begin_;
    } else {
      break;
    }
  }
  text_ = scratch_;
  if (!ValidNumber(text_)) return SyntaxError("invalid number '" + scratch_ + "'");
  return Status::OK();
}

Status JsonStream::ScanLiteral(std::string_view literal) {
  while (end_ - begin_ < literal.size() && Refill()) {}
  if (end_ - begin_ < literal.size() ||
      std::memcmp(buffer_.data() + begin_, literal.data(), literal.size()) != 0) {
    return SyntaxError("invalid literal (expected a JSON value)");
  }
  begin_ += literal.size();
  text_ = literal;
  return Status::OK();
}

Status JsonStream::AfterValue() {
  expect_ = stack_.empty() ? Expect::kDone : Expect::kCommaOrEnd;
  return Status::OK();
}

Status JsonStream::Next(Token* token) {
  for (;;) {
    // Skip blanks, counting lines for positions.
    for (;;) {
      if (begin_ == end_ && !Refill()) break;
      char c = buffer_[begin_];
      if (static_cast<unsigned char>(c) > ' ' || !IsBlank(c)) break;
      if (c == '\n') {
        ++line_;
        column_base_ = consumed_ + begin_ + 1;
      }
      ++begin_;
    }
    token_line_ = line_;
    token_offset_ = consumed_ + begin_;
    if (begin_ == end_) {
      if (expect_ != Expect::kDone) return SyntaxError("unexpected end of file");
      *token = Token::kEndOfInput;
      return Status::OK();
    }
    char c = buffer_[begin_];
    is_key_ = false;
    switch (expect_) {
      case Expect::kDone:
        return SyntaxError("unexpected data after the end of the JSON document");
      case Expect::kColon:
        if (c != ':') return SyntaxError("expected ':' after an object key");
        ++begin_;
        expect_ = Expect::kValue;
        continue;
      case Expect::kCommaOrEnd:
        if (c == ',') {
          ++begin_;
          expect_ = stack_.back() == '{' ? Expect::kKey : Expect::kValue;
          continue;
        }
        if ((c == '}' && stack_.back() == '{') || (c == ']' && stack_.back() == '[')) {
          ++begin_;
          stack_.pop_back();
          *token = c == '}' ? Token::kEndObject : Token::kEndArray;
          return AfterValue();
        }
        return SyntaxError(stack_.back() == '{' ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
      case Expect::kKeyOrEnd:
      case Expect::kKey:
        if (c == '}' && expect_ == Expect::kKeyOrEnd) {
          ++begin_;
          stack_.pop_back();
          *token = Token::kEndObject;
          return AfterValue();
        }
        if (c != '"') return SyntaxError("expected a string key in object");
        SVIT_RETURN_IF_ERROR(ScanString());
        is_key_ = true;
        expect_ = Expect::kColon;
        *token = Token::kString;
        return Status::OK();
      case Expect::kValueOrEnd:
        if (c == ']') {
          ++begin_;
          stack_.pop_back();
          *token = Token::kEndArray;
          return AfterValue();
        }
        [[fallthrough]];
      case Expect::kValue:
        switch (c) {
          case '{':
            ++begin_;
            stack_.push_back('{');
            expect_ = Expect::kKeyOrEnd;
            *token = Token::kBeginObject;
            return Status::OK();
          case '[':
            ++begin_;
            stack_.push_back('[');
            expect_ = Expect::kValueOrEnd;
            *token = Token::kBeginArray;
            return Status::OK();
          case '"':
            SVIT_RETURN_IF_ERROR(ScanString());
            *token = Token::kString;
            return AfterValue();
          case 't':
            SVIT_RETURN_IF_ERROR(ScanLiteral("true"));
            *token = Token::kTrue;
            return AfterValue();
          case 'f':
            SVIT_RETURN_IF_ERROR(ScanLiteral("false"));
            *token = Token::kFalse;
            return AfterValue();
          case 'n':
            SVIT_RETURN_IF_ERROR(ScanLiteral("null"));
            *token = Token::kNull;
            return AfterValue();
          default:
            if (c == '-' || (c >= '0' && c <= '9')) {
              SVIT_RETURN_IF_ERROR(ScanNumber());
              *token = Token::kNumber;
              return AfterValue();
            }
            return SyntaxError(std::string("unexpected character '") + c + "'");
        }
    }
  }
}

Status JsonStream::ExpectBeginObject(std::string_view what) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  if (token != Token::kBeginObject) {
    return Error(std::string(what) + " must be an object, got " + TokenName(token));
  }
  return Status::OK();
}

Status JsonStream::ExpectBeginArray(std::string_view what) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  if (token != Token::kBeginArray) {
    return Error(std::string(what) + " must be an array, got " + TokenName(token));
  }
  return Status::OK();
}

Status JsonStream::NextKey(std::string_view* key, bool* done) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  *done = token == Token::kEndObject;
  if (!*done) *key = text_;
  return Status::OK();
}

Status JsonStream::NextElement(Token* token, bool* done) {
  SVIT_RETURN_IF_ERROR(Next(token));
  *done = *token == Token::kEndArray;
  return Status::OK();
}

Status JsonStream::ReadString(std::string_view what, std::string_view* out) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  if (token != Token::kString) {
    return Error("field '" + std::string(what) + "' must be a string, got " + TokenName(token, text_));
  }
  *out = text_;
  return Status::OK();
}

Status JsonStream::ReadInt64(std::string_view what, int64_t* out) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), *out);
  if (token != Token::kNumber || ec != std::errc() || ptr != text_.data() + text_.size()) {
    return Error("field '" + std::string(what) + "' must be an integer, got " +
                 (token == Token::kNumber ? "'" + std::string(text_) + "'" : TokenName(token)));
  }
  return Status::OK();
}

Status JsonStream::ReadId(std::string_view what, std::string* out) {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  int64_t value;
  if (token == Token::kString) {
    out->assign(text_);
    return Status::OK();
  }
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), value);
  if (token != Token::kNumber || ec != std::errc() || ptr != text_.data() + text_.size()) {
    return Error("field '" + std::string(what) + "' must be an integer or a string, got " +
                 (token == Token::kNumber ? "'" + std::string(text_) + "'" : TokenName(token)));
  }
  out->assign(text_);
  return Status::OK();
}

Status JsonStream::SkipValue(Token first) {
  if (first != Token::kBeginObject && first != Token::kBeginArray) return Status::OK();
  size_t depth = 1;
  while (depth > 0) {
    Token token;
    SVIT_RETURN_IF_ERROR(Next(&token));
    if (token == Token::kBeginObject || token == Token::kBeginArray) ++depth;
    if (token == Token::kEndObject || token == Token::kEndArray) --depth;
  }
  return Status::OK();
}

Status JsonStream::SkipNextValue() {
  Token token;
  SVIT_RETURN_IF_ERROR(Next(&token));
  return SkipValue(token);
}

}  // namespace svit

// JsonStream: a pull parser that reads a JSON file in fixed-size chunks, for
// official benchmark files too big to hold as a DOM (VQAv2's annotations are
// ~160 MB; a DOM of them takes ~4x that). Memory stays at the chunk size plus
// what the caller keeps. Strings are unescaped and checked to be valid UTF-8;
// grammar errors name the file, line and column.
//
// Usage: call Next() for each token; inside an object, keys arrive as kString
// tokens with is_key() true. text() is valid until the next call.
// JsonDocument (json_file.h) remains the way to read small files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace svit {

class JsonStream {
 public:
  enum class Token {
    kBeginObject, kEndObject, kBeginArray, kEndArray,
    kString, kNumber, kTrue, kFalse, kNull, kEndOfInput,
  };

  JsonStream() = default;
  ~JsonStream();
  JsonStream(const JsonStream&) = delete;
  JsonStream& operator=(const JsonStream&) = delete;

  Status Open(const std::string& path, size_t chunk_size = 1 << 20);
  // Opens `path` at byte `offset` inside a document, as if the containers in
  // `open` (e.g. "{[": an array inside an object) were open and a value came
  // next. Used to parse the second half of a big array on another core; line
  // numbers in messages are then relative to `offset`.
  Status OpenInside(const std::string& path, uint64_t offset, std::string_view open,
                    size_t chunk_size = 1 << 20);
  // Byte offset in the file of the last token, and the number of open containers.
  uint64_t token_offset() const { return token_offset_; }
  size_t depth() const { return stack_.size(); }

  Status Next(Token* token);
  std::string_view text() const { return text_; }
  bool is_key() const { return is_key_; }

  // Typed helpers built on Next(). Each reports "path:line:col: expected ..."
  // when the next value has another type. `what` names the field for errors.
  Status ExpectBeginObject(std::string_view what);
  Status ExpectBeginArray(std::string_view what);
  // Reads the next key of the current object into *key; sets *done at the
  // object's end instead.
  Status NextKey(std::string_view* key, bool* done);
  // Reads the next array element's first token; sets *done at the array's end.
  Status NextElement(Token* token, bool* done);
  Status ReadString(std::string_view what, std::string_view* out);
  Status ReadInt64(std::string_view what, int64_t* out);
  // An id written as an integer or a string.
  Status ReadId(std::string_view what, std::string* out);
  // Skips the rest of a value whose first token was just read.
  Status SkipValue(Token first);
  // Reads and discards the next value.
  Status SkipNextValue();

  // Names the record being read, so errors say "annotations[2].answers[4]":
  // SetRecord resets the sub-record. Cheap enough to call per element.
  void SetRecord(std::string_view array, size_t index) {
    record_ = {array, index};
    sub_record_ = {};
  }
  void SetSubRecord(std::string_view array, size_t index) { sub_record_ = {array, index}; }
  void ClearRecord() { record_ = sub_record_ = {}; }

  // "path:line:col" of the last token, for messages.
  std::string Position() const;
  Status Error(const std::string& message) const;        // a value of the wrong shape
  Status SyntaxError(const std::string& message) const;  // not JSON at all

 private:
  bool Refill();  // keeps unread bytes; false at end of file
  bool EnsureByte();
  Status ScanString();
  Status ScanNumber();
  Status ScanLiteral(std::string_view literal);
  Status AfterValue();

  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;  // unread bytes are buffer_[begin_, end_)
  bool eof_ = false;

  struct RecordName {
    std::string_view array;
    size_t index = 0;
  };
  RecordName record_, sub_record_;

  std::string scratch_;
  std::string_view text_;
  bool is_key_ = false;
  uint64_t line_ = 1, column_base_ = 0, consumed_ = 0;  // for positions
  uint64_t token_line_ = 1, token_offset_ = 0;

  // Grammar state: one entry per open container ('{' or '['), and what the
  // parser expects next.
  std::vector<char> stack_;
  enum class Expect { kValue, kKeyOrEnd, kKey, kColon, kCommaOrEnd, kValueOrEnd, kDone };
  Expect expect_ = Expect::kValue;
};

}  // namespace svit
